// The queue between a layer's decompressing thread and its extracting thread: order, the end of
// the stream, back-pressure and cancellation (a consumer that gives up must not leave the
// producer waiting for room forever).
#include "layers/archive/block_queue.h"

#include <gtest/gtest.h>

#include <atomic>
#include <thread>

namespace layerfs {
namespace {

Block block_of(char c, size_t size) { return Block(size, c); }

TEST(BlockQueue, BlocksArriveInOrderThenTheStreamEnds) {
  BlockQueue queue(2);
  std::thread producer([&] {
    for (char c = 'a'; c <= 'j'; ++c) ASSERT_TRUE(queue.push(block_of(c, 100)));
    queue.close();
  });
  std::string seen;
  Block block;
  while (queue.pop(block)) {
    seen += block.front();
    queue.recycle(std::move(block));
  }
  producer.join();
  EXPECT_EQ(seen, "abcdefghij");
  EXPECT_FALSE(queue.pop(block));
}

TEST(BlockQueue, SpareBuffersAreRecycledEmpty) {
  BlockQueue queue(2);
  Block block = block_of('x', 4096);
  const char* storage = block.data();
  queue.recycle(std::move(block));
  Block spare = queue.spare();
  EXPECT_TRUE(spare.empty());
  EXPECT_EQ(spare.data(), storage);  // the same allocation, no new one
}

TEST(BlockQueue, CancelReleasesAProducerWaitingForRoom) {
  BlockQueue queue(1);
  ASSERT_TRUE(queue.push(block_of('a', 1)));
  std::atomic<bool> pushed_result{true};
  std::thread producer([&] { pushed_result = queue.push(block_of('b', 1)); });
  queue.cancel();
  producer.join();
  EXPECT_FALSE(pushed_result);
  Block block;
  EXPECT_FALSE(queue.pop(block));
}

}  // namespace
}  // namespace layerfs
