// Read-ahead for programs that walk a tree: find, du, tar -c, cp -r, grep -r, an image export.
// They list directories and read files in listing order, one at a time, so from cold caches each
// step waits for the disk in turn, and through FUSE every wait adds the daemon's wake-ups to the
// disk's latency. When the daemon sees a walk, a few background threads warm what it reaches next
// (directories: their listing and their entries' inodes; files: their first pages), so the disk
// serves many of those reads at once and the walker finds them cached.
//
// The triggers are what a walk does, nothing more: a directory listed from its start warms the
// subdirectories listed next (its first ones, and the siblings after it in its parent); a file
// read from its start that had to wait for the disk warms the files after it in its directory, and
// the window moves on as the walker reaches its middle. Random access never triggers file
// read-ahead, and a directory is warmed at most once.
#pragma once

#include <condition_variable>
#include <cstddef>
#include <deque>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "fuse/fd_cache.h"
#include "fuse/node.h"

namespace layerfs::fuse {

class UnionFs;

class WalkReadAhead {
 public:
  // Directories and files warmed ahead of the walker.
  static constexpr size_t kDirectoriesAhead = 16;
  static constexpr size_t kFilesAhead = 64;
  // The pages of a file's start that are read ahead (the kernel's own read-ahead does the rest).
  static constexpr size_t kFileBytes = 128 * 1024;

  explicit WalkReadAhead(UnionFs& fs) : fs_(fs) {}
  WalkReadAhead(const WalkReadAhead&) = delete;
  WalkReadAhead& operator=(const WalkReadAhead&) = delete;
  // Waits for the warming under way; the rest is dropped.
  ~WalkReadAhead();

  // `dir` is being listed from its start (`listing` is its merged listing). Needs the tree lock
  // (shared is enough).
  void listed(Node& dir, const DirListing& listing);
  // `file` was read from its start; `from_disk` when its data was not in the page cache. Needs the
  // tree lock (shared is enough).
  void read_start(Node& file, bool from_disk);

  // Work posted and not yet done (tests).
  size_t pending();
  // Blocks until everything posted so far is done (tests).
  void drain();

 private:
  // One file of a layer to warm: a name in an open directory.
  struct Target {
    SharedFd dir;
    std::string name;
  };
  // A directory to warm, or files.
  struct Task {
    std::shared_ptr<Node> directory;
    std::vector<Target> files;
  };

  // The next subdirectories after `after` (a cookie) in `listing` whose nodes exist and are not
  // warmed yet, claimed for warming.
  void claim_directories(Node& parent, const DirListing& listing, uint64_t after,
                         std::vector<std::shared_ptr<Node>>& out);
  void post(Task task);
  void work();
  void warm_directory(const std::shared_ptr<Node>& dir);
  static void warm_file(const Target& file);

  UnionFs& fs_;
  std::mutex mutex_;
  std::condition_variable wake_;
  std::condition_variable idle_;
  std::deque<Task> queue_;
  size_t busy_ = 0;
  bool stopping_ = false;
  std::vector<std::thread> threads_;
};

}  // namespace layerfs::fuse
