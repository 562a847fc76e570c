#include "fuse/ops/ops.h"
#include "fuse/union_fs.h"

namespace layerfs::fuse::ops {

void init(void* userdata, fuse_conn_info* conn) {
  UnionFs& fs = *static_cast<UnionFs*>(userdata);
  // Splice moves file data between the backing files and /dev/fuse without copying it through
  // the daemon.
  conn->want |= conn->capable & (FUSE_CAP_SPLICE_WRITE | FUSE_CAP_SPLICE_READ);
  // Symlink targets never change in place (a new target is a new symlink): let the kernel cache.
  conn->want |= conn->capable & FUSE_CAP_CACHE_SYMLINKS;
  // Access ACLs are enforced by the kernel from the system.posix_acl_* xattrs we pass through
  // (which turns on default_permissions: not for a mount made for archiving, which checks none).
  if (!fs.for_archiving) conn->want |= conn->capable & FUSE_CAP_POSIX_ACL;
  // New files' modes come unmasked, with the caller's umask beside them: a directory's default
  // ACL replaces the umask, and only the daemon sees the upper directory's (new_entry_mode.h).
  conn->want |= conn->capable & FUSE_CAP_DONT_MASK;
  // Files need no handles either (ops/open_file.h): no OPEN, RELEASE or FLUSH. O_TRUNC then
  // comes as a truncating SETATTR, as the kernel does it for file systems without atomic_o_trunc.
  fs.no_open = (conn->capable & FUSE_CAP_NO_OPEN_SUPPORT) != 0;
  if (fs.no_open) conn->want &= ~FUSE_CAP_ATOMIC_O_TRUNC;
  // Directories need no handles (ops/readdir.cpp): the kernel then skips OPENDIR and RELEASEDIR.
  fs.no_opendir = (conn->capable & FUSE_CAP_NO_OPENDIR_SUPPORT) != 0;
  // Every readdir is a readdirplus, not only a directory's first one: its entries then come with
  // their attributes and the kernel keeps them (for as long as our timeouts say), so a walk that
  // goes into the subdirectories of a large directory needs no LOOKUP for each one (find of
  // 1,000 directories: 800 LOOKUPs fewer).
  conn->want &= ~FUSE_CAP_READDIRPLUS_AUTO;
  // Lookups and readdir of different names in one directory may run in parallel (libfuse 3.14.0
  // leaves this out of its INIT reply: serve.cpp adds it, init_reply.h).
  conn->want |= conn->capable & FUSE_CAP_PARALLEL_DIROPS;
  // Writes are cached by the kernel only as pages; no writeback cache, so the daemon sees each
  // write (O_APPEND and copy-up stay simple).
  conn->want &= ~FUSE_CAP_WRITEBACK_CACHE;
  // Every change goes through this daemon, which invalidates what it changes; lower layers never
  // change. The kernel's own guess (drop a file's pages when a refreshed mtime looks different)
  // only threw away warm pages of large lower files.
  conn->want &= ~FUSE_CAP_AUTO_INVAL_DATA;
}

}  // namespace layerfs::fuse::ops
