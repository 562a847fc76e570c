// Telling a written file's other names (its hard links: other FUSE nodes, each with its own pages
// in the kernel) that their cached data is stale.
//
// Telling may wait for other requests to be served: before the kernel drops a name's pages it
// writes back those dirtied through a shared mapping, and each such write is a WRITE to us. So no
// request thread ever waits for another thread's telling: a write that finds telling under way for
// its stripe leaves a pass to the thread doing it and replies at once. (Waiting there, the writer
// of the dirty pages and the teller waited for each other: a concurrent stress of writes, msync
// and close on hard-linked files hung the mount.)
#pragma once

#include <fuse_lowlevel.h>

#include <array>
#include <cstdint>
#include <functional>
#include <mutex>
#include <utility>
#include <vector>

namespace layerfs::fuse {

class AliasTelling {
 public:
  // Tells the names of inode number `ino` other than node `except` (0: all of them).
  using Tell = std::function<void(uint64_t ino, fuse_ino_t except)>;

  explicit AliasTelling(Tell tell) : tell_(std::move(tell)) {}
  AliasTelling(const AliasTelling&) = delete;
  AliasTelling& operator=(const AliasTelling&) = delete;

  // After a change to `ino` written through node `except`: when no other thread is telling in its
  // stripe, tells now and then replies (so that the writer's next read through another name sees
  // the change), after which it runs the passes that other writes left meanwhile. Otherwise leaves
  // its pass to that thread and replies at once.
  void after_change(uint64_t ino, fuse_ino_t except, const std::function<void()>& reply);

 private:
  using Pass = std::pair<uint64_t, fuse_ino_t>;
  struct Stripe {
    std::mutex mutex;
    bool telling = false;
    std::vector<Pass> pending;
  };

  // Moves the stripe's pending passes into `passes` (empty); with none, ends this thread's telling
  // and returns false.
  static bool next_passes(Stripe& stripe, std::vector<Pass>& passes);
  void run(const std::vector<Pass>& passes);
  // Runs the stripe's pending passes until there are none, then ends this thread's telling.
  void drain(Stripe& stripe);

  const Tell tell_;
  // Striped by inode number: few files have several names, and fewer are written at once.
  std::array<Stripe, 16> stripes_;
};

}  // namespace layerfs::fuse
