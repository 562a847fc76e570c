// The state one mount serves: the layer stack, the inode table, the whiteout writer and the tree
// lock. Lookups and attribute reads hold the tree lock shared; anything that changes which layer
// provides a path (create, remove, rename, copy-up) holds it exclusively. Reads and writes hold it
// shared only to open the backing file (the kernel opens files without us: ops/open_file.h).
#pragma once

#include <fuse_lowlevel.h>

#include <array>
#include <atomic>
#include <memory>
#include <mutex>
#include <optional>
#include <shared_mutex>
#include <string>

#include "fuse/alias_telling.h"
#include "fuse/data_read_ahead.h"
#include "fuse/fd_cache.h"
#include "fuse/inode_table.h"
#include "fuse/layer_search.h"
#include "fuse/layer_stack.h"
#include "fuse/lower_hard_links.h"
#include "fuse/path_fd.h"
#include "fuse/union_config.h"
#include "fuse/walk_read_ahead.h"
#include "fuse/whiteout.h"
#include "util/error.h"

namespace layerfs::fuse {

// A node's file as a directory fd (held open while this lives) and a name in it.
struct FileRef {
  SharedFd dir;
  std::string name;  // empty: the directory itself
  FileAt at() const { return FileAt(dir->get(), name.c_str()); }
};

class UnionFs {
 public:
  explicit UnionFs(const UnionConfig& config);

  LayerStack layers;
  WhiteoutWriter whiteouts;
  InodeTable table;
  FdCache dir_fds;
  // The backing files read last (ops/open_file.h): a READ that finds its file here needs no open
  // and close, and a file read in many requests keeps its read-ahead state in the backing file
  // system. Slots say which file a read of the node reaches (read_slot), so that a copy-up or
  // a completed metacopy is simply a miss.
  FdCache read_fds{32};
  static size_t read_slot(const Node& node) { return node.layer * 2 + (node.metacopy ? 1 : 0); }
  size_t read_slot_count() const { return layers.size() * 2; }
  LowerHardLinks hard_links;
  std::shared_mutex tree;
  // Lower layers never change while mounted and the upper one changes only through us, so the
  // kernel may cache names and attributes for long (the kernel drops what our own replies touch).
  double timeout = 86400.0;
  fuse_session* session = nullptr;
  const bool for_archiving;
  // fsync and fsyncdir sync nothing (UnionConfig::volatile_upper).
  const bool volatile_upper;
  // The kernel opens directories without asking us (set at init; see ops/readdir.cpp).
  std::atomic<bool> no_opendir{false};
  // Likewise for files (ops/open_file.h).
  std::atomic<bool> no_open{false};
  // Tells the other names of a written file that their pages are stale (ops/open_file.h).
  AliasTelling alias_telling;

  Node& node(fuse_ino_t ino) const { return table.get(ino); }

  // The directory `dir` in `layer`: cached, or reopened by name inside its parent. Needs the tree
  // lock (shared is enough). Throws SysError.
  SharedFd dir_fd(const Node& dir, size_t layer);
  // Every layer of a directory node, top-most first. Throws SysError.
  DirLayers dir_layers(const Node& dir);
  // Where the file of `node` is: its name in the parent's directory of the node's layer. Needs
  // the tree lock (shared is enough). Throws SysError (ENOENT for a removed node nobody has open).
  FileRef locate(const Node& node);
  // The attributes shown for `node`. 0 or errno.
  int stat_node(const Node& node, struct stat& out);
  // The presented stat of the node's backing file (before what the node itself decides: the
  // stable st_ino, merged directories' st_nlink). 0 or errno.
  int backing_stat(const Node& node, struct stat& out);
  // Before attributes go to the kernel: a recorded owner our user namespace cannot name (a chown
  // to another id without a subuid range) is shown as root, who owns the file there, as rootless
  // podman leaves it; shown as the overflow id, the kernel would refuse to write or remove the
  // file. The layer keeps the recorded owner.
  static void present_ids(struct stat& st);
  // Marks `node` removed (its name is about to go), keeping its file reachable while the kernel
  // knows it: the kernel may hold it open, and a name that a rename replaces never stops
  // existing, so an open that found the old file just before must still open it. Needs the tree
  // lock exclusively.
  void mark_removed(Node& node);
  // Undoes mark_removed when removing the name failed.
  static void unmark_removed(Node& node) {
    node.removed = false;
    node.pinned.reset();
  }
  // Drops `count` lookup references (FUSE forget); a node that is gone closes its fds.
  void forget(Node& node, uint64_t count);

  // Fills a reply for `node`, which already holds the lookup reference being returned, from
  // `known`, the presented stat of its backing file, when the caller has it. 0/errno.
  int fill_entry(const Node& node, fuse_entry_param& entry,
                 const std::optional<struct stat>& known = std::nullopt);
  // The same from `shown`, the presented stat of the node's backing file (known to the caller).
  void fill_entry(const Node& node, struct stat shown, fuse_entry_param& entry);
  // Replies to a lookup-like request with `node` (which carries one new lookup reference), whose
  // presented stat is `shown` when the caller knows it.
  void reply_entry(fuse_req_t req, const std::shared_ptr<Node>& node,
                   const std::optional<struct stat>& shown = std::nullopt);
  // Looks `name` up in `dir`: the live node or a new one, with one new lookup reference; null
  // with `err` set when absent. A new node was found in the layers just now: then `shown`, if
  // given, receives the presented stat of its backing file (saving the caller a second stat).
  // Needs the tree lock (shared is enough).
  std::shared_ptr<Node> lookup(Node& dir, const std::string& name, int& err,
                               std::optional<struct stat>* shown = nullptr);
  // The node of dir/name for the daemon's own use, without a kernel reference: the live one, or a
  // temporary one the kernel does not know. Null with `err` set when there is no such entry.
  std::shared_ptr<Node> peek(const std::shared_ptr<Node>& dir, const std::string& name, int& err);
  // The merged listing of a directory is stale (the directory changed).
  void invalidate_listing(Node& dir);
  // Drops the kernel's cached attributes of inode `id`, and its cached data with `data`. The
  // kernel may have to wait for a request of this mount to finish (a read holding a page), so
  // another thread reads requests first.
  void invalidate_inode(fuse_ino_t id, bool data = false);

  // Read-ahead inside the files being read (random and sequential readers from a cold cache).
  DataReadAhead data_read_ahead;
  // Its threads use the members above, so it is declared after them: destroyed (joined) first.
  WalkReadAhead read_ahead{*this};
};

inline UnionFs& union_fs(fuse_req_t req) { return *static_cast<UnionFs*>(fuse_req_userdata(req)); }

// Runs an operation's body, turning exceptions into an error reply. The body replies itself on
// success; it must throw only before it replied.
template <typename Body>
void guarded(fuse_req_t req, Body&& body) {
  try {
    body();
  } catch (const SysError& e) {
    fuse_reply_err(req, e.code() != 0 ? e.code() : EIO);
  } catch (const std::bad_alloc&) {
    fuse_reply_err(req, ENOMEM);
  } catch (const std::exception&) {
    fuse_reply_err(req, EIO);
  }
}

// Throws SysError(err) when err is not 0.
inline void check(int err, const char* what) {
  if (err != 0) throw_errno(what, err);
}

}  // namespace layerfs::fuse
