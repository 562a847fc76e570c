// The nodes the kernel holds (FUSE lookup counts), and the child-by-name index that makes a second
// lookup of the same path return the same node. A node's address is its FUSE node id.
#pragma once

#include <fuse_lowlevel.h>

#include <memory>
#include <mutex>
#include <string>
#include <unordered_map>
#include <vector>

#include "fuse/node.h"

namespace layerfs::fuse {

class InodeTable {
 public:
  explicit InodeTable(std::shared_ptr<Node> root);

  Node& root() const { return *root_; }
  Node& get(fuse_ino_t ino) const {
    return ino == FUSE_ROOT_ID ? *root_ : *reinterpret_cast<Node*>(ino);
  }
  fuse_ino_t id_of(const Node& node) const {
    return &node == root_.get() ? FUSE_ROOT_ID : reinterpret_cast<fuse_ino_t>(&node);
  }

  // The live child `name` of `parent` with one more lookup reference, or null.
  std::shared_ptr<Node> find_child(Node& parent, const std::string& name);
  // The live child `name` of `parent` without taking a reference, or null.
  std::shared_ptr<Node> peek_child(Node& parent, const std::string& name);
  // Registers a fresh child with one lookup reference. If another thread registered the same
  // name meanwhile, that node wins and gets the reference instead.
  std::shared_ptr<Node> add_child(Node& parent, std::shared_ptr<Node> child);
  // Registers a fresh node that no name leads to (an O_TMPFILE file) with one lookup reference.
  std::shared_ptr<Node> add_unnamed(std::shared_ptr<Node> node);
  // A shared reference to a node the kernel holds (null if it was forgotten meanwhile).
  std::shared_ptr<Node> hold(Node& node);
  // Adds one lookup reference to a node the caller holds (readdirplus, link, create).
  void ref(Node& node);
  // Drops `count` lookup references; forgets the node when none remain (then returns true).
  bool forget(Node& node, uint64_t count);
  // True while the kernel holds lookup references to the node.
  bool known_to_kernel(const Node& node);
  // The name no longer leads to `node` (unlink, rmdir, rename over it).
  void detach(Node& node);
  // Moves `node` to new_parent/new_name (rename), in the index and in the node itself.
  void move(Node& node, std::shared_ptr<Node> new_parent, const std::string& new_name);
  // Ids of the live nodes showing inode number `ino` (hard links reached by several paths).
  std::vector<fuse_ino_t> aliases(uint64_t ino);
  // Snapshot of the live children of a directory (for refreshing them after a tree copy-up).
  std::vector<std::shared_ptr<Node>> children_of(Node& parent);

 private:
  void detach_locked(Node& node);
  // The kernel now holds `node` once.
  void adopt_locked(const std::shared_ptr<Node>& node);

  std::mutex mutex_;
  std::unordered_multimap<uint64_t, Node*> by_ino_;
  std::shared_ptr<Node> root_;
};

}  // namespace layerfs::fuse
