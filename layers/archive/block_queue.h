// Blocks of bytes handed from one producer thread to one consumer thread, a few at a time, so
// that two stages of a stream (decompressing, extracting) run on two cores. Spent blocks go back
// to the producer: the same few buffers carry the whole stream.
#pragma once

#include <condition_variable>
#include <cstddef>
#include <deque>
#include <mutex>
#include <vector>

namespace layerfs {

using Block = std::vector<char>;

class BlockQueue {
 public:
  explicit BlockQueue(size_t max_blocks) : max_blocks_(max_blocks) {}

  // Producer: an empty buffer, recycled when the consumer has returned one.
  Block spare();
  // Producer: waits while the queue is full; false once the consumer has cancelled (stop then).
  bool push(Block block);
  // Producer: the stream ends after the blocks already pushed.
  void close();

  // Consumer: waits for the next block; false at the end of the stream or after cancel().
  bool pop(Block& block);
  // Consumer: gives a spent block back for reuse.
  void recycle(Block block);
  // Consumer: no more blocks wanted; a waiting or later push() returns false.
  void cancel();

 private:
  const size_t max_blocks_;
  std::mutex mutex_;
  std::condition_variable changed_;
  std::deque<Block> blocks_;
  std::vector<Block> spares_;
  bool closed_ = false;
  bool cancelled_ = false;
};

}  // namespace layerfs
