// The STATX request and reply (fuse/statx_request.h) against the kernel's layout (uapi fuse.h,
// protocol 7.39: fuse_statx_out, then fuse_statx), written down here by byte offset; the whole
// path is compared with overlayfs by tests/integration/mount_access_test.sh (birth_times).
#include "fuse/statx_request.h"

#include <gtest/gtest.h>
#include <linux/fuse.h>
#include <linux/stat.h>
#include <sys/sysmacros.h>

#include <cstring>
#include <vector>

#include "tests/fuse/raw_request.h"

namespace layerfs::fuse {
namespace {

template <typename T>
T field(const std::vector<char>& bytes, size_t offset) {
  T value;
  std::memcpy(&value, bytes.data() + offset, sizeof value);
  return value;
}

// fuse_out_header, then fuse_statx_out: attr_valid, attr_valid_nsec, flags, spare[2], stat.
constexpr size_t kHeader = 16;
constexpr size_t kStat = kHeader + 32;

TEST(StatxRequest, OnlyStatxRequestsAreTaken) {
  fuse_in_header header = {};
  header.len = sizeof header + 24;
  header.opcode = 52;
  header.unique = 9;
  header.nodeid = 77;
  std::vector<char> bytes(header.len);
  std::memcpy(bytes.data(), &header, sizeof header);
  std::optional<StatxRequest> request = statx_request(buffer_of(bytes));
  ASSERT_TRUE(request.has_value());
  EXPECT_EQ(request->unique, 9u);
  EXPECT_EQ(request->nodeid, 77u);
  header.opcode = FUSE_GETATTR;
  std::memcpy(bytes.data(), &header, sizeof header);
  EXPECT_FALSE(statx_request(buffer_of(bytes)).has_value());
}

TEST(StatxRequest, ReplyHasTheKernelsLayout) {
  struct stat st = {};
  st.st_mode = S_IFREG | 0640;
  st.st_nlink = 3;
  st.st_uid = 1000;
  st.st_gid = 100;
  st.st_ino = 0x1122334455;
  st.st_size = 12345;
  st.st_blocks = 24;
  st.st_blksize = 4096;
  st.st_atim = {100, 1};
  st.st_mtim = {200, 2};
  st.st_ctim = {300, 3};
  st.st_rdev = makedev(8, 1);
  std::vector<char> reply = statx_reply(42, st, timespec{50, 5}, 86400.5);
  ASSERT_EQ(reply.size(), kHeader + 288);
  EXPECT_EQ(field<uint32_t>(reply, 0), reply.size());
  EXPECT_EQ(field<int32_t>(reply, 4), 0);
  EXPECT_EQ(field<uint64_t>(reply, 8), 42u);
  EXPECT_EQ(field<uint64_t>(reply, kHeader), 86400u);
  EXPECT_EQ(field<uint32_t>(reply, kHeader + 8), 500'000'000u);
  EXPECT_EQ(field<uint32_t>(reply, kStat), uint32_t{STATX_BASIC_STATS | STATX_BTIME});
  EXPECT_EQ(field<uint32_t>(reply, kStat + 4), 4096u);
  EXPECT_EQ(field<uint32_t>(reply, kStat + 16), 3u);
  EXPECT_EQ(field<uint32_t>(reply, kStat + 20), 1000u);
  EXPECT_EQ(field<uint32_t>(reply, kStat + 24), 100u);
  EXPECT_EQ(field<uint16_t>(reply, kStat + 28), S_IFREG | 0640);
  EXPECT_EQ(field<uint64_t>(reply, kStat + 32), 0x1122334455u);
  EXPECT_EQ(field<uint64_t>(reply, kStat + 40), 12345u);
  EXPECT_EQ(field<uint64_t>(reply, kStat + 48), 24u);
  // atime, btime, ctime, mtime: 16 bytes each (seconds, then nanoseconds).
  EXPECT_EQ(field<int64_t>(reply, kStat + 64), 100);
  EXPECT_EQ(field<int64_t>(reply, kStat + 80), 50);
  EXPECT_EQ(field<uint32_t>(reply, kStat + 88), 5u);
  EXPECT_EQ(field<int64_t>(reply, kStat + 96), 300);
  EXPECT_EQ(field<int64_t>(reply, kStat + 112), 200);
  EXPECT_EQ(field<uint32_t>(reply, kStat + 120), 2u);
  EXPECT_EQ(field<uint32_t>(reply, kStat + 128), 8u);
  EXPECT_EQ(field<uint32_t>(reply, kStat + 132), 1u);
}

TEST(StatxRequest, WithoutBirthTimeAndOnError) {
  struct stat st = {};
  st.st_mode = S_IFDIR | 0755;
  std::vector<char> reply = statx_reply(1, st, std::nullopt, 1.0);
  EXPECT_EQ(field<uint32_t>(reply, kStat), uint32_t{STATX_BASIC_STATS});
  std::vector<char> error = error_reply(7, ENOENT);
  ASSERT_EQ(error.size(), kHeader);
  EXPECT_EQ(field<uint32_t>(error, 0), kHeader);
  EXPECT_EQ(field<int32_t>(error, 4), -ENOENT);
  EXPECT_EQ(field<uint64_t>(error, 8), 7u);
}

}  // namespace
}  // namespace layerfs::fuse
