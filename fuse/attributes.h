// What the mount shows for a file: the backing file's stat with the recorded owner, mode and type
// (user.containers.override_stat) applied, the stable inode number, and overlayfs's st_nlink of
// 1 for merged directories. Also the other direction: recording owner and mode on an upper file,
// natively as root, in the override xattr where the daemon cannot.
#pragma once

#include <sys/stat.h>

#include <optional>

#include "fuse/node.h"
#include "fuse/path_fd.h"
#include "util/override_stat.h"

namespace layerfs::fuse {

// The image's view of a backing file. 0 or errno.
int presented_stat_at(FileAt at, struct stat& out);
// The same, for a file already stat'ed as `native`.
struct stat presented_stat(FileAt at, const struct stat& native);
// Adds what the node decides to the backing file's presented stat: the stable inode number and
// st_nlink 1 for merged directories.
void present_node(const Node& node, struct stat& out);

struct Presented {
  uid_t uid = 0;
  gid_t gid = 0;
  mode_t mode = 0;  // file type bits and permission bits as the mount shows them
  dev_t rdev = 0;
};

// A backing file as the daemon knows it: its real stat and the owner, mode and type recorded in
// its override xattr (never on symlinks), from which what the mount shows derives.
struct BackingStat {
  struct stat native {};
  std::optional<OverrideStat> recorded;
  struct stat shown() const {
    return apply_override_stat(native, recorded);
  }
};
// Reads both. 0 or errno.
int backing_stat_at(FileAt at, BackingStat& out);

// Makes an upper file show `want`: chown/chmod as root; as a rootless daemon the real
// mode keeps owner access (the daemon must go on reading and writing it) and whatever the real
// file cannot express goes into the override xattr. A rootless daemon's symlinks, fifos and
// sockets (no user xattrs on them) show their native owner and mode: the owner changed where the
// daemon may chown (ids mapped to it), else kept. 0 or errno.
int record_presented(FileAt at, const Presented& want);
// The same for a file whose BackingStat is known (a file the daemon has just created has none
// recorded): `file` follows the change, except the times it moved; `changed` says whether the
// file was touched at all.
int record_presented(FileAt at, const Presented& want, BackingStat& file, bool& changed);

// The permission bits a rootless daemon keeps on a backing file of type `type` for itself (it
// must go on reading and writing files and directories); none as root, which needs none.
mode_t daemon_access(mode_t type);
// The mode to create a backing file of `mode` (type and permission bits) with, so that recording
// its presented mode usually changes nothing: the permission bits without setuid/setgid/sticky
// (set by a chmod after any chown) plus the daemon's own access.
inline mode_t creation_mode(mode_t mode) { return ((mode & 0777) | daemon_access(mode)) & 0777; }

// The owner and mode a new file gets: the caller's fsuid/fsgid, or the directory's group when the
// directory is setgid (as the kernel does for native file systems).
Presented new_file_owner(uid_t uid, gid_t gid, mode_t mode, const struct stat& parent);

}  // namespace layerfs::fuse
