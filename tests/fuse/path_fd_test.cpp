// Xattrs of files named by a directory fd and a name: the *xattrat system calls and the
// /proc/self/fd path must give the same answers, and neither may follow a final symlink.
#include "fuse/path_fd.h"

#include <fcntl.h>
#include <gtest/gtest.h>
#include <sys/stat.h>
#include <sys/xattr.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <string>

#include "util/fs.h"
#include "util/unique_fd.h"

namespace layerfs::fuse {
namespace {

class PathFdXattrs : public ::testing::TestWithParam<bool> {
 protected:
  void SetUp() override {
    root_ = make_temp_dir("/tmp", "path-fd-test.");
    UniqueFd file(::open((root_ + "/file").c_str(), O_CREAT | O_WRONLY | O_CLOEXEC, 0644));
    ASSERT_TRUE(file);
    ASSERT_EQ(::symlink("file", (root_ + "/link").c_str()), 0);
    dir_ = UniqueFd(::open(root_.c_str(), O_PATH | O_DIRECTORY | O_CLOEXEC));
    ASSERT_TRUE(dir_);
    use_xattrat_calls(GetParam());
  }
  void TearDown() override {
    use_xattrat_calls(true);
    remove_tree(root_);
  }

  std::string root_;
  UniqueFd dir_;
};

TEST_P(PathFdXattrs, SetGetListAndRemoveANamedFile) {
  FileAt file(dir_.get(), "file");
  EXPECT_EQ(get_xattr(file, "user.absent"), std::nullopt);
  ASSERT_EQ(set_xattr(file, "user.small", "value"), 0);
  std::string large(1000, 'x');  // longer than get_xattr's first buffer
  ASSERT_EQ(set_xattr(file, "user.large", large), 0);
  EXPECT_EQ(get_xattr(file, "user.small"), "value");
  EXPECT_EQ(get_xattr(file, "user.large"), large);
  std::vector<std::string> names = list_xattrs(file);
  EXPECT_NE(std::find(names.begin(), names.end(), "user.small"), names.end());
  EXPECT_NE(std::find(names.begin(), names.end(), "user.large"), names.end());
  EXPECT_EQ(set_xattr(file, "user.small", "again", XATTR_CREATE), EEXIST);
  EXPECT_EQ(remove_xattr(file, "user.small"), 0);
  EXPECT_EQ(remove_xattr(file, "user.small"), ENODATA);
  EXPECT_EQ(get_xattr(file, "user.small"), std::nullopt);
  char byte;
  EXPECT_EQ(get_xattr_raw(file, "user.large", &byte, 1), -1);
  EXPECT_EQ(errno, ERANGE);
}

TEST_P(PathFdXattrs, AFinalSymlinkIsNotFollowed) {
  ASSERT_EQ(set_xattr(FileAt(dir_.get(), "file"), "user.target", "t"), 0);
  FileAt link(dir_.get(), "link");
  EXPECT_EQ(get_xattr(link, "user.target"), std::nullopt);
  std::vector<std::string> names = list_xattrs(link);
  EXPECT_EQ(std::find(names.begin(), names.end(), "user.target"), names.end());
  // user.* xattrs are not allowed on symlinks themselves.
  EXPECT_EQ(set_xattr(link, "user.other", "x"), EPERM);
}

TEST_P(PathFdXattrs, TheDirectoryItselfAndMissingNames) {
  ASSERT_EQ(set_xattr(FileAt(dir_.get()), "user.dir", "d"), 0);
  EXPECT_EQ(get_xattr(FileAt(dir_.get()), "user.dir"), "d");
  EXPECT_EQ(get_xattr(FileAt(dir_.get(), "missing"), "user.dir"), std::nullopt);
  EXPECT_EQ(get_xattr_raw(FileAt(dir_.get(), "missing"), "user.dir", nullptr, 0), -1);
  EXPECT_EQ(errno, ENOENT);
  EXPECT_EQ(set_xattr(FileAt(dir_.get(), "missing"), "user.x", "x"), ENOENT);
}

INSTANTIATE_TEST_SUITE_P(XattratAndProcPath, PathFdXattrs, ::testing::Bool(),
                         [](const auto& info) { return info.param ? "xattrat" : "proc_path"; });

}  // namespace
}  // namespace layerfs::fuse
