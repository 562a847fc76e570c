// rename(2) in the union, including directories that exist in lower layers (overlayfs with
// redirect_dir=on allows that; fuse-overlayfs answers EXDEV). A merged or lower directory is copied
// up whole and made opaque before it moves, so its new place does not depend on lower layers and
// the upper directory stays a plain OCI layer. RENAME_NOREPLACE and RENAME_EXCHANGE are supported.
#include <fcntl.h>
#include <linux/fs.h>
#include <stdio.h>
#include <unistd.h>

#include "fuse/copy_up.h"
#include "fuse/layer_search.h"
#include "fuse/merged_dir.h"
#include "fuse/new_entry.h"
#include "fuse/ops/ops.h"
#include "fuse/remove_entry.h"

namespace layerfs::fuse::ops {

namespace {

// The node for dir/name: the live one, or a temporary one for copying up.
std::shared_ptr<Node> node_for(UnionFs& fs, Node& dir, const std::string& name, Found&& found) {
  if (auto live = fs.table.peek_child(dir, name)) return live;
  return make_node(fs.layers, fs.table.hold(dir), name, std::move(found));
}

// Makes `node` movable: backed by the upper layer with nothing of it left in lower layers.
void make_movable(UnionFs& fs, Node& node) {
  if (node.is_dir()) {
    copy_up_tree(fs, node);
  } else {
    copy_up(fs, node);
  }
}

// A directory arriving where lower layers have the name must hide them.
void hide_lower_at(UnionFs& fs, Node& dir, const std::string& name, Node& moved) {
  if (!moved.is_dir() || !exists_below_upper(fs.layers, fs.dir_layers(dir), name)) return;
  check(fs.whiteouts.make_opaque(fs.locate(moved).at()), "make directory opaque");
  moved.lower.clear();
  fs.invalidate_listing(moved);
}

bool same_file(const Found& a, const Found& b) {
  return a.st.st_dev == b.st.st_dev && a.st.st_ino == b.st.st_ino && a.layer == b.layer;
}

}  // namespace

void rename(fuse_req_t req, fuse_ino_t parent, const char* name, fuse_ino_t newparent,
            const char* newname, unsigned int flags) {
  UnionFs& fs = union_fs(req);
  guarded(req, [&] {
    if (flags & ~(RENAME_NOREPLACE | RENAME_EXCHANGE)) throw_errno("rename", EINVAL);
    const bool exchange = flags & RENAME_EXCHANGE;
    std::unique_lock lock(fs.tree);
    Node& src_dir = fs.node(parent);
    Node& dst_dir = fs.node(newparent);
    if (is_marker_name(newname)) throw_errno("rename", EINVAL);
    Found src, dst;
    DirLayers dst_dirs = fs.dir_layers(dst_dir);
    check(find_entry(fs.dir_layers(src_dir), name, src), "look up");
    int dst_err = find_entry(dst_dirs, newname, dst);
    if (dst_err != 0 && dst_err != ENOENT) throw_errno("look up", dst_err);
    const bool dst_exists = dst_err == 0;
    const bool src_is_dir = S_ISDIR(src.st.st_mode);

    if (exchange && !dst_exists) throw_errno("rename", ENOENT);
    if (!exchange && dst_exists) {
      if (flags & RENAME_NOREPLACE) throw_errno("rename", EEXIST);
      // Two names of one file: rename(2) does nothing.
      if (same_file(src, dst)) {
        fuse_reply_err(req, 0);
        return;
      }
      bool dst_is_dir = S_ISDIR(dst.st.st_mode);
      if (src_is_dir && !dst_is_dir) throw_errno("rename", ENOTDIR);
      if (!src_is_dir && dst_is_dir) throw_errno("rename", EISDIR);
      if (dst_is_dir && !read_merged(fs.layers, open_layers(dst_dirs, dst)).empty())
        throw_errno("rename", ENOTEMPTY);
    }
    if (!fs.layers.writable()) throw_errno("rename", EROFS);

    copy_up(fs, src_dir);
    copy_up(fs, dst_dir);
    if (dst_exists && !exchange) copy_up_before_removing_a_link(fs, dst_dir, newname, dst);
    auto src_node = node_for(fs, src_dir, name, std::move(src));
    make_movable(fs, *src_node);
    std::shared_ptr<Node> dst_node;
    // A replaced file with other names: their cached link counts go stale.
    const bool dst_linked =
        dst_exists && !exchange && !S_ISDIR(dst.st.st_mode) && dst.st.st_nlink > 1;
    if (dst_exists) {
      dst_node = node_for(fs, dst_dir, newname, std::move(dst));
      if (exchange) {
        make_movable(fs, *dst_node);
      } else if (fs.layers.is_upper(dst_node->layer) && dst_node->is_dir()) {
        // renameat replaces only an empty directory; this one holds at most whiteouts.
        check(fs.whiteouts.clear_markers(fs.locate(*dst_node).at()), "clear whiteouts");
      }
    }
    SharedFd src_upper = fs.dir_fd(src_dir, 0);
    SharedFd dst_upper = fs.dir_fd(dst_dir, 0);
    // A whiteout at the new name would be in the way (and a directory cannot replace it).
    if (!dst_exists) fs.whiteouts.remove_whiteout(dst_upper->get(), newname);
    // A replaced file stays reachable for whoever has it open.
    const bool replaces = dst_node && !exchange;
    if (replaces) fs.mark_removed(*dst_node);
    unsigned int rename_flags = exchange ? RENAME_EXCHANGE : 0;
    if (::renameat2(src_upper->get(), name, dst_upper->get(), newname, rename_flags) != 0) {
      int err = errno;
      if (replaces) UnionFs::unmark_removed(*dst_node);
      throw_errno("rename", err);
    }
    if (!exchange && exists_below_upper(fs.layers, fs.dir_layers(src_dir), name))
      check(fs.whiteouts.write_whiteout(src_upper->get(), name), "write whiteout");

    // The nodes follow their files.
    if (replaces) fs.table.detach(*dst_node);
    fs.table.move(*src_node, fs.table.hold(dst_dir), newname);
    hide_lower_at(fs, dst_dir, newname, *src_node);
    if (exchange) {
      fs.table.move(*dst_node, fs.table.hold(src_dir), name);
      hide_lower_at(fs, src_dir, name, *dst_node);
    }
    fs.invalidate_listing(src_dir);
    fs.invalidate_listing(dst_dir);
    if (dst_linked) invalidate_aliases(fs, dst_node->ino, dst_node.get());
    fuse_reply_err(req, 0);
  });
}

}  // namespace layerfs::fuse::ops
