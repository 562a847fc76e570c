// The leader/follower loop against a stand-in for /dev/fuse: a pipe delivers request numbers, and
// the test decides which requests block and when they are released.
#include "fuse/session_loop.h"

#include <fcntl.h>
#include <gtest/gtest.h>
#include <poll.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <mutex>
#include <set>
#include <thread>
#include <vector>

#include "tests/fuse/raw_request.h"

namespace layerfs::fuse {
namespace {

using namespace std::chrono_literals;

// The kernel's opcodes used here (<linux/fuse.h>).
constexpr uint32_t kLookup = 1, kGetattr = 3, kSetattr = 4, kOpen = 14, kRead = 15, kWrite = 16,
                   kFsync = 20;
// Not a kernel opcode: the stand-in's handler hands reading over itself, as an invalidation does.
constexpr uint32_t kHandsOver = 9999;
// Likewise, but only when another request is waiting (a small read from the disk).
constexpr uint32_t kHandsOverIfWaiting = 9998;
constexpr unsigned char kFailedRead = 255;

// A raw request: the 40-byte header (len, opcode, unique, ...) and `argument`.
std::vector<char> raw_request(uint32_t opcode, uint64_t unique,
                              std::vector<uint32_t> argument = {}) {
  std::vector<char> raw(40 + argument.size() * 4, 0);
  uint32_t len = static_cast<uint32_t>(raw.size());
  std::memcpy(raw.data(), &len, 4);
  std::memcpy(raw.data() + 4, &opcode, 4);
  std::memcpy(raw.data() + 8, &unique, 8);
  if (!argument.empty()) std::memcpy(raw.data() + 40, argument.data(), argument.size() * 4);
  return raw;
}

class PipeSource : public RequestSource {
 public:
  PipeSource() {
    int fds[2];
    if (::pipe2(fds, O_CLOEXEC) != 0) std::abort();
    read_fd_ = fds[0];
    write_fd_ = fds[1];
  }
  ~PipeSource() override {
    ::close(read_fd_);
    if (write_fd_ >= 0) ::close(write_fd_);
  }

  // Request `index` has this opcode; it blocks in process() until released if `blocks`.
  void define(unsigned char index, uint32_t opcode, bool blocks) {
    std::lock_guard lock(mutex_);
    if (requests_.size() <= index) requests_.resize(index + 1);
    requests_[index] = raw_request(opcode, index);
    if (blocks) blocking_.insert(index);
  }
  void send(unsigned char index) { ASSERT_EQ(::write(write_fd_, &index, 1), 1); }
  // Several requests queued at once.
  void send_together(std::vector<unsigned char> indexes) {
    ASSERT_EQ(::write(write_fd_, indexes.data(), indexes.size()), ssize_t(indexes.size()));
  }
  void end() {
    ::close(write_fd_);
    write_fd_ = -1;
  }
  void release(unsigned char index) {
    std::lock_guard lock(mutex_);
    blocking_.erase(index);
    changed_.notify_all();
  }
  // Waits (bounded) until `index` has been served.
  bool served_within(unsigned char index, std::chrono::milliseconds limit) {
    std::unique_lock lock(mutex_);
    return changed_.wait_for(lock, limit, [&] {
      return std::find(served_.begin(), served_.end(), index) != served_.end();
    });
  }
  bool in_flight_reaches(int count, std::chrono::milliseconds limit) {
    std::unique_lock lock(mutex_);
    return changed_.wait_for(lock, limit, [&] { return in_flight_ >= count; });
  }
  std::vector<unsigned char> served() {
    std::lock_guard lock(mutex_);
    return served_;
  }
  int most_in_flight() {
    std::lock_guard lock(mutex_);
    return most_in_flight_;
  }
  // How often the loop polled for a waiting request.
  int polls() const { return polls_.load(); }
  size_t serving_threads() {
    std::lock_guard lock(mutex_);
    return threads_.size();
  }

  int receive(fuse_buf& buf) override {
    unsigned char index = 0;
    ssize_t n = ::read(read_fd_, &index, 1);
    if (n < 0) return -errno;
    if (n == 0) return 0;
    if (index == kFailedRead) return -EIO;
    std::lock_guard lock(mutex_);
    const std::vector<char>& raw = requests_.at(index);
    if (buf.mem == nullptr) buf.mem = std::malloc(4096);
    std::memcpy(buf.mem, raw.data(), raw.size());
    buf.size = raw.size();
    buf.flags = fuse_buf_flags(0);
    return static_cast<int>(raw.size());
  }

  bool request_waiting() override {
    polls_.fetch_add(1);
    pollfd pipe = {read_fd_, POLLIN, 0};
    return ::poll(&pipe, 1, 0) > 0;
  }

  void process(const fuse_buf& buf) override {
    uint32_t opcode = 0;
    uint64_t unique = 0;
    std::memcpy(&opcode, static_cast<const char*>(buf.mem) + 4, 4);
    std::memcpy(&unique, static_cast<const char*>(buf.mem) + 8, 8);
    auto index = static_cast<unsigned char>(unique);
    if (opcode == kHandsOver) SessionLoop::let_another_thread_read();
    if (opcode == kHandsOverIfWaiting) SessionLoop::let_another_thread_read_if_waiting();
    std::unique_lock lock(mutex_);
    threads_.insert(std::this_thread::get_id());
    most_in_flight_ = std::max(most_in_flight_, ++in_flight_);
    changed_.notify_all();
    changed_.wait(lock, [&] { return blocking_.count(index) == 0; });
    --in_flight_;
    served_.push_back(index);
    changed_.notify_all();
  }

 private:
  int read_fd_ = -1;
  int write_fd_ = -1;
  std::mutex mutex_;
  std::condition_variable changed_;
  std::vector<std::vector<char>> requests_;
  std::set<unsigned char> blocking_;
  std::vector<unsigned char> served_;
  std::set<std::thread::id> threads_;
  int in_flight_ = 0;
  int most_in_flight_ = 0;
  std::atomic<int> polls_{0};
};

TEST(SessionLoop, AClientMakingOneCallAfterAnotherIsServedByOneThread) {
  PipeSource source;
  SessionLoop loop(source, 8);
  for (unsigned char i = 0; i < 100; ++i) source.define(i, i % 2 ? kLookup : kGetattr, false);
  loop.start();
  for (unsigned char i = 0; i < 100; ++i) {
    source.send(i);
    ASSERT_TRUE(source.served_within(i, 10s));
  }
  source.end();
  EXPECT_EQ(loop.wait(), 0);
  EXPECT_EQ(loop.threads_started(), 1u);
  EXPECT_EQ(source.serving_threads(), 1u);
  EXPECT_EQ(source.served().size(), 100u);
}

TEST(SessionLoop, ABlockingRequestDoesNotHoldUpTheOnesAfterIt) {
  PipeSource source;
  SessionLoop loop(source, 8);
  source.define(0, kFsync, /*blocks=*/true);
  for (unsigned char i = 1; i <= 3; ++i) source.define(i, kGetattr, false);
  loop.start();
  for (unsigned char i = 0; i <= 3; ++i) source.send(i);
  for (unsigned char i = 1; i <= 3; ++i) EXPECT_TRUE(source.served_within(i, 10s));
  EXPECT_FALSE(source.served_within(0, 0ms));
  source.release(0);
  EXPECT_TRUE(source.served_within(0, 10s));
  source.end();
  EXPECT_EQ(loop.wait(), 0);
  EXPECT_EQ(loop.threads_started(), 2u);
}

TEST(SessionLoop, AHandlerCanHandReadingOverBeforeItWaits) {
  PipeSource source;
  SessionLoop loop(source, 8);
  source.define(0, kHandsOver, /*blocks=*/true);
  source.define(1, kLookup, false);
  loop.start();
  source.send(0);
  source.send(1);
  EXPECT_TRUE(source.served_within(1, 10s));
  source.release(0);
  EXPECT_TRUE(source.served_within(0, 10s));
  source.end();
  EXPECT_EQ(loop.wait(), 0);
}

TEST(SessionLoop, AHandlerHandsReadingOverOnlyWhenARequestIsWaiting) {
  PipeSource source;
  SessionLoop loop(source, 8);
  source.define(0, kHandsOverIfWaiting, false);
  source.define(1, kHandsOverIfWaiting, /*blocks=*/true);
  source.define(2, kLookup, false);
  loop.start();
  source.send(0);
  ASSERT_TRUE(source.served_within(0, 10s));
  EXPECT_EQ(loop.threads_started(), 1u);  // nothing was waiting: served without a hand-over
  source.send_together({1, 2});
  EXPECT_TRUE(source.served_within(2, 10s));
  EXPECT_EQ(loop.threads_started(), 2u);
  source.release(1);
  EXPECT_TRUE(source.served_within(1, 10s));
  source.end();
  EXPECT_EQ(loop.wait(), 0);
}

TEST(SessionLoop, ThreadsAreCappedAndEveryRequestIsServed) {
  PipeSource source;
  SessionLoop loop(source, 2);
  for (unsigned char i = 0; i < 3; ++i) source.define(i, kFsync, /*blocks=*/true);
  source.define(3, kGetattr, false);
  loop.start();
  for (unsigned char i = 0; i <= 3; ++i) source.send(i);
  ASSERT_TRUE(source.in_flight_reaches(2, 10s));
  std::this_thread::sleep_for(100ms);
  EXPECT_EQ(source.most_in_flight(), 2);
  for (unsigned char i = 0; i < 3; ++i) source.release(i);
  for (unsigned char i = 0; i <= 3; ++i) EXPECT_TRUE(source.served_within(i, 10s));
  source.end();
  EXPECT_EQ(loop.wait(), 0);
  EXPECT_EQ(loop.threads_started(), 2u);
}

TEST(SessionLoop, StopInterruptsALeaderWaitingForARequest) {
  PipeSource source;
  SessionLoop loop(source, 4);
  loop.start();
  std::this_thread::sleep_for(50ms);  // the leader is now blocked in read()
  loop.stop();
  EXPECT_EQ(loop.wait(), 0);
}

TEST(SessionLoop, ALeaderPollingBeforeItSleepsServesAndStops) {
  PipeSource source;
  SessionLoop loop(source, 4, std::chrono::microseconds(2000));
  source.define(0, kLookup, false);
  loop.start();
  source.send(0);
  EXPECT_TRUE(source.served_within(0, 10s));
  std::this_thread::sleep_for(50ms);  // polled, then blocked in read()
  loop.stop();
  EXPECT_EQ(loop.wait(), 0);
}

TEST(SessionLoop, TheLeaderPollsOnlyWhileRequestsComeSoonAfterItStartsWaiting) {
  PipeSource source;
  SessionLoop loop(source, 4, std::chrono::microseconds(2000));
  for (unsigned char i = 0; i < 30; ++i) source.define(i, kLookup, false);
  loop.start();
  auto send_and_wait = [&](unsigned char i) {
    source.send(i);
    ASSERT_TRUE(source.served_within(i, 10s)) << int(i);
  };
  // Requests far apart (50 ms, 25 spins): after a few, the leader stops polling.
  for (unsigned char i = 0; i < 10; ++i) {
    std::this_thread::sleep_for(50ms);
    send_and_wait(i);
  }
  std::this_thread::sleep_for(20ms);  // the leader waits for request 10 (in read(), not polling)
  const int polls_while_apart = source.polls();
  for (unsigned char i = 10; i < 15; ++i) {
    std::this_thread::sleep_for(50ms);
    send_and_wait(i);
  }
  EXPECT_EQ(source.polls(), polls_while_apart);
  // One request right after another: polling pays again.
  for (unsigned char i = 15; i < 30; ++i) send_and_wait(i);
  std::this_thread::sleep_for(20ms);
  EXPECT_GT(source.polls(), polls_while_apart);
  loop.stop();
  EXPECT_EQ(loop.wait(), 0);
}

TEST(SessionLoop, AFailedReadEndsTheLoopWithItsError) {
  PipeSource source;
  SessionLoop loop(source, 4);
  loop.start();
  source.send(kFailedRead);
  EXPECT_EQ(loop.wait(), -EIO);
}

TEST(RequestMayBlock, DataAndCopyUpMayBlockMetadataDoesNot) {
  auto may_block = [](uint32_t opcode, std::vector<uint32_t> argument = {}) {
    std::vector<char> raw = raw_request(opcode, 1, std::move(argument));
    return request_may_block(buffer_of(raw));
  };
  EXPECT_TRUE(may_block(kFsync));
  EXPECT_FALSE(may_block(kRead));  // the read decides: cached data is sent at once
  EXPECT_FALSE(may_block(kLookup));
  EXPECT_FALSE(may_block(kGetattr));
  EXPECT_FALSE(may_block(kOpen, {O_RDONLY, 0}));
  EXPECT_TRUE(may_block(kOpen, {O_WRONLY, 0}));
  EXPECT_TRUE(may_block(kOpen, {O_RDWR, 0}));
  EXPECT_TRUE(may_block(kOpen, {O_RDONLY | O_TRUNC, 0}));
  EXPECT_FALSE(may_block(kOpen));                          // too short to hold its flags
  EXPECT_TRUE(may_block(kSetattr, {1u << 3}));             // FATTR_SIZE
  EXPECT_FALSE(may_block(kSetattr, {1u << 0}));            // FATTR_MODE
  EXPECT_FALSE(may_block(kWrite, {0, 0, 0, 0, 4096, 0}));  // fh, offset, size
  EXPECT_TRUE(may_block(kWrite, {0, 0, 0, 0, 1 << 20, 0}));
  std::vector<char> too_short(8, 0);
  EXPECT_FALSE(request_may_block(buffer_of(too_short)));
}

}  // namespace
}  // namespace layerfs::fuse
