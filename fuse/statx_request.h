// Birth times. The kernel asks with FUSE_STATX (protocol 7.39) when a caller wants one (`stat`
// does); libfuse 3.14.0 does not know the request and answers ENOSYS, after which the kernel never
// asks again and shows none, where overlayfs shows its backing file's. The request is served from
// its raw bytes: its reply is the attributes getattr gives, with the birth time beside them.
#pragma once

#include <fuse_lowlevel.h>
#include <sys/stat.h>

#include <cstdint>
#include <optional>
#include <vector>

namespace layerfs::fuse {

// The node a STATX request `buf` asks about and its unique id; nothing for any other request.
struct StatxRequest {
  uint64_t unique = 0;
  uint64_t nodeid = 0;
};
std::optional<StatxRequest> statx_request(const fuse_buf& buf);

// The reply to request `unique`: `shown` (what getattr would reply), cached for `timeout` seconds,
// and the birth time when known.
std::vector<char> statx_reply(uint64_t unique, const struct stat& shown,
                              const std::optional<struct timespec>& btime, double timeout);
// An error reply (err: a positive errno).
std::vector<char> error_reply(uint64_t unique, int err);

}  // namespace layerfs::fuse
