// The bounded set of directory fds the daemon keeps open. Only directories are held open (files
// are reached by name inside their parent), and only the most recently used ones: a directory
// evicted from the cache is reopened by name inside its parent when next needed. Fds are shared:
// an operation that got one keeps it open until it is done, even if the cache evicts it meanwhile.
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

class DirFdCache {
 public:
  explicit DirFdCache(size_t capacity) : capacity_(capacity) {}

  // The fd of node `node_id`'s directory in `layer`, or null.
  SharedFd find(uint64_t node_id, size_t layer);
  // Remembers an fd, evicting the least recently used one when full.
  void insert(uint64_t node_id, size_t layer, SharedFd fd);
  // Forgets the fds of a node that is gone (layers 0..layer_count-1).
  void drop(uint64_t node_id, size_t layer_count);

  // A capacity that leaves most of the process's fd limit to open files and in-flight requests.
  static size_t default_capacity();

 private:
  struct Key {
    uint64_t node;
    size_t layer;
    bool operator==(const Key&) const = default;
  };
  struct KeyHash {
    size_t operator()(const Key& key) const {
      return std::hash<uint64_t>()(key.node * 1000003u + key.layer);
    }
  };
  using Lru = std::list<std::pair<Key, SharedFd>>;  // most recently used first

  std::mutex mutex_;
  Lru lru_;
  std::unordered_map<Key, Lru::iterator, KeyHash> index_;
  size_t capacity_;
};

}  // namespace layerfs::fuse
