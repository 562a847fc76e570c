// No directory handles: opendir answers ENOSYS (FUSE_CAP_NO_OPENDIR_SUPPORT), after which the
// kernel sends neither OPENDIR nor RELEASEDIR (two round trips for every directory a `find` walks)
// and caches every listing itself. Each READDIR is served from the directory's cached merged
// listing; offsets are the entries' cookies (hashes of their names), which keep their meaning when
// the listing is read again after a change. readdirplus also looks every entry up, so `ls -l` and
// `find` need no separate lookups.
#include <fcntl.h>
#include <unistd.h>

#include <exception>
#include <memory>
#include <optional>

#include "fuse/merged_dir.h"
#include "fuse/ops/ops.h"
#include "fuse/path_fd.h"
#include "fuse/union_fs.h"

namespace layerfs::fuse::ops {

namespace {

// Offsets: 0 is the start, "." carries 1 and ".." 2 as the offset of what follows them; every
// other entry carries its cookie.
template <typename Add>
void fill(fuse_req_t req, UnionFs& fs, fuse_ino_t ino, size_t size, off_t off, Add&& add) {
  std::shared_lock lock(fs.tree);
  Node& dir = fs.node(ino);
  std::shared_ptr<const DirListing> listing = merged_listing(fs, dir);
  // After the reply (still under the tree lock): a walk that lists this directory lists the
  // directories after it next.
  struct ReadAheadAfterReply {
    UnionFs& fs;
    Node& dir;
    const DirListing& listing;
    bool from_start;
    ~ReadAheadAfterReply() {
      if (!from_start) return;
      try {
        fs.read_ahead.listed(dir, listing);
      } catch (const std::exception&) {
        // Read-ahead is a guess; the reply has gone out either way.
      }
    }
  } read_ahead{fs, dir, *listing, off == 0};
  std::string buffer(size, '\0');
  size_t used = 0;
  auto room = [&] { return size - used; };
  for (off_t dot = off; dot < 2; ++dot) {
    struct stat st {};
    // Never 0: readdir(3) skips entries with d_ino 0.
    st.st_ino = dot == 0 || !dir.parent ? dir.ino : dir.parent->ino;
    st.st_mode = S_IFDIR;
    size_t added = add(buffer.data() + used, room(), dot == 0 ? "." : "..", nullptr, st, dot + 1);
    if (added == 0) return (void)fuse_reply_buf(req, buffer.data(), used);
    used += added;
  }
  for (auto entry = resume_at(*listing, static_cast<uint64_t>(off < 2 ? 2 : off));
       entry != listing->end(); ++entry) {
    struct stat st {};
    st.st_ino = entry->ino;
    st.st_mode = entry->type;
    size_t added = add(buffer.data() + used, room(), entry->name.c_str(), &dir, st,
                       static_cast<off_t>(entry->cookie));
    if (added == 0) break;
    used += added;
  }
  fuse_reply_buf(req, buffer.data(), used);
}

}  // namespace

void opendir(fuse_req_t req, fuse_ino_t /*ino*/, fuse_file_info* fi) {
  if (union_fs(req).no_opendir) return (void)fuse_reply_err(req, ENOSYS);
  // A kernel that needs opendir: a handle that says the same as no handle.
  fi->cache_readdir = 1;
  fi->keep_cache = 1;
  fi->fh = 0;
  fuse_reply_open(req, fi);
}

void releasedir(fuse_req_t req, fuse_ino_t /*ino*/, fuse_file_info* /*fi*/) {
  fuse_reply_err(req, 0);
}

void readdir(fuse_req_t req, fuse_ino_t ino, size_t size, off_t off, fuse_file_info* /*fi*/) {
  UnionFs& fs = union_fs(req);
  guarded(req, [&] {
    fill(req, fs, ino, size, off,
         [&](char* buf, size_t room, const char* name, Node*, const struct stat& st, off_t next) {
           size_t need = fuse_add_direntry(req, buf, room, name, &st, next);
           return need > room ? 0 : need;
         });
  });
}

void readdirplus(fuse_req_t req, fuse_ino_t ino, size_t size, off_t off, fuse_file_info* /*fi*/) {
  UnionFs& fs = union_fs(req);
  guarded(req, [&] {
    fill(req, fs, ino, size, off,
         [&](char* buf, size_t room, const char* name, Node* dir, const struct stat& st,
             off_t next) {
           fuse_entry_param entry{};
           std::shared_ptr<Node> child;
           if (dir == nullptr) {
             entry.attr = st;  // "." and "..": the kernel takes only the name and type
           } else {
             int err = 0;
             std::optional<struct stat> shown;
             child = fs.lookup(*dir, name, err, &shown);
             if (!child || fs.fill_entry(*child, entry, shown) != 0) {
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
  if (fs.volatile_upper) return (void)fuse_reply_err(req, 0);
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
