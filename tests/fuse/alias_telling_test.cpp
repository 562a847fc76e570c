#include "fuse/alias_telling.h"

#include <gtest/gtest.h>

#include <chrono>
#include <future>
#include <memory>
#include <mutex>
#include <stdexcept>
#include <string>
#include <thread>
#include <utility>
#include <vector>

namespace layerfs::fuse {
namespace {

using namespace std::chrono_literals;

// What happened, in order, across threads.
class Events {
 public:
  void add(std::string event) {
    std::lock_guard lock(mutex_);
    events_.push_back(std::move(event));
  }
  std::vector<std::string> list() {
    std::lock_guard lock(mutex_);
    return events_;
  }

 private:
  std::mutex mutex_;
  std::vector<std::string> events_;
};

std::string pass(uint64_t ino, fuse_ino_t except) {
  return "tell " + std::to_string(ino) + " except " + std::to_string(except);
}

// Records each pass; holds the first one until `until` is ready (the kernel's wait for another
// request), at most 10 s.
AliasTelling::Tell recording_tell(Events& events, std::shared_future<void> until) {
  auto first = std::make_shared<bool>(true);
  return [&events, until, first](uint64_t ino, fuse_ino_t except) {
    events.add(pass(ino, except));
    if (std::exchange(*first, false) && until.wait_for(10s) != std::future_status::ready)
      events.add("the first pass waited 10 s");
  };
}

// Runs after_change on another thread and returns once its first pass has begun.
std::thread change_in_background(AliasTelling& telling, Events& events, uint64_t ino,
                                 fuse_ino_t except, std::string reply) {
  std::thread thread([&telling, &events, ino, except, reply] {
    telling.after_change(ino, except, [&events, reply] { events.add(reply); });
  });
  while (events.list().empty()) std::this_thread::sleep_for(1ms);
  return thread;
}

TEST(AliasTelling, TellsTheOtherNamesBeforeReplying) {
  Events events;
  AliasTelling telling([&](uint64_t ino, fuse_ino_t except) { events.add(pass(ino, except)); });
  telling.after_change(7, 100, [&] { events.add("reply"); });
  EXPECT_EQ(events.list(), (std::vector<std::string>{pass(7, 100), "reply"}));
}

// The hang this guards against: the teller waits for the kernel, which waits for a WRITE (dirty
// pages of another name written back); that WRITE's thread must reply without waiting for the
// teller.
TEST(AliasTelling, AWriteDuringTellingRepliesAtOnceAndTheTellerTellsForIt) {
  Events events;
  std::promise<void> second_replied;
  AliasTelling telling(recording_tell(events, second_replied.get_future().share()));
  std::thread first = change_in_background(telling, events, 7, 100, "reply 1");
  // Same inode, through another name: the same stripe, while the first thread is telling.
  telling.after_change(7, 200, [&] {
    events.add("reply 2");
    second_replied.set_value();
  });
  first.join();
  EXPECT_EQ(events.list(),
            (std::vector<std::string>{pass(7, 100), "reply 2", "reply 1", pass(7, 200)}));
}

TEST(AliasTelling, PassesLeftMeanwhileRunOnceEach) {
  Events events;
  std::promise<void> release;
  AliasTelling telling(recording_tell(events, release.get_future().share()));
  std::thread first = change_in_background(telling, events, 7, 100, "reply 1");
  telling.after_change(7, 200, [] {});
  telling.after_change(7, 200, [] {});       // the same pass again: told once
  telling.after_change(7 + 16, 300, [] {});  // another inode in the same stripe
  release.set_value();
  first.join();
  // After the first reply: the pass for the write through node 200 drops node 100's pages, which
  // the first writer holds locked until its reply.
  EXPECT_EQ(events.list(),
            (std::vector<std::string>{pass(7, 100), "reply 1", pass(7, 200), pass(23, 300)}));
  // Telling is over: the next write tells itself, before its reply.
  telling.after_change(7, 400, [&] { events.add("reply"); });
  std::vector<std::string> all = events.list();
  EXPECT_EQ(std::vector<std::string>(all.end() - 2, all.end()),
            (std::vector<std::string>{pass(7, 400), "reply"}));
}

// One process writing through one name, then through another: each write must find the stripe
// free and tell before its reply (the second reply came before its pass while the first thread
// was still finishing its telling; a differential run read stale pages, seed 7002).
TEST(AliasTelling, TellingIsOverWhenTheReplyIsSent) {
  Events events;
  AliasTelling telling([&](uint64_t ino, fuse_ino_t except) { events.add(pass(ino, except)); });
  telling.after_change(7, 100, [&] {
    events.add("reply 1");
    telling.after_change(7, 200, [&] { events.add("reply 2"); });
  });
  EXPECT_EQ(events.list(),
            (std::vector<std::string>{pass(7, 100), "reply 1", pass(7, 200), "reply 2"}));
}

TEST(AliasTelling, AFailedTellingEndsTheStripesTelling) {
  bool fail = true;
  int told = 0;
  AliasTelling telling([&](uint64_t, fuse_ino_t) {
    ++told;
    if (fail) throw std::runtime_error("out of memory");
  });
  EXPECT_THROW(telling.after_change(7, 100, [] {}), std::runtime_error);
  fail = false;
  bool replied = false;
  telling.after_change(7, 100, [&] { replied = true; });
  EXPECT_TRUE(replied);
  EXPECT_EQ(told, 2);
}

// The failed teller's caller replies after the throw: a pass run before it could wait for the
// writer's own locked pages, so passes left meanwhile are dropped, and the stripe is free again.
TEST(AliasTelling, AFailedTellingDropsThePassesLeftMeanwhile) {
  Events events;
  std::promise<void> left;
  std::shared_future<void> pass_left = left.get_future().share();
  bool first = true;
  AliasTelling telling([&](uint64_t ino, fuse_ino_t except) {
    events.add(pass(ino, except));
    if (std::exchange(first, false)) {
      pass_left.wait_for(10s);
      throw std::runtime_error("out of memory");
    }
  });
  std::thread failing(
      [&] { EXPECT_THROW(telling.after_change(7, 100, [] {}), std::runtime_error); });
  while (events.list().empty()) std::this_thread::sleep_for(1ms);
  telling.after_change(7, 200, [&] {
    events.add("reply 2");
    left.set_value();
  });
  failing.join();
  EXPECT_EQ(events.list(), (std::vector<std::string>{pass(7, 100), "reply 2"}));
  telling.after_change(7, 300, [&] { events.add("reply 3"); });
  std::vector<std::string> all = events.list();
  EXPECT_EQ(std::vector<std::string>(all.end() - 2, all.end()),
            (std::vector<std::string>{pass(7, 300), "reply 3"}));
}

}  // namespace
}  // namespace layerfs::fuse
