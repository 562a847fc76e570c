#include "fuse/mount_point.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include "util/error.h"
#include "util/fs.h"

namespace layerfs::fuse {
namespace {

class MountPointCheck : public ::testing::Test {
 protected:
  void SetUp() override {
    root_ = make_temp_dir("/tmp", "mount-point-test.");
    for (const char* dir : {"/lower/inside/deeper", "/upper/inside", "/work", "/beside"})
      make_dirs(root_ + dir);
    ASSERT_EQ(::symlink((root_ + "/lower").c_str(), (root_ + "/lower-link").c_str()), 0);
    config_.lower_dirs = {root_ + "/lower-link"};
    config_.upper_dir = root_ + "/upper";
    config_.work_dir = root_ + "/work";
  }
  void TearDown() override { remove_tree(root_); }

  std::string root_;
  UnionConfig config_;
};

TEST_F(MountPointCheck, InsideALayerIsRefusedHoweverTheLayerIsNamed) {
  // The lower layer is named through a symlink: the check compares directories, not paths.
  EXPECT_THROW(check_mount_point(root_ + "/lower/inside", config_), UserError);
  EXPECT_THROW(check_mount_point(root_ + "/lower/inside/deeper/", config_), UserError);
  EXPECT_THROW(check_mount_point(root_ + "/upper/inside", config_), UserError);
}

TEST_F(MountPointCheck, ALayerItselfOrADirectoryBesideIsAllowed) {
  EXPECT_NO_THROW(check_mount_point(root_ + "/lower", config_));
  EXPECT_NO_THROW(check_mount_point(root_ + "/upper", config_));
  EXPECT_NO_THROW(check_mount_point(root_ + "/beside", config_));
  EXPECT_NO_THROW(check_mount_point(root_, config_));
}

TEST(MountType, ReadsTheMountTable) {
  EXPECT_TRUE(is_mount_point("/"));
  EXPECT_EQ(mount_type("/proc"), "proc");
  EXPECT_EQ(mount_type("/proc/"), "proc");
  EXPECT_FALSE(is_mount_point("/proc/self"));
  EXPECT_EQ(mount_type("/no/such/directory"), std::nullopt);
}

}  // namespace
}  // namespace layerfs::fuse
