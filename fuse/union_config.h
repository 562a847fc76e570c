// What a union mount stacks: lower directories (read-only), an optional writable upper directory
// and its work directory, and the whiteout format written into the upper one.
#pragma once

#include <string>
#include <vector>

namespace layerfs::fuse {

// Oci: deletions are written as `.wh.<name>` files and opaque directories get `.wh..wh..opq`
//      (image mode: the upper directory is exactly an extracted OCI layer).
// Kernel: deletions are char device 0/0 where mknod works, else `.wh.` files; opaque directories
//      get the overlay opaque xattr (raw mode: what fuse-overlayfs writes, so containers/storage
//      and kernel overlayfs read the upper).
enum class WhiteoutStyle { Oci, Kernel };

struct UnionConfig {
  std::vector<std::string> lower_dirs;  // top-most first, like overlayfs lowerdir=A:B:C
  std::string upper_dir;                // empty: read-only mount
  std::string work_dir;                 // same fs as upper; temp names for atomic copy-up
  WhiteoutStyle whiteouts = WhiteoutStyle::Oci;
  std::vector<std::string> extra_options;  // unknown -o options (warned about, ignored)
  // overlayfs's `volatile` (fuse-overlayfs: `fsync=0`), which containers/storage passes to its
  // mount program: fsync and fsyncdir return at once, syncing nothing (a crash may lose writes).
  bool volatile_upper = false;
  // A mount that a tar writer reads (export): user.containers.override_stat, normally private,
  // is shown, so recorded owners that the reader's user namespace cannot name are kept; and the
  // kernel checks no permissions (a root that cannot name a directory's owner could not enter).
  bool for_archiving = false;
};

// Parses fuse-overlayfs/overlayfs style "lowerdir=A:B,upperdir=U,workdir=W,..." options (several
// -o values may be joined with commas). `\,` and `\:` escape separators inside paths; relative
// paths are made absolute. The raw form writes kernel-style whiteouts unless `whiteout=oci`.
// Throws UserError naming the offending option.
UnionConfig parse_mount_options(const std::string& options);

// Checks that every directory exists and that work_dir is on the upper's file system.
void validate_config(const UnionConfig& config);

}  // namespace layerfs::fuse
