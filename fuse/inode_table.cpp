#include "fuse/inode_table.h"

#include <vector>

namespace layerfs::fuse {

InodeTable::InodeTable(std::shared_ptr<Node> root) : root_(std::move(root)) {
  root_->nlookup = 1;  // the kernel never forgets the root
  root_->self = root_;
}

std::shared_ptr<Node> InodeTable::hold(Node& node) {
  std::lock_guard lock(mutex_);
  return node.self;
}

std::shared_ptr<Node> InodeTable::find_child(Node& parent, const std::string& name) {
  std::lock_guard lock(mutex_);
  auto& children = parent.dir_state->children;
  auto it = children.find(name);
  if (it == children.end()) return nullptr;
  Node* child = it->second;
  child->nlookup++;
  return child->self;
}

std::shared_ptr<Node> InodeTable::peek_child(Node& parent, const std::string& name) {
  std::lock_guard lock(mutex_);
  auto& children = parent.dir_state->children;
  auto it = children.find(name);
  return it == children.end() ? nullptr : it->second->self;
}

std::vector<fuse_ino_t> InodeTable::aliases(uint64_t ino) {
  std::lock_guard lock(mutex_);
  std::vector<fuse_ino_t> ids;
  auto [begin, end] = by_ino_.equal_range(ino);
  for (auto it = begin; it != end; ++it) ids.push_back(reinterpret_cast<fuse_ino_t>(it->second));
  return ids;
}

std::shared_ptr<Node> InodeTable::add_child(Node& parent, std::shared_ptr<Node> child) {
  std::lock_guard lock(mutex_);
  auto [it, inserted] = parent.dir_state->children.emplace(child->name, child.get());
  if (!inserted) {
    it->second->nlookup++;
    return it->second->self;
  }
  adopt_locked(child);
  return child;
}

std::shared_ptr<Node> InodeTable::add_unnamed(std::shared_ptr<Node> node) {
  std::lock_guard lock(mutex_);
  adopt_locked(node);
  return node;
}

void InodeTable::adopt_locked(const std::shared_ptr<Node>& node) {
  node->nlookup = 1;
  node->self = node;
  if (!node->is_dir()) by_ino_.emplace(node->ino, node.get());
}

void InodeTable::ref(Node& node) {
  std::lock_guard lock(mutex_);
  node.nlookup++;
}

bool InodeTable::known_to_kernel(const Node& node) {
  std::lock_guard lock(mutex_);
  return node.nlookup > 0;
}

bool InodeTable::forget(Node& node, uint64_t count) {
  std::shared_ptr<Node> last_reference;  // released after the lock
  std::lock_guard lock(mutex_);
  if (&node == root_.get()) return false;
  node.nlookup = count >= node.nlookup ? 0 : node.nlookup - count;
  if (node.nlookup > 0) return false;
  detach_locked(node);
  if (!node.is_dir()) {
    auto [begin, end] = by_ino_.equal_range(node.ino);
    for (auto it = begin; it != end; ++it) {
      if (it->second == &node) {
        by_ino_.erase(it);
        break;
      }
    }
  }
  last_reference = std::move(node.self);
  return true;
}

void InodeTable::detach(Node& node) {
  std::lock_guard lock(mutex_);
  detach_locked(node);
}

void InodeTable::detach_locked(Node& node) {
  if (!node.parent) return;
  auto& siblings = node.parent->dir_state->children;
  auto it = siblings.find(node.name);
  if (it != siblings.end() && it->second == &node) siblings.erase(it);
}

void InodeTable::move(Node& node, std::shared_ptr<Node> new_parent, const std::string& new_name) {
  std::lock_guard lock(mutex_);
  detach_locked(node);
  node.parent = std::move(new_parent);
  node.name = new_name;
  if (node.self) node.parent->dir_state->children[new_name] = &node;
}

std::vector<std::shared_ptr<Node>> InodeTable::children_of(Node& parent) {
  std::lock_guard lock(mutex_);
  std::vector<std::shared_ptr<Node>> result;
  for (auto& [name, child] : parent.dir_state->children) {
    if (child->self) result.push_back(child->self);
  }
  return result;
}

}  // namespace layerfs::fuse
