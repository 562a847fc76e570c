#include "fuse/statx_request.h"

#include <linux/fuse.h>
#include <linux/stat.h>
#include <sys/sysmacros.h>

#include <cmath>
#include <cstring>

#include "fuse/session_loop.h"

namespace layerfs::fuse {

namespace {

// Protocol 7.39, which bookworm's linux/fuse.h (7.37) predates.
constexpr uint32_t kStatxOpcode = 52;

struct StatxTime {
  int64_t tv_sec;
  uint32_t tv_nsec;
  int32_t reserved;
};

struct KernelStatx {
  uint32_t mask;
  uint32_t blksize;
  uint64_t attributes;
  uint32_t nlink;
  uint32_t uid;
  uint32_t gid;
  uint16_t mode;
  uint16_t spare0;
  uint64_t ino;
  uint64_t size;
  uint64_t blocks;
  uint64_t attributes_mask;
  StatxTime atime;
  StatxTime btime;
  StatxTime ctime;
  StatxTime mtime;
  uint32_t rdev_major;
  uint32_t rdev_minor;
  uint32_t dev_major;
  uint32_t dev_minor;
  uint64_t spare2[14];
};
static_assert(sizeof(KernelStatx) == 256);

struct StatxOut {
  uint64_t attr_valid;
  uint32_t attr_valid_nsec;
  uint32_t flags;
  uint64_t spare[2];
  KernelStatx stat;
};
static_assert(sizeof(StatxOut) == 288);

StatxTime time_of(const struct timespec& t) {
  return StatxTime{t.tv_sec, static_cast<uint32_t>(t.tv_nsec), 0};
}

}  // namespace

std::optional<StatxRequest> statx_request(const fuse_buf& buf) {
  if (request_opcode(buf) != kStatxOpcode) return std::nullopt;
  fuse_in_header header;
  std::memcpy(&header, buf.mem, sizeof header);
  return StatxRequest{header.unique, header.nodeid};
}

std::vector<char> statx_reply(uint64_t unique, const struct stat& shown,
                              const std::optional<struct timespec>& btime, double timeout) {
  StatxOut out{};
  out.attr_valid = static_cast<uint64_t>(timeout);
  out.attr_valid_nsec = static_cast<uint32_t>((timeout - std::floor(timeout)) * 1'000'000'000.0);
  KernelStatx& sx = out.stat;
  sx.mask = STATX_BASIC_STATS | (btime ? STATX_BTIME : 0);
  sx.blksize = static_cast<uint32_t>(shown.st_blksize);
  sx.nlink = static_cast<uint32_t>(shown.st_nlink);
  sx.uid = shown.st_uid;
  sx.gid = shown.st_gid;
  sx.mode = static_cast<uint16_t>(shown.st_mode);
  sx.ino = shown.st_ino;
  sx.size = static_cast<uint64_t>(shown.st_size);
  sx.blocks = static_cast<uint64_t>(shown.st_blocks);
  sx.atime = time_of(shown.st_atim);
  sx.ctime = time_of(shown.st_ctim);
  sx.mtime = time_of(shown.st_mtim);
  if (btime) sx.btime = time_of(*btime);
  sx.rdev_major = major(shown.st_rdev);
  sx.rdev_minor = minor(shown.st_rdev);
  sx.dev_major = major(shown.st_dev);
  sx.dev_minor = minor(shown.st_dev);
  fuse_out_header header{};
  header.len = sizeof header + sizeof out;
  header.unique = unique;
  std::vector<char> reply(header.len);
  std::memcpy(reply.data(), &header, sizeof header);
  std::memcpy(reply.data() + sizeof header, &out, sizeof out);
  return reply;
}

std::vector<char> error_reply(uint64_t unique, int err) {
  fuse_out_header header{};
  header.len = sizeof header;
  header.error = -err;
  header.unique = unique;
  std::vector<char> reply(sizeof header);
  std::memcpy(reply.data(), &header, sizeof header);
  return reply;
}

}  // namespace layerfs::fuse
