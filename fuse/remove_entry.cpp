#include "fuse/remove_entry.h"

#include <fcntl.h>
#include <unistd.h>

#include "fuse/copy_up.h"

namespace layerfs::fuse {

void remove_upper(UnionFs& fs, Node& dir, const std::string& name, const Found& found) {
  if (!fs.layers.is_upper(found.top.layer)) return;
  int flags = 0;
  if (S_ISDIR(found.st.st_mode)) {
    // Only whiteouts can be left inside (the merged view is empty).
    check(fs.whiteouts.clear_markers(found.top.fd.get()), "clear whiteouts");
    flags = AT_REMOVEDIR;
  }
  if (::unlinkat(dir.top.fd.get(), name.c_str(), flags) != 0) throw_errno("remove " + name, errno);
}

void remove_entry(UnionFs& fs, Node& dir, const std::string& name, const Found& found) {
  if (!fs.layers.writable()) throw_errno("remove " + name, EROFS);
  copy_up(fs, dir);
  remove_upper(fs, dir, name, found);
  if (exists_below_upper(fs.layers, dir, name))
    check(fs.whiteouts.write_whiteout(dir.top.fd.get(), name), "write whiteout");
  if (auto node = fs.table.peek_child(dir, name)) {
    node->removed = true;
    fs.table.detach(*node);
  }
  fs.invalidate_listing(dir);
}

}  // namespace layerfs::fuse
