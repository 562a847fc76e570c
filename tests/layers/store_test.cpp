#include "layers/store.h"

#include <fcntl.h>
#include <gtest/gtest.h>
#include <sys/wait.h>
#include <unistd.h>

#include "layers/image.h"
#include "layers/image_index.h"
#include "layers/new_image.h"
#include "util/error.h"
#include "util/sha256.h"

namespace layerfs {
namespace {

class StoreTest : public ::testing::Test {
 protected:
  void SetUp() override {
    char tmpl[] = "/tmp/layerfs-store-test-XXXXXX";
    root_ = ::mkdtemp(tmpl);
  }
  void TearDown() override { remove_tree(root_); }
  std::string root_;
};

TEST_F(StoreTest, BlobsAreContentAddressedAndVerified) {
  Store store(root_);
  std::string digest = store.write_blob("hello");
  EXPECT_EQ(digest, sha256_digest("hello"));
  EXPECT_EQ(store.read_blob(digest), "hello");
  EXPECT_EQ(store.write_blob("hello"), digest);  // idempotent
  // A corrupted blob is refused on read.
  ::chmod(store.blob_path(digest).c_str(), 0644);
  write_file_atomic(store.blob_path(digest), "tampered");
  EXPECT_THROW(store.read_blob(digest), UserError);
}

TEST_F(StoreTest, StagingGarbageIsCollectedButLiveStagingIsKept) {
  Store store(root_);
  make_dirs(store.tmp_dir() + "/left-by-a-killed-command", 0755);
  write_file_atomic(store.tmp_dir() + "/left-by-a-killed-command/blob", "x");
  StagingDir live(store.tmp_dir(), "live-");
  // Another process (a child: flock is per open file description) collects garbage.
  pid_t pid = ::fork();
  if (pid == 0) {
    Store other(root_);
    auto lock = other.lock_for_writing();
    ::_exit(0);
  }
  int status = 0;
  ::waitpid(pid, &status, 0);
  ASSERT_TRUE(WIFEXITED(status));
  EXPECT_FALSE(path_exists(store.tmp_dir() + "/left-by-a-killed-command"));
  EXPECT_TRUE(path_exists(live.path()));
}

TEST_F(StoreTest, HalfAdoptedLayerIsInvisibleAndReplaced) {
  Store store(root_);
  std::string diff_id = sha256_digest("layer");
  make_dirs(store.layer_path(diff_id) + "/diff", 0755);  // a crash before info.json
  EXPECT_FALSE(store.has_layer(diff_id));
  StagingDir staging(store.tmp_dir(), "layer-");
  make_dirs(staging.path() + "/layer/diff", 0755);
  write_file_atomic(staging.path() + "/layer/diff/file", "content");
  LayerInfo info;
  info.diff_id = diff_id;
  info.blob_digest = diff_id;
  EXPECT_TRUE(store.adopt_layer(staging.path() + "/layer", info));
  EXPECT_TRUE(store.has_layer(diff_id));
  EXPECT_EQ(read_file(store.layer_diff_path(diff_id) + "/file"), "content");
  EXPECT_EQ(store.read_layer_info(diff_id).diff_id, diff_id);
}

TEST_F(StoreTest, RegisteredImageResolvesByNameAndIdPrefix) {
  Store store(root_);
  auto lock = store.lock_for_writing();
  ImageIndex index = ImageIndex::load(store);
  NewImage image;
  image.config = {{"architecture", "amd64"},
                  {"os", "linux"},
                  {"rootfs", {{"type", "layers"}, {"diff_ids", nlohmann::json::array()}}}};
  image.tags = {"docker.io/library/empty:latest"};
  std::string id = register_image(store, index, image);
  EXPECT_EQ(id, sha256_digest(image.config.dump()));

  ImageIndex reloaded = ImageIndex::load(store);
  EXPECT_EQ(resolve_image(reloaded, "empty"), id);
  EXPECT_EQ(resolve_image(reloaded, "empty:latest"), id);
  EXPECT_EQ(resolve_image(reloaded, "docker.io/library/empty"), id);
  EXPECT_EQ(resolve_image(reloaded, id.substr(7, 12)), id);
  EXPECT_EQ(resolve_image(reloaded, id), id);
  EXPECT_THROW(resolve_image(reloaded, "empty:other"), UserError);
  EXPECT_THROW(resolve_image(reloaded, "ffffffffffff"), UserError);
  Image loaded = load_image(store, reloaded, id);
  EXPECT_EQ(loaded.tags, std::vector<std::string>{"docker.io/library/empty:latest"});
  EXPECT_EQ(loaded.manifest["config"]["digest"], id);
}

TEST_F(StoreTest, CorruptIndexIsReportedNotIgnored) {
  Store store(root_);
  write_file_atomic(store.refs_path(), "{not json");
  EXPECT_THROW(ImageIndex::load(store), UserError);
}

}  // namespace
}  // namespace layerfs
