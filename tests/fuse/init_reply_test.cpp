// The INIT reply patch (fuse/init_reply.h) on crafted kernel messages and plain pipes; the
// kernel's side (lookups in one directory served in parallel) is checked by
// tests/integration/mount_parallel_lookup_test.sh.
#include "fuse/init_reply.h"

#include <fcntl.h>
#include <gtest/gtest.h>
#include <linux/fuse.h>
#include <unistd.h>

#include <cstring>
#include <string>
#include <vector>

#include "tests/fuse/raw_request.h"

namespace layerfs::fuse {
namespace {

std::vector<char> request(uint32_t opcode, uint32_t flags) {
  fuse_in_header header = {};
  fuse_init_in init = {};
  header.opcode = opcode;
  header.len = sizeof header + sizeof init;
  init.major = 7;
  init.minor = 41;
  init.flags = flags;
  std::vector<char> bytes(sizeof header + sizeof init);
  std::memcpy(bytes.data(), &header, sizeof header);
  std::memcpy(bytes.data() + sizeof header, &init, sizeof init);
  return bytes;
}

std::vector<char> init_reply(int32_t error, uint32_t flags) {
  fuse_out_header header = {};
  fuse_init_out init = {};
  header.len = sizeof header + sizeof init;
  header.error = error;
  header.unique = 2;
  init.major = 7;
  init.flags = flags;
  init.max_write = 4096;
  std::vector<char> bytes(sizeof header + sizeof init);
  std::memcpy(bytes.data(), &header, sizeof header);
  std::memcpy(bytes.data() + sizeof header, &init, sizeof init);
  return bytes;
}

fuse_init_out init_out_of(const std::vector<char>& bytes) {
  fuse_init_out init;
  std::memcpy(&init, bytes.data() + sizeof(fuse_out_header), sizeof init);
  return init;
}

TEST(InitReply, ReadsTheFlagsTheKernelOffers) {
  std::vector<char> init = request(FUSE_INIT, FUSE_PARALLEL_DIROPS | FUSE_ASYNC_READ);
  EXPECT_EQ(init_request_flags(buffer_of(init)), FUSE_PARALLEL_DIROPS | FUSE_ASYNC_READ);
  std::vector<char> lookup = request(FUSE_LOOKUP, FUSE_PARALLEL_DIROPS);
  EXPECT_FALSE(init_request_flags(buffer_of(lookup)));
  init.resize(sizeof(fuse_in_header) + 8);  // cut before the flags
  EXPECT_FALSE(init_request_flags(buffer_of(init)));
}

TEST(InitReply, AddsFlagsToASuccessfulReplyOnly) {
  std::vector<char> reply = init_reply(0, FUSE_ASYNC_READ);
  ASSERT_TRUE(add_init_reply_flags(reply, FUSE_PARALLEL_DIROPS));
  fuse_init_out init = init_out_of(reply);
  EXPECT_EQ(init.flags, FUSE_ASYNC_READ | FUSE_PARALLEL_DIROPS);
  EXPECT_EQ(init.max_write, 4096u);  // the rest is untouched

  std::vector<char> refused = init_reply(-EPROTO, FUSE_ASYNC_READ);
  const std::vector<char> before = refused;
  EXPECT_FALSE(add_init_reply_flags(refused, FUSE_PARALLEL_DIROPS));
  EXPECT_EQ(refused, before);

  std::vector<char> short_reply = init_reply(0, 0);
  short_reply.resize(sizeof(fuse_out_header) + 4);
  EXPECT_FALSE(add_init_reply_flags(short_reply, FUSE_PARALLEL_DIROPS));
}

std::string drain(int fd) {
  std::string text;
  char chunk[256];
  ssize_t n;
  while ((n = ::read(fd, chunk, sizeof chunk)) > 0) text.append(chunk, n);
  return text;
}

TEST(InitReply, CapturesWhatIsWrittenToTheFdNumberThenPutsTheFdBack) {
  int ends[2];
  ASSERT_EQ(::pipe2(ends, O_CLOEXEC | O_NONBLOCK), 0);
  const int target = ends[1];
  auto captured = capture_writes(target, [&] { ASSERT_EQ(::write(target, "reply", 5), 5); });
  ASSERT_TRUE(captured);
  EXPECT_EQ(std::string(captured->begin(), captured->end()), "reply");
  EXPECT_EQ(drain(ends[0]), "");  // nothing reached the real target meanwhile
  ASSERT_EQ(::write(target, "after", 5), 5);
  EXPECT_EQ(drain(ends[0]), "after");
  EXPECT_TRUE(::fcntl(target, F_GETFD) & FD_CLOEXEC);
  ::close(ends[0]);
  ::close(ends[1]);
}

TEST(InitReply, NothingRunsWhenTheFdCannotBeCaptured) {
  bool ran = false;
  EXPECT_FALSE(capture_writes(-1, [&] { ran = true; }));
  EXPECT_FALSE(ran);
}

}  // namespace
}  // namespace layerfs::fuse
