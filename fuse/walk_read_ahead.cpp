#include "fuse/walk_read_ahead.h"

#include <fcntl.h>
#include <pthread.h>
#include <signal.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cstdint>
#include <shared_mutex>
#include <system_error>

#include "fuse/merged_dir.h"
#include "fuse/union_fs.h"
#include "util/unique_fd.h"

namespace layerfs::fuse {

namespace {

// Threads that wait for the disk on the walker's behalf: enough for the disk to serve several
// reads at once, few enough to leave the CPUs to the daemon's request threads.
constexpr size_t kThreads = 4;
// files_trigger of a window that reaches the end of its directory.
constexpr uint64_t kWindowAtEnd = UINT64_MAX;
// Work beyond this is dropped: read-ahead must never grow without bound behind a slow disk.
constexpr size_t kMaxQueued = 256;

// The directory's cached listing, if it has one and nobody is building it right now.
std::shared_ptr<const DirListing> cached_listing(Node& dir) {
  if (!dir.dir_state) return nullptr;
  std::unique_lock lock(dir.dir_state->listing_mutex, std::try_to_lock);
  return lock ? dir.dir_state->listing : nullptr;
}

}  // namespace

WalkReadAhead::~WalkReadAhead() {
  {
    std::lock_guard lock(mutex_);
    stopping_ = true;
  }
  wake_.notify_all();
  for (std::thread& thread : threads_) thread.join();
}

void WalkReadAhead::listed(Node& dir, const DirListing& listing) {
  if (!dir.dir_state) return;
  {
    std::lock_guard lock(dir.dir_state->read_ahead_mutex);
    dir.dir_state->warmed = true;  // the walker is here already
  }
  std::vector<std::shared_ptr<Node>> next;
  claim_directories(dir, listing, /*after=*/2, next);  // the walk descends first
  if (dir.parent) {
    if (std::shared_ptr<const DirListing> siblings = cached_listing(*dir.parent))
      claim_directories(*dir.parent, *siblings, cookie_of(dir.name), next);
  }
  // One task each, so that the threads read several directories at once.
  for (std::shared_ptr<Node>& child : next) post(Task{std::move(child), {}});
}

void WalkReadAhead::claim_directories(Node& parent, const DirListing& listing, uint64_t after,
                                      std::vector<std::shared_ptr<Node>>& out) {
  size_t seen = 0;
  for (auto entry = resume_at(listing, after); entry != listing.end() && seen < kDirectoriesAhead;
       ++entry) {
    if (entry->type != S_IFDIR) continue;
    ++seen;
    std::shared_ptr<Node> child = fs_.table.peek_child(parent, entry->name);
    if (!child || !child->dir_state) continue;
    std::lock_guard lock(child->dir_state->read_ahead_mutex);
    if (child->dir_state->warmed) continue;
    child->dir_state->warmed = true;
    out.push_back(std::move(child));
  }
}

void WalkReadAhead::read_start(Node& file, bool from_disk) {
  if (!file.parent || !file.parent->dir_state) return;
  Node& dir = *file.parent;
  DirState& state = *dir.dir_state;
  // Every read of a file's start comes here: without a walk under way, a cached read costs one
  // load.
  if (!from_disk && state.files_trigger.load(std::memory_order_relaxed) == 0) return;
  std::shared_ptr<const DirListing> listing = cached_listing(dir);
  if (!listing) return;
  const uint64_t cookie = cookie_of(file.name);
  Task task;
  {
    std::unique_lock lock(state.read_ahead_mutex, std::try_to_lock);
    if (!lock) return;  // another reader of this directory is moving the window
    uint64_t trigger = state.files_trigger.load(std::memory_order_relaxed);
    if (trigger == kWindowAtEnd && cookie >= state.files_warmed_to) {
      trigger = 0;  // the walker has reached the directory's last file: that walk is over
      state.files_trigger.store(0, std::memory_order_relaxed);
    }
    uint64_t start;
    if (from_disk && (trigger == 0 || cookie > state.files_warmed_to)) {
      start = cookie;  // a walk starts here, or outran the window
    } else if (trigger != 0 && trigger != kWindowAtEnd && cookie >= trigger) {
      start = state.files_warmed_to;  // the walker is halfway through the window: move it on
    } else {
      return;  // within a window that is being read ahead
    }
    uint64_t middle = 0, last = 0;
    for (auto entry = resume_at(*listing, start);
         entry != listing->end() && task.files.size() < kFilesAhead; ++entry) {
      if (entry->type != S_IFREG) continue;
      try {
        task.files.push_back(Target{fs_.dir_fd(dir, entry->layer), entry->name});
      } catch (const SysError&) {
        break;  // the directory went away in that layer: the walk will find out itself
      }
      if (task.files.size() == kFilesAhead / 2) middle = entry->cookie;
      last = entry->cookie;
    }
    if (task.files.empty()) {
      state.files_trigger.store(0, std::memory_order_relaxed);
      return;
    }
    state.files_warmed_to = last;
    // At the end of the directory there is nothing more to warm: the window stays until the
    // walker gets there.
    state.files_trigger.store(task.files.size() == kFilesAhead ? middle : kWindowAtEnd,
                              std::memory_order_relaxed);
  }
  post(std::move(task));
}

void WalkReadAhead::post(Task task) {
  {
    std::lock_guard lock(mutex_);
    if (stopping_ || queue_.size() >= kMaxQueued) return;
    queue_.push_back(std::move(task));
    if (threads_.size() < kThreads && busy_ + queue_.size() > threads_.size()) {
      try {
        threads_.emplace_back([this] { work(); });
      } catch (const std::system_error&) {
        // Out of threads: the ones there are will get to it; with none, it is dropped.
        if (threads_.empty()) queue_.pop_back();
      }
    } else if (busy_ == threads_.size()) {
      return;  // every thread is at work and takes this next: no one to wake
    }
  }
  wake_.notify_one();
}

void WalkReadAhead::work() {
  // Signals are for the request threads and the daemon's stop handler.
  sigset_t all;
  ::sigfillset(&all);
  ::pthread_sigmask(SIG_BLOCK, &all, nullptr);
  std::unique_lock lock(mutex_);
  for (;;) {
    wake_.wait(lock, [&] { return stopping_ || !queue_.empty(); });
    if (stopping_) return;
    Task task = std::move(queue_.front());
    queue_.pop_front();
    ++busy_;
    lock.unlock();
    if (task.directory) warm_directory(task.directory);
    for (const Target& file : task.files) warm_file(file);
    lock.lock();
    --busy_;
    if (queue_.empty() && busy_ == 0) idle_.notify_all();
  }
}

void WalkReadAhead::warm_directory(const std::shared_ptr<Node>& dir) {
  std::vector<Target> entries;
  try {
    std::shared_lock lock(fs_.tree);
    if (dir->removed) return;
    // Reading the listing caches it for the walker's readdir; the stats below bring the entries'
    // inodes into the backing file system's cache for its lookups.
    std::shared_ptr<const DirListing> listing = merged_listing(fs_, *dir);
    entries.reserve(listing->size());
    for (const DirEntry& entry : *listing)
      entries.push_back(Target{fs_.dir_fd(*dir, entry.layer), entry.name});
  } catch (const SysError&) {
    return;  // gone or unreadable: the walker's own request will say so
  }
  for (const Target& entry : entries) {
    struct stat st;
    ::fstatat(entry.dir->get(), entry.name.c_str(), &st, AT_SYMLINK_NOFOLLOW);
  }
}

void WalkReadAhead::warm_file(const Target& file) {
  // O_NONBLOCK: should the name be a fifo by now, opening it must not wait for a writer.
  UniqueFd fd(
      ::openat(file.dir->get(), file.name.c_str(), O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC));
  if (fd) ::readahead(fd.get(), 0, kFileBytes);
}

size_t WalkReadAhead::pending() {
  std::lock_guard lock(mutex_);
  return queue_.size() + busy_;
}

void WalkReadAhead::drain() {
  std::unique_lock lock(mutex_);
  idle_.wait(lock, [&] { return queue_.empty() && busy_ == 0; });
}

}  // namespace layerfs::fuse
