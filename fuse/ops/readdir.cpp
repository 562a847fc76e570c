// Directory handles serve a snapshot of the merged listing (shared with the directory's cache);
// readdirplus also looks every entry up, so `ls -l` and `find` need no separate lookups.
#include <fcntl.h>
#include <unistd.h>

#include <memory>

#include "fuse/merged_dir.h"
#include "fuse/ops/ops.h"
#include "fuse/path_fd.h"
#include "fuse/union_fs.h"

namespace layerfs::fuse::ops {

namespace {

struct DirHandle {
  std::shared_ptr<const DirListing> listing;
};

DirHandle& handle_of(fuse_file_info* fi) { return *reinterpret_cast<DirHandle*>(fi->fh); }

// Offsets: 0 and 1 are "." and "..", entry i has offset i + 2; each entry carries the offset of
// the next one.
template <typename Add>
void fill(fuse_req_t req, UnionFs& fs, fuse_ino_t ino, size_t size, off_t off, fuse_file_info* fi,
          Add&& add) {
  DirHandle& handle = handle_of(fi);
  std::shared_lock lock(fs.tree);
  Node& dir = fs.node(ino);
  // Offset 0 is a rewind: see the directory as it is now.
  if (off == 0 || !handle.listing) handle.listing = merged_listing(fs, dir);
  std::string buffer(size, '\0');
  size_t used = 0;
  const DirListing& listing = *handle.listing;
  for (off_t i = off; i < static_cast<off_t>(listing.size()) + 2; ++i) {
    size_t added;
    if (i < 2) {
      struct stat st {};
      // Never 0: readdir(3) skips entries with d_ino 0.
      st.st_ino = i == 0 || !dir.parent ? dir.ino : dir.parent->ino;
      st.st_mode = S_IFDIR;
      added = add(buffer.data() + used, size - used, i == 0 ? "." : "..", nullptr, st, i + 1);
    } else {
      const DirEntry& entry = listing[static_cast<size_t>(i - 2)];
      struct stat st {};
      st.st_ino = entry.ino;
      st.st_mode = entry.type;
      added = add(buffer.data() + used, size - used, entry.name.c_str(), &dir, st, i + 1);
    }
    if (added == 0) break;
    used += added;
  }
  fuse_reply_buf(req, buffer.data(), used);
}

}  // namespace

void opendir(fuse_req_t req, fuse_ino_t ino, fuse_file_info* fi) {
  auto handle = std::make_unique<DirHandle>();
  // The kernel may cache listings: it drops them itself when the directory changes through us.
  fi->cache_readdir = 1;
  fi->keep_cache = 1;
  fi->fh = reinterpret_cast<uint64_t>(handle.get());
  Node& node = union_fs(req).node(ino);
  node.open_handles++;
  if (fuse_reply_open(req, fi) == 0) {
    handle.release();
  } else {
    node.open_handles--;
  }
}

void releasedir(fuse_req_t req, fuse_ino_t ino, fuse_file_info* fi) {
  union_fs(req).node(ino).open_handles--;
  delete reinterpret_cast<DirHandle*>(fi->fh);
  fuse_reply_err(req, 0);
}

void readdir(fuse_req_t req, fuse_ino_t ino, size_t size, off_t off, fuse_file_info* fi) {
  UnionFs& fs = union_fs(req);
  guarded(req, [&] {
    fill(req, fs, ino, size, off, fi,
         [&](char* buf, size_t room, const char* name, Node*, const struct stat& st, off_t next) {
           size_t need = fuse_add_direntry(req, buf, room, name, &st, next);
           return need > room ? 0 : need;
         });
  });
}

void readdirplus(fuse_req_t req, fuse_ino_t ino, size_t size, off_t off, fuse_file_info* fi) {
  UnionFs& fs = union_fs(req);
  guarded(req, [&] {
    fill(req, fs, ino, size, off, fi,
         [&](char* buf, size_t room, const char* name, Node* dir, const struct stat& st,
             off_t next) {
           fuse_entry_param entry{};
           std::shared_ptr<Node> child;
           if (dir == nullptr) {
             entry.attr = st;  // "." and "..": the kernel takes only the name and type
           } else {
             int err = 0;
             child = fs.lookup(*dir, name, err);
             if (!child || fs.fill_entry(*child, entry) != 0) {
               if (child) fs.forget(*child, 1);
               entry = fuse_entry_param{};
               entry.attr = st;
               child.reset();
             }
           }
           size_t need = fuse_add_direntry_plus(req, buf, room, name, &entry, next);
           if (need > room) {
             if (child) fs.forget(*child, 1);  // not sent: the kernel holds no reference
             return size_t{0};
           }
           return need;
         });
  });
}

void fsyncdir(fuse_req_t req, fuse_ino_t ino, int datasync, fuse_file_info* /*fi*/) {
  UnionFs& fs = union_fs(req);
  int err = 0;
  {
    std::shared_lock lock(fs.tree);
    Node& dir = fs.node(ino);
    if (fs.layers.is_upper(dir.layer)) {
      try {
        UniqueFd fd(reopen_at(fs.dir_fd(dir, 0)->get(), O_RDONLY | O_DIRECTORY));
        if (!fd || (datasync ? ::fdatasync(fd.get()) : ::fsync(fd.get())) != 0) err = errno;
      } catch (const SysError& e) {
        err = e.code();
      }
    }
  }
  fuse_reply_err(req, err);
}

}  // namespace layerfs::fuse::ops
