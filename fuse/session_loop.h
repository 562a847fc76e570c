// The request loop of a union mount: leader/follower threads over one /dev/fuse session.
#pragma once

#include <fuse_lowlevel.h>
#include <pthread.h>

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstddef>
#include <cstdint>
#include <mutex>
#include <optional>
#include <thread>
#include <vector>

namespace layerfs::fuse {

// Where the loop gets requests from and hands them to: the FUSE session, or a test's stand-in.
class RequestSource {
 public:
  virtual ~RequestSource() = default;
  // Reads the next request into `buf` (allocating buf.mem as needed). Returns its size, 0 once the
  // session has ended, or -errno (-EINTR when interrupted by SessionLoop::stop).
  virtual int receive(fuse_buf& buf) = 0;
  // Serves one request, replying to it.
  virtual void process(const fuse_buf& buf) = 0;
  // Whether a request is waiting to be read (a guess: it may arrive a moment later).
  virtual bool request_waiting() { return true; }
};

// Reading a raw request as the kernel wrote it: its opcode, or nothing when `buf` does not hold the
// request in memory (spliced data) or is too short.
std::optional<uint32_t> request_opcode(const fuse_buf& buf);
// The 32-bit field at `offset` of the request's argument, if the request has it.
bool request_argument(const fuse_buf& buf, size_t offset, uint32_t& value);

// Whether serving a raw request may wait on the disk or on another process for long: opens that
// may copy a file up, truncation, fsync, large writes, hard links of lower files. Everything else
// (lookups, getattr, readdir, create, small writes...) is answered from caches and metadata in
// microseconds. A read decides for itself (ops/read.cpp): cached data is sent at once.
bool request_may_block(const fuse_buf& buf);

// Serves requests with a leader/follower pool. One thread at a time (the leader) reads the device
// and serves what it reads itself, so that a process making one call after another is served
// without waking any other thread: the request that follows a reply is usually queued by the
// time the leader reads again. A request that may block first hands reading over to an idle
// thread (or a new one, up to max_threads), so that nothing waits behind it.
//
// libfuse's multithreaded loop lets every idle thread read: each request then wakes a sleeping
// thread while the one that replied goes to sleep, a context switch more per request (untar of
// 5,200 files: 80k switches against 54k here).
class SessionLoop {
 public:
  // `spin`: how long the leader polls for the next request before it sleeps in read(). Waking a
  // thread that sleeps on an idle CPU costs tens of microseconds on a virtual machine (halt and
  // wake-up exits), more than the daemon's own work on most requests, and a process making one
  // call after another sends its next request within microseconds of the reply. The leader polls
  // only while requests keep coming that soon (see spin_pays).
  SessionLoop(RequestSource& source, size_t max_threads,
              std::chrono::microseconds spin = std::chrono::microseconds(0));
  SessionLoop(const SessionLoop&) = delete;
  SessionLoop& operator=(const SessionLoop&) = delete;
  ~SessionLoop();

  // Starts the first thread; returns at once.
  void start();
  // Waits until the session has ended (or stop() was called) and every thread has finished.
  // Returns 0, or the -errno of a failed read of the device.
  int wait();
  // Ends the loop from any thread: requests being served are finished, the leader's read is
  // interrupted (SIGUSR1, which must not be blocked in the threads), no new request is read.
  void stop();

  // Called by a request handler (on a loop thread) before it does something that may wait for
  // the kernel to serve another request of this mount, such as an invalidation notice: if this
  // thread is the leader, another thread takes over reading. No effect elsewhere.
  static void let_another_thread_read();
  // The same, only when another request is already waiting: for work that takes a while but
  // less than a hand-over costs a process making one call after another (a small read from the
  // disk, about 0.1 ms; a hand-over wakes a thread, about 10 us).
  static void let_another_thread_read_if_waiting();

  size_t threads_started() const;

 private:
  void serve();
  bool become_leader();
  bool hand_over_reading();
  void end(int status);

  // Polls for a request for up to spin_ (returns at once when stopping).
  void spin_for_request();
  // Whether polling pays now: most recent requests came soon after the leader started to wait
  // (record_wait). When they come further apart (a mount used now and then, a process that works
  // between its calls), polling after every reply only takes a CPU from other work.
  bool spin_pays() const {
    return spin_score_.load(std::memory_order_relaxed) >= kSpinScoreMax / 2;
  }
  // Counts a wait of the leader's for a request in the score (a moving average, 1/8 per wait).
  void record_wait(std::chrono::steady_clock::duration waited);

  RequestSource& source_;
  const size_t max_threads_;
  const std::chrono::microseconds spin_;
  static constexpr int kSpinScoreMax = 1024;
  std::atomic<int> spin_score_{kSpinScoreMax};
  mutable std::mutex mutex_;
  std::condition_variable followers_;
  std::condition_variable finished_;
  std::vector<std::thread> threads_;
  size_t started_ = 0;
  size_t running_ = 0;
  size_t idle_ = 0;
  bool leader_present_ = false;
  pthread_t leader_{};
  std::atomic<bool> reading_{false};  // the leader is in (or about to enter) receive()
  std::atomic<bool> stopping_{false};
  int status_ = 0;
};

}  // namespace layerfs::fuse
