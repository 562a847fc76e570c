#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <mutex>
#include <optional>
#include <vector>

#include "fuse/ops/ops.h"
#include "fuse/statx_request.h"
#include "fuse/union_fs.h"
#include "util/error.h"

namespace layerfs::fuse::ops {

namespace {

// The birth time of the node's backing file, where its file system records one.
std::optional<struct timespec> birth_time(UnionFs& fs, const Node& node) {
  FileRef file = fs.locate(node);
  const FileAt at = file.at();
  struct statx sx {};
  if (::statx(at.dir, at.name, AT_SYMLINK_NOFOLLOW | (at.is_self() ? AT_EMPTY_PATH : 0),
              STATX_BTIME, &sx) != 0 ||
      !(sx.stx_mask & STATX_BTIME))
    return std::nullopt;
  return timespec{sx.stx_btime.tv_sec, static_cast<long>(sx.stx_btime.tv_nsec)};
}

// The reply to STATX request `unique` about node `nodeid`.
std::vector<char> statx_answer(UnionFs& fs, uint64_t unique, uint64_t nodeid) {
  struct stat st;
  std::optional<struct timespec> btime;
  int err;
  {
    std::shared_lock lock(fs.tree);
    const Node& node = fs.node(nodeid);
    err = fs.stat_node(node, st);
    if (err == 0) {
      try {
        btime = birth_time(fs, node);
      } catch (const SysError&) {
        // Gone since the stat: the attributes just read are still the answer.
      }
    }
  }
  if (err != 0) return error_reply(unique, err);
  UnionFs::present_ids(st);
  return statx_reply(unique, st, btime, fs.timeout);
}

}  // namespace

void statx(UnionFs& fs, int device, uint64_t unique, uint64_t nodeid) {
  std::vector<char> reply;
  try {
    reply = statx_answer(fs, unique, nodeid);
  } catch (const std::exception&) {
    // No request thread may end on an exception (libfuse's requests never throw either).
    reply = error_reply(unique, ENOMEM);
  }
  // One write is one reply; the kernel refuses it only when the request was interrupted.
  retry_eintr([&] { return ::write(device, reply.data(), reply.size()); });
}

}  // namespace layerfs::fuse::ops
