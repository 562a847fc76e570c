#include "fuse/session_loop.h"

#include <fcntl.h>

#include <cerrno>
#include <csignal>
#include <cstdint>
#include <cstdlib>
#include <cstring>

namespace layerfs::fuse {

namespace {

using namespace std::chrono_literals;

// The kernel's request header and the argument fields read here (<linux/fuse.h>; libfuse does not
// install its copy). The layout is part of the kernel ABI.
struct InHeader {
  uint32_t len;
  uint32_t opcode;
  uint64_t unique;
  uint64_t nodeid;
  uint32_t uid;
  uint32_t gid;
  uint32_t pid;
  uint16_t total_extlen;
  uint16_t padding;
};
static_assert(sizeof(InHeader) == 40);

enum Opcode : uint32_t {
  kSetattr = 4,
  kLink = 13,
  kOpen = 14,
  kWrite = 16,
  kFsync = 20,
  kFsyncdir = 30,
  kSetlkw = 33,
  kFallocate = 43,
  kCopyFileRange = 47,
};
constexpr uint32_t kSetattrSize = 1u << 3;  // FATTR_SIZE in fuse_setattr_in.valid
constexpr size_t kWriteSizeOffset = 16;     // fuse_write_in: fh, offset, then size
// Writes of this size and more may wait for writeback (dirty page throttling).
constexpr uint32_t kLargeWrite = 64 * 1024;

// Which loop the current thread serves, and whether it is that loop's leader.
struct ThreadRole {
  SessionLoop* loop = nullptr;
  bool leading = false;
};
thread_local ThreadRole role;

// SIGUSR1 only interrupts the leader's read of the device (no SA_RESTART): nothing to do.
void interrupt_read(int) {}

}  // namespace

std::optional<uint32_t> request_opcode(const fuse_buf& buf) {
  if ((buf.flags & FUSE_BUF_IS_FD) || buf.size < sizeof(InHeader)) return std::nullopt;
  InHeader header;
  std::memcpy(&header, buf.mem, sizeof header);
  return header.opcode;
}

bool request_argument(const fuse_buf& buf, size_t offset, uint32_t& value) {
  if ((buf.flags & FUSE_BUF_IS_FD) || buf.size < sizeof(InHeader) + offset + sizeof value)
    return false;
  std::memcpy(&value, static_cast<const char*>(buf.mem) + sizeof(InHeader) + offset, sizeof value);
  return true;
}

bool request_may_block(const fuse_buf& buf) {
  // The kernel's data left in a pipe (splice): only a large write is passed on that way.
  if (buf.flags & FUSE_BUF_IS_FD) return true;
  const std::optional<uint32_t> opcode = request_opcode(buf);
  if (!opcode) return false;
  uint32_t field = 0;
  switch (*opcode) {
    case kFsync:
    case kFsyncdir:
    case kSetlkw:
    case kFallocate:
    case kCopyFileRange:
    case kLink:  // a hard link to a lower file copies its data up
      return true;
    case kOpen:  // opening a lower file for writing copies it up
      return request_argument(buf, 0, field) &&
             ((field & O_ACCMODE) != O_RDONLY || (field & O_TRUNC));
    case kSetattr:  // truncation copies data up
      return request_argument(buf, 0, field) && (field & kSetattrSize);
    case kWrite:
      return request_argument(buf, kWriteSizeOffset, field) && field >= kLargeWrite;
    default:
      return false;
  }
}

SessionLoop::SessionLoop(RequestSource& source, size_t max_threads, std::chrono::microseconds spin)
    : source_(source), max_threads_(max_threads < 1 ? 1 : max_threads), spin_(spin) {
  struct sigaction action = {};
  action.sa_handler = interrupt_read;
  sigemptyset(&action.sa_mask);
  ::sigaction(SIGUSR1, &action, nullptr);
}

SessionLoop::~SessionLoop() {
  stop();
  wait();
}

void SessionLoop::start() {
  std::lock_guard lock(mutex_);
  ++running_;
  ++started_;
  threads_.emplace_back([this] { serve(); });
}

void SessionLoop::serve() {
  role.loop = this;
  fuse_buf buf = {};
  while (become_leader()) {
    role.leading = true;
    while (role.leading) {
      reading_.store(true);
      if (stopping_.load()) break;
      const auto waiting_since = std::chrono::steady_clock::now();
      if (spin_pays()) spin_for_request();
      int received = source_.receive(buf);
      reading_.store(false);
      if (received == -EINTR || received == -EAGAIN) continue;
      if (received <= 0) {
        end(received);
        break;
      }
      record_wait(std::chrono::steady_clock::now() - waiting_since);
      if (request_may_block(buf)) let_another_thread_read();
      source_.process(buf);
    }
    reading_.store(false);
    if (role.leading) {
      role.leading = false;
      std::lock_guard lock(mutex_);
      leader_present_ = false;
    }
  }
  std::free(buf.mem);
  std::lock_guard lock(mutex_);
  if (--running_ == 0) finished_.notify_all();
}

void SessionLoop::record_wait(std::chrono::steady_clock::duration waited) {
  if (spin_.count() == 0) return;
  // Soon is within 8 spins: a request that came while the leader slept is seen a wake-up later,
  // and a process between two calls does some work of its own. Measured against twice the spin,
  // untar of 5,000 files kept polling in only some runs (1.21-1.53 s; 1.21-1.36 s with 8 times).
  const int sample = waited <= 8 * spin_ ? kSpinScoreMax : 0;
  const int score = spin_score_.load(std::memory_order_relaxed);
  spin_score_.store(score + (sample - score) / 8, std::memory_order_relaxed);
}

void SessionLoop::spin_for_request() {
  if (spin_.count() == 0) return;
  auto until = std::chrono::steady_clock::now() + spin_;
  while (!stopping_.load() && !source_.request_waiting() &&
         std::chrono::steady_clock::now() < until) {
  }
}

bool SessionLoop::become_leader() {
  std::unique_lock lock(mutex_);
  ++idle_;
  followers_.wait(lock, [&] { return stopping_.load() || !leader_present_; });
  --idle_;
  if (stopping_.load()) return false;
  leader_present_ = true;
  leader_ = ::pthread_self();
  return true;
}

bool SessionLoop::hand_over_reading() {
  std::lock_guard lock(mutex_);
  if (stopping_.load()) return false;
  if (idle_ > 0) {
    leader_present_ = false;
    followers_.notify_one();
    return true;
  }
  if (started_ < max_threads_) {
    leader_present_ = false;
    ++running_;
    ++started_;
    threads_.emplace_back([this] { serve(); });
    return true;
  }
  // Every thread is busy: this one goes on reading once its request is served.
  return false;
}

void SessionLoop::let_another_thread_read() {
  if (role.loop == nullptr || !role.leading) return;
  if (role.loop->hand_over_reading()) role.leading = false;
}

void SessionLoop::let_another_thread_read_if_waiting() {
  if (role.loop != nullptr && role.leading && role.loop->source_.request_waiting())
    let_another_thread_read();
}

void SessionLoop::end(int status) {
  std::lock_guard lock(mutex_);
  status_ = status;
  stopping_.store(true);
  leader_present_ = false;
  role.leading = false;
  followers_.notify_all();
  finished_.notify_all();
}

void SessionLoop::stop() {
  std::lock_guard lock(mutex_);
  stopping_.store(true);
  followers_.notify_all();
  finished_.notify_all();
}

int SessionLoop::wait() {
  std::unique_lock lock(mutex_);
  while (running_ > 0) {
    if (!stopping_.load()) {
      finished_.wait(lock);
      continue;
    }
    // The leader may be blocked reading the device; a signal sent just before it entered the
    // read would be lost, so it is repeated until the leader has left.
    if (leader_present_ && reading_.load()) ::pthread_kill(leader_, SIGUSR1);
    finished_.wait_for(lock, 10ms);
  }
  std::vector<std::thread> finished;
  finished.swap(threads_);
  lock.unlock();
  for (std::thread& thread : finished) thread.join();
  std::lock_guard relock(mutex_);
  return status_;
}

size_t SessionLoop::threads_started() const {
  std::lock_guard lock(mutex_);
  return started_;
}

}  // namespace layerfs::fuse
