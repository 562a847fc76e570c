// The TMPFILE request rewritten as a CREATE (fuse/tmpfile_request.h) on crafted kernel messages;
// the whole path (libfuse, ops/create.cpp, linking the file) is compared with overlayfs by
// tests/integration/mount_access_test.sh.
#include "fuse/tmpfile_request.h"

#include <fcntl.h>
#include <gtest/gtest.h>
#include <linux/fuse.h>

#include <cstring>
#include <string>
#include <vector>

#include "tests/fuse/raw_request.h"

namespace layerfs::fuse {
namespace {

std::vector<char> request(uint32_t opcode, const std::string& trailing = "") {
  fuse_in_header header = {};
  fuse_create_in create = {};
  header.opcode = opcode;
  header.unique = 42;
  header.nodeid = 7;
  header.uid = 1000;
  header.len = static_cast<uint32_t>(sizeof header + sizeof create + trailing.size());
  create.flags = O_TMPFILE | O_RDWR;
  create.mode = S_IFREG | 0640;
  create.umask = 022;
  std::vector<char> bytes(header.len);
  std::memcpy(bytes.data(), &header, sizeof header);
  std::memcpy(bytes.data() + sizeof header, &create, sizeof create);
  std::memcpy(bytes.data() + sizeof header + sizeof create, trailing.data(), trailing.size());
  return bytes;
}

TEST(TmpfileRequest, BecomesACreateOfTheTmpfileName) {
  // The kernel may send the dentry's name ("/") after the arguments; the CREATE has its own.
  for (const std::string& trailing : {std::string(), std::string("/\0", 2)}) {
    std::vector<char> tmpfile = request(FUSE_TMPFILE, trailing);
    std::optional<std::vector<char>> create = tmpfile_as_create(buffer_of(tmpfile));
    ASSERT_TRUE(create.has_value());
    fuse_in_header header;
    fuse_create_in arguments;
    ASSERT_EQ(create->size(), sizeof header + sizeof arguments + 2);
    std::memcpy(&header, create->data(), sizeof header);
    std::memcpy(&arguments, create->data() + sizeof header, sizeof arguments);
    EXPECT_EQ(header.opcode, uint32_t{FUSE_CREATE});
    EXPECT_EQ(header.len, create->size());
    EXPECT_EQ(header.unique, 42u);
    EXPECT_EQ(header.nodeid, 7u);
    EXPECT_EQ(header.uid, 1000u);
    EXPECT_EQ(arguments.flags, uint32_t(O_TMPFILE | O_RDWR));
    EXPECT_EQ(arguments.mode, uint32_t(S_IFREG | 0640));
    EXPECT_EQ(arguments.umask, 022u);
    EXPECT_STREQ(create->data() + sizeof header + sizeof arguments,
                 std::string(kTmpfileName).c_str());
  }
}

TEST(TmpfileRequest, OtherRequestsAndShortOnesAreLeftAlone) {
  std::vector<char> other = request(FUSE_CREATE, std::string("name\0", 5));
  EXPECT_FALSE(tmpfile_as_create(buffer_of(other)).has_value());
  std::vector<char> short_one = request(FUSE_TMPFILE);
  short_one.resize(sizeof(fuse_in_header) + 8);
  EXPECT_FALSE(tmpfile_as_create(buffer_of(short_one)).has_value());
}

}  // namespace
}  // namespace layerfs::fuse
