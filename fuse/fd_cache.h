// A bounded set of fds the daemon keeps open, the most recently used ones, keyed by node and a
// slot. Two are kept: directories (UnionFs::dir_fds: files are reached by name inside their
// parent, and a directory evicted from the cache is reopened by name inside its parent when next
// needed), and the few files read last (UnionFs::read_fds). Fds are shared: an operation that got
// one keeps it open until it is done, even if the cache evicts it meanwhile.
#pragma once

#include <cstddef>
#include <cstdint>
#include <list>
#include <memory>
#include <mutex>
#include <unordered_map>

#include "util/unique_fd.h"

namespace layerfs::fuse {

using SharedFd = std::shared_ptr<const UniqueFd>;

class FdCache {
 public:
  explicit FdCache(size_t capacity) : capacity_(capacity) {}

  // The fd of node `node_id` in `slot` (for directories, a layer), or null.
  SharedFd find(uint64_t node_id, size_t slot);
  // Remembers an fd, evicting the least recently used one when full.
  void insert(uint64_t node_id, size_t slot, SharedFd fd);
  // Forgets the fds of a node that is gone (slots 0..slot_count-1).
  void drop(uint64_t node_id, size_t slot_count);

  // A capacity that leaves most of the process's fd limit to open files and in-flight requests.
  static size_t default_capacity();

 private:
  struct Key {
    uint64_t node;
    size_t slot;
    bool operator==(const Key&) const = default;
  };
  struct KeyHash {
    size_t operator()(const Key& key) const {
      return std::hash<uint64_t>()(key.node * 1000003u + key.slot);
    }
  };
  using Lru = std::list<std::pair<Key, SharedFd>>;  // most recently used first

  std::mutex mutex_;
  Lru lru_;
  std::unordered_map<Key, Lru::iterator, KeyHash> index_;
  size_t capacity_;
};

}  // namespace layerfs::fuse
