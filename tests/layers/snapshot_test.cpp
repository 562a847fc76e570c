#include "layers/snapshot.h"

#include <gtest/gtest.h>
#include <sys/xattr.h>
#include <unistd.h>

#include "util/fs.h"
#include "util/sha256.h"

namespace layerfs {
namespace {

class SnapshotTest : public ::testing::Test {
 protected:
  void SetUp() override {
    char tmpl[] = "/tmp/layerfs-snapshot-test-XXXXXX";
    root_ = ::mkdtemp(tmpl);
  }
  void TearDown() override { remove_tree(root_); }

  // An upper directory as the union mount leaves it: a changed file, a whiteout, an opaque dir.
  std::string make_upper(const std::string& name) {
    std::string upper = root_ + "/store/containers/" + name;
    make_dirs(upper + "/etc", 0755);
    make_dirs(upper + "/var/cache", 0755);
    write_file_atomic(upper + "/etc/motd", "hello\n");
    write_file_atomic(upper + "/etc/.wh.hosts", "");
    write_file_atomic(upper + "/var/cache/.wh..wh..opq", "");
    // Bookkeeping of the union mount must not reach the layer tar.
    ::setxattr((upper + "/etc/motd").c_str(), "user.layerfs.origin", "x", 1, 0);
    return upper;
  }

  std::string root_;
};

TEST_F(SnapshotTest, UpperDirectoryBecomesTheLayerWithoutACopy) {
  Store store(root_ + "/store");
  std::string upper = make_upper("one");
  struct stat before;
  ASSERT_EQ(::stat((upper + "/etc/motd").c_str(), &before), 0);

  LayerInfo info = snapshot_directory(store, upper);
  EXPECT_FALSE(path_exists(upper));
  EXPECT_TRUE(store.has_layer(info.diff_id));
  EXPECT_EQ("sha256:" + sha256_file_hex(store.blob_path(info.blob_digest)), info.diff_id);
  std::string diff = store.layer_diff_path(info.diff_id);
  struct stat after;
  ASSERT_EQ(::stat((diff + "/etc/motd").c_str(), &after), 0);
  EXPECT_EQ(before.st_ino, after.st_ino);  // moved, not copied
  EXPECT_TRUE(path_exists(diff + "/etc/.wh.hosts"));
  EXPECT_TRUE(path_exists(diff + "/var/cache/.wh..wh..opq"));

  // The tar carries the whiteouts but not the union mount's xattrs.
  std::string listing = root_ + "/listing";
  std::string command = "tar --xattrs -tvf " + store.blob_path(info.blob_digest) + " > " + listing;
  ASSERT_EQ(std::system(command.c_str()), 0);
  std::string text = read_file(listing);
  EXPECT_NE(text.find("etc/.wh.hosts"), std::string::npos);
  std::string extracted = root_ + "/extracted";
  make_dirs(extracted, 0755);
  command = "tar --xattrs --xattrs-include='*' -xf " + store.blob_path(info.blob_digest) + " -C " +
            extracted;
  ASSERT_EQ(std::system(command.c_str()), 0);
  char value[16];
  EXPECT_LT(
      ::getxattr((extracted + "/etc/motd").c_str(), "user.layerfs.origin", value, sizeof value), 0);
  EXPECT_EQ(read_file(extracted + "/etc/motd"), "hello\n");
}

TEST_F(SnapshotTest, IdenticalChangesShareOneLayer) {
  Store store(root_ + "/store");
  LayerInfo first = snapshot_directory(store, make_upper("one"));
  std::string second_upper = make_upper("two");
  // Same content and times give the same tar.
  std::string cmd = "touch -r " + store.layer_diff_path(first.diff_id) + "/etc/motd " +
                    second_upper + "/etc/motd";
  ASSERT_EQ(std::system(cmd.c_str()), 0);
  for (const char* d : {"/etc", "/var/cache", "/var", ""}) {
    cmd = std::string("touch -r ") + store.layer_diff_path(first.diff_id) + d + " " + second_upper +
          d;
    ASSERT_EQ(std::system(cmd.c_str()), 0);
  }
  cmd = "touch -r " + store.layer_diff_path(first.diff_id) + "/etc/.wh.hosts " + second_upper +
        "/etc/.wh.hosts; touch -r " + store.layer_diff_path(first.diff_id) +
        "/var/cache/.wh..wh..opq " + second_upper + "/var/cache/.wh..wh..opq";
  ASSERT_EQ(std::system(cmd.c_str()), 0);
  LayerInfo second = snapshot_directory(store, second_upper);
  EXPECT_EQ(first.diff_id, second.diff_id);
  EXPECT_FALSE(path_exists(second_upper));
  EXPECT_EQ(store.list_layers().size(), 1u);
}

TEST_F(SnapshotTest, KeepDirectoryCopiesInstead) {
  Store store(root_ + "/store");
  std::string upper = make_upper("running");
  SnapshotOptions options;
  options.keep_directory = true;
  LayerInfo info = snapshot_directory(store, upper, options);
  EXPECT_TRUE(path_exists(upper + "/etc/motd"));
  EXPECT_EQ(read_file(store.layer_diff_path(info.diff_id) + "/etc/motd"), "hello\n");
}

TEST_F(SnapshotTest, SourceDateEpochGivesReproducibleDiffIds) {
  Store store(root_ + "/store");
  SnapshotOptions options;
  options.source_date_epoch = 1700000000;
  options.keep_directory = true;
  std::string a = make_upper("a");
  LayerInfo first = snapshot_directory(store, a, options);
  ::sleep(1);
  std::string b = make_upper("b");
  LayerInfo second = snapshot_directory(store, b, options);
  EXPECT_EQ(first.diff_id, second.diff_id);
}

}  // namespace
}  // namespace layerfs
