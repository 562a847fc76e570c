#include "fuse/fd_cache.h"

#include <sys/resource.h>

#include <algorithm>

namespace layerfs::fuse {

SharedFd FdCache::find(uint64_t node_id, size_t slot) {
  std::lock_guard lock(mutex_);
  auto it = index_.find(Key{node_id, slot});
  if (it == index_.end()) return nullptr;
  lru_.splice(lru_.begin(), lru_, it->second);
  return it->second->second;
}

void FdCache::insert(uint64_t node_id, size_t slot, SharedFd fd) {
  SharedFd evicted;  // closed after the lock is released
  std::lock_guard lock(mutex_);
  Key key{node_id, slot};
  if (auto it = index_.find(key); it != index_.end()) {
    lru_.splice(lru_.begin(), lru_, it->second);
    return;  // another thread opened it first: keep that one
  }
  lru_.emplace_front(key, std::move(fd));
  index_.emplace(key, lru_.begin());
  if (lru_.size() > capacity_) {
    evicted = std::move(lru_.back().second);
    index_.erase(lru_.back().first);
    lru_.pop_back();
  }
}

void FdCache::drop(uint64_t node_id, size_t slot_count) {
  Lru dropped;  // closed after the lock is released
  std::lock_guard lock(mutex_);
  for (size_t slot = 0; slot < slot_count; ++slot) {
    auto it = index_.find(Key{node_id, slot});
    if (it == index_.end()) continue;
    dropped.splice(dropped.end(), lru_, it->second);
    index_.erase(it);
  }
}

size_t FdCache::default_capacity() {
  struct rlimit limit;
  if (::getrlimit(RLIMIT_NOFILE, &limit) != 0 || limit.rlim_cur == RLIM_INFINITY) return 1024;
  return std::clamp<size_t>(static_cast<size_t>(limit.rlim_cur) / 4, 64, 8192);
}

}  // namespace layerfs::fuse
