// Giving a file to an id the mount's user namespace cannot name, and changing the mode of such a
// file.
//
// Without a subuid range a rootless container maps only uid/gid 0, so the kernel refuses
// chown(2) to any other id (EINVAL), and then any chmod(2) of that file (EOVERFLOW), before the
// daemon hears of it. The sandbox intercepts those calls (sandbox/chown_interceptor.h) and asks
// the daemon to record the change instead, by setting this attribute on the mount's root
// directory with the value "UID:GID:MODE:PATH" (-1 keeps an id or the mode, which is octal;
// PATH is absolute within the mount, without symlinks, "." or ".." components). The root, and
// not the file, because the root stays owned by a mapped id, so the kernel lets root write it. The
// daemon records the owner in user.containers.override_stat, so the layer made from the upper
// carries it, and never stores the attribute itself.
#pragma once

#include <sys/types.h>

#include <optional>
#include <string>
#include <string_view>

namespace layerfs::fuse {

inline constexpr const char* kChownRequestXattr = "user.layerfs.chown";

struct ChownRequest {
  uid_t uid = static_cast<uid_t>(-1);  // -1: unchanged
  gid_t gid = static_cast<gid_t>(-1);
  int mode = -1;     // permission bits (07777), -1: unchanged
  std::string path;  // "/" or "/a/b"
};

std::string format_chown_request(const ChownRequest& request);
std::optional<ChownRequest> parse_chown_request(std::string_view value);

}  // namespace layerfs::fuse
