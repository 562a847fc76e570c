#include "fuse/remove_entry.h"

#include <fcntl.h>
#include <unistd.h>

#include "fuse/copy_up.h"

namespace layerfs::fuse {

void copy_up_before_removing_a_link(UnionFs& fs, Node& dir, const std::string& name, Found& found) {
  if (fs.layers.is_upper(found.layer) || !S_ISREG(found.st.st_mode) || found.st.st_nlink < 2)
    return;
  int err = 0;
  auto node = fs.peek(fs.table.hold(dir), name, err);
  if (!node) throw_errno("look up", err);
  copy_up(fs, *node, CopyUp::MetadataOnly);
  check(find_entry(fs.dir_layers(dir), name, found), "look up");
}

void remove_upper(UnionFs& fs, const std::string& name, const Found& found) {
  if (!fs.layers.is_upper(found.layer)) return;
  int flags = 0;
  if (S_ISDIR(found.st.st_mode)) {
    // Only whiteouts can be left inside (the merged view is empty).
    check(fs.whiteouts.clear_markers(found.at()), "clear whiteouts");
    flags = AT_REMOVEDIR;
  }
  if (::unlinkat(found.dir->get(), name.c_str(), flags) != 0) throw_errno("remove " + name, errno);
}

void remove_entry(UnionFs& fs, Node& dir, const std::string& name, const Found& found) {
  if (!fs.layers.writable()) throw_errno("remove " + name, EROFS);
  copy_up(fs, dir);
  // The node must stay reachable while its name still exists (an open file keeps its file).
  auto node = fs.table.peek_child(dir, name);
  if (node) fs.mark_removed(*node);
  try {
    remove_upper(fs, name, found);
  } catch (...) {
    if (node) fs.unmark_removed(*node);
    throw;
  }
  if (exists_below_upper(fs.layers, fs.dir_layers(dir), name))
    check(fs.whiteouts.write_whiteout(fs.dir_fd(dir, 0)->get(), name), "write whiteout");
  if (node) fs.table.detach(*node);
  fs.invalidate_listing(dir);
}

}  // namespace layerfs::fuse
