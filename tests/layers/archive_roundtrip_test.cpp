// tar -> ingest_layer -> write_layer_tar gives back the same entries, as root (native owners,
// devices) and as an unprivileged user (override_stat, placeholders). Run as root, the rootless
// half re-runs this binary as layerfs-tester.
#include <fcntl.h>
#include <gtest/gtest.h>
#include <pwd.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <sys/xattr.h>

#include "layers/archive/layer_reader.h"
#include "layers/archive/layer_writer.h"
#include "tests/layers/archive_test_support.h"
#include "util/override_stat.h"

namespace layerfs {
namespace {

using namespace archive_test;

// Every kind of entry and attribute an image can hold, in the writer's order (depth first, names
// sorted), so the written tar must equal it entry by entry.
std::vector<TarEntry> every_kind_of_entry() {
  std::vector<TarEntry> t;
  t.push_back(dir("bin"));
  t.push_back(file("bin/busybox", std::string(70000, 'b'), 0755));
  TarEntry ls = hardlink("bin/ls", "bin/busybox");
  ls.mode = 0755;
  t.push_back(ls);
  t.push_back(symlink("bin/sh", "busybox"));
  t.push_back(dir("dev"));
  TarEntry console = device("dev/console", S_IFCHR, 5, 1);
  console.mode = 0600;
  t.push_back(console);
  t.push_back(fifo("dev/fifo"));
  TarEntry disk = device("dev/sda", S_IFBLK, 8, 0);
  disk.mode = 0660;
  disk.gid = 6;
  t.push_back(disk);
  TarEntry etc = dir("etc");
  etc.mtime_nsec = 123456789;
  t.push_back(etc);
  t.push_back(file("etc/.wh.removed", ""));
  TarEntry passwd = file("etc/passwd", "root:x:0:0:root:/root:/bin/sh\n");
  passwd.xattrs = {{"user.note", "hello"}, {"trusted.layerfs-test", std::string("se\0cret", 7)}};
  t.push_back(passwd);
  TarEntry shadow = file("etc/shadow", "root:*:1::::::\n", 0640);
  shadow.gid = 42;
  t.push_back(shadow);
  t.push_back(dir("home"));
  TarEntry user = dir("home/user", 0700);
  user.uid = 1000;
  user.gid = 1000;
  user.mtime = 1600000000;
  user.mtime_nsec = 5;
  t.push_back(user);
  t.push_back(file("home/user/.wh..wh..opq", ""));
  TarEntry link = symlink("home/user/link", "../../etc/passwd");
  link.uid = 1000;
  link.gid = 1000;
  t.push_back(link);
  TarEntry owned = file("home/user/" + std::string(120, 'n'), "long name", 0600);
  owned.uid = 1000;
  owned.gid = 1000;
  t.push_back(owned);
  TarEntry pipe = fifo("home/user/pipe");
  pipe.uid = 1000;
  pipe.mode = 0620;
  t.push_back(pipe);
  t.push_back(dir("readonly", 0555));
  t.push_back(file("readonly/zero", "no access", 0000));
  t.push_back(dir("tmp", 01777));
  t.push_back(dir("usr"));
  t.push_back(dir("usr/bin"));
  TarEntry big_ids = file("usr/bin/nobody", "x", 0644);
  big_ids.uid = 65534;
  big_ids.gid = 3000000;  // beyond ustar's octal field: needs a PAX record
  t.push_back(big_ids);
  t.push_back(file("usr/bin/su", "su", 04755));
  TarEntry wall = file("usr/bin/wall", "wall", 02755);
  wall.gid = 5;
  t.push_back(wall);
  return t;
}

std::string ingest_and_write(const std::string& input, const std::string& layer_dir) {
  UniqueFd in = fd_with(input);
  ingest_layer(in.get(), -1, layer_dir);
  UniqueFd out = empty_memfd();
  write_layer_tar(layer_dir, out.get());
  return read_all(out.get());
}

TEST(ArchiveRoundTrip, EveryKindOfEntryComesBackUnchanged) {
  TempDir tmp;
  const std::string input = build_tar(every_kind_of_entry());
  const std::string output = ingest_and_write(input, tmp.make_sub("layer"));

  auto expected = read_tar(input);
  auto actual = read_tar(output);
  ASSERT_EQ(actual.size(), expected.size());
  for (size_t i = 0; i < expected.size(); ++i) EXPECT_EQ(actual[i], expected[i]) << "entry " << i;
  for (const auto& entry : actual) {
    EXPECT_FALSE(entry.has_atime) << entry.path;
    EXPECT_FALSE(entry.has_ctime) << entry.path;
  }
}

TEST(ArchiveRoundTrip, ExtractedTreeIsUsableByItsOwner) {
  TempDir tmp;
  const std::string layer = tmp.make_sub("layer");
  UniqueFd in = fd_with(build_tar(every_kind_of_entry()));
  ingest_layer(in.get(), -1, layer);
  // Data is right, and directories that the image makes read-only can still be cleaned up.
  EXPECT_EQ(read_file(layer + "/etc/passwd"), "root:x:0:0:root:/root:/bin/sh\n");
  struct stat a, b;
  ASSERT_EQ(::lstat((layer + "/bin/busybox").c_str(), &a), 0);
  ASSERT_EQ(::lstat((layer + "/bin/ls").c_str(), &b), 0);
  EXPECT_EQ(a.st_ino, b.st_ino);
  EXPECT_EQ(a.st_nlink, 2u);
  char target[64] = {};
  ASSERT_EQ(::readlink((layer + "/bin/sh").c_str(), target, sizeof target - 1), 7);
  EXPECT_STREQ(target, "busybox");
  ASSERT_EQ(::lstat((layer + "/home/user").c_str(), &a), 0);
  EXPECT_EQ(a.st_mtim.tv_sec, 1600000000);
  EXPECT_EQ(a.st_mtim.tv_nsec, 5);
}

TEST(ArchiveRootLayout, OwnersAndDevicesAreNative) {
  if (running_rootless()) GTEST_SKIP() << "needs real root";
  TempDir tmp;
  const std::string layer = tmp.make_sub("layer");
  UniqueFd in = fd_with(build_tar(every_kind_of_entry()));
  ingest_layer(in.get(), -1, layer);
  struct stat st;
  ASSERT_EQ(::lstat((layer + "/dev/sda").c_str(), &st), 0);
  EXPECT_TRUE(S_ISBLK(st.st_mode));
  EXPECT_EQ(st.st_rdev, makedev(8, 0));
  ASSERT_EQ(::lstat((layer + "/home/user/link").c_str(), &st), 0);
  EXPECT_TRUE(S_ISLNK(st.st_mode));
  EXPECT_EQ(st.st_uid, 1000u);
  ASSERT_EQ(::lstat((layer + "/usr/bin/su").c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 07777, 04755u);
  char value[8];
  EXPECT_LT(::lgetxattr((layer + "/usr/bin/su").c_str(), kOverrideStatXattr, value, sizeof value),
            0)
      << "root must not write override_stat";
}

TEST(ArchiveRootlessLayout, WhatCannotBeNativeIsRecorded) {
  if (!running_rootless())
    GTEST_SKIP() << "runs as an unprivileged user (see RunAsUnprivilegedUser)";
  TempDir tmp;
  const std::string layer = tmp.make_sub("layer");
  UniqueFd in = fd_with(build_tar(every_kind_of_entry()));
  ingest_layer(in.get(), -1, layer);
  UniqueFd dir(::open(layer.c_str(), O_PATH | O_DIRECTORY));
  auto recorded = [&](const std::string& path) {
    auto value = read_override_stat(dir.get(), path);
    return value ? format_override_stat(*value) : std::string("(none)");
  };
  struct stat st;
  // A device is an empty placeholder file.
  ASSERT_EQ(::lstat((layer + "/dev/sda").c_str(), &st), 0);
  EXPECT_TRUE(S_ISREG(st.st_mode));
  EXPECT_EQ(recorded("dev/sda"), "0:6:0660:block-8-0");
  // A root-owned symlink stays a symlink; another owner makes it a placeholder holding the target.
  ASSERT_EQ(::lstat((layer + "/bin/sh").c_str(), &st), 0);
  EXPECT_TRUE(S_ISLNK(st.st_mode));
  EXPECT_EQ(recorded("home/user/link"), "1000:1000:0777:symlink");
  EXPECT_EQ(read_file(layer + "/home/user/link"), "../../etc/passwd");
  // Modes we may not keep natively (setuid, no access for the owner) are recorded.
  ASSERT_EQ(::lstat((layer + "/usr/bin/su").c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 07777, 0755u);
  EXPECT_EQ(recorded("usr/bin/su"), "0:0:4755:file");
  EXPECT_EQ(recorded("readonly/zero"), "0:0:0000:file");
  EXPECT_EQ(read_file(layer + "/readonly/zero"), "no access");
  // Plain root-owned files need nothing.
  EXPECT_EQ(recorded("etc/passwd"), "(none)");
  EXPECT_EQ(recorded("dev/fifo"), "(none)");
  ASSERT_EQ(::lstat((layer + "/dev/fifo").c_str(), &st), 0);
  EXPECT_TRUE(S_ISFIFO(st.st_mode));
  // Privileged xattrs use the fuse-overlayfs prefix.
  char value[16] = {};
  EXPECT_EQ(::lgetxattr((layer + "/etc/passwd").c_str(),
                        "user.containers.override_trusted.layerfs-test", value, sizeof value),
            7);
}

// As root, run the archive tests again as the unprivileged layerfs-tester (scripts/test-users.sh):
// rootless extraction (override_stat, placeholders) and hostile input without root's powers.
TEST(ArchiveRoundTrip, RunAsUnprivilegedUser) {
  if (::geteuid() != 0) GTEST_SKIP() << "already unprivileged";
  if (::getpwnam("layerfs-tester") == nullptr)
    GTEST_SKIP() << "user layerfs-tester missing: run scripts/test-users.sh as root";
  char self[4096] = {};
  ASSERT_GT(::readlink("/proc/self/exe", self, sizeof self - 1), 0);
  std::string command =
      std::string("runuser -u layerfs-tester -- ") + self +
      " --gtest_filter='Archive*:HostileArchive.*:*CompressedLayer*:LayerWriter.*:"
      "-ArchiveRoundTrip.RunAsUnprivilegedUser' --gtest_brief=1";
  // ctest takes any "[  SKIPPED ]" line for a skip of this test: the nested run's root-only tests
  // skip as intended, so reword that marker; the exit status still decides.
  command = "bash -c \"" + command + " 2>&1 | sed 's/SKIPPED/skipped-here/'; exit \\${PIPESTATUS[0]}\"";
  int status = std::system(command.c_str());
  ASSERT_TRUE(WIFEXITED(status)) << command;
  EXPECT_EQ(WEXITSTATUS(status), 0) << command;
}

}  // namespace
}  // namespace layerfs
