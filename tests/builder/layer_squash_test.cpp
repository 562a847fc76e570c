#include "builder/layer_squash.h"

#include <gtest/gtest.h>
#include <sys/stat.h>

#include <cstdlib>

#include "util/fs.h"

namespace layerfs::builder {
namespace {

class LayerSquashTest : public ::testing::Test {
 protected:
  void SetUp() override {
    char tmpl[] = "/tmp/layer-squash-test.XXXXXX";
    root_ = ::mkdtemp(tmpl);
    for (const char* dir : {"/base", "/one", "/two", "/three", "/out"}) make_dirs(root_ + dir);
  }
  void TearDown() override { remove_tree(root_); }

  void put(const std::string& layer, const std::string& path, const std::string& content = "x") {
    std::string full = root_ + "/" + layer + path;
    make_dirs(dirname_of(full));
    write_file_atomic(full, content);
  }
  bool has(const std::string& path) const { return path_exists(root_ + "/out" + path); }
  void squash(const std::vector<std::string>& layers) {
    std::vector<std::string> dirs;
    for (const auto& layer : layers) dirs.push_back(root_ + "/" + layer);
    squash_layers(dirs, ImageView({root_ + "/base"}), root_ + "/out");
  }

  std::string root_;
};

TEST_F(LayerSquashTest, LaterLayersWinAndWhiteoutsRemoveEarlierFiles) {
  put("base", "/etc/config", "base");
  put("one", "/app/a", "first");
  put("one", "/app/tmp/t");
  put("one", "/scratch");
  put("two", "/app/a", "second");
  put("two", "/app/.wh.tmp", "");
  put("two", "/.wh.scratch", "");
  put("two", "/etc/.wh.config", "");
  squash({"one", "two"});
  EXPECT_EQ(read_file(root_ + "/out/app/a"), "second");
  EXPECT_FALSE(has("/app/tmp"));
  EXPECT_FALSE(has("/app/.wh.tmp")) << "nothing in the base to hide";
  EXPECT_FALSE(has("/scratch"));
  EXPECT_FALSE(has("/.wh.scratch"));
  EXPECT_TRUE(has("/etc/.wh.config")) << "a base file's whiteout survives";
}

TEST_F(LayerSquashTest, OpaqueAndReplacedDirectoriesHideOnlyWhatTheBaseHas) {
  put("base", "/usr/lib/old");
  put("one", "/usr/lib/added");
  put("one", "/data/kept");
  put("two", "/usr/lib/.wh..wh..opq", "");
  put("two", "/usr/lib/new");
  put("two", "/.wh.data", "");
  put("three", "/data/fresh");
  squash({"one", "two", "three"});
  EXPECT_TRUE(has("/usr/lib/.wh..wh..opq"));
  EXPECT_TRUE(has("/usr/lib/new"));
  EXPECT_FALSE(has("/usr/lib/added")) << "an opaque directory hides earlier added layers";
  EXPECT_TRUE(has("/data/fresh"));
  EXPECT_FALSE(has("/data/kept"));
  EXPECT_FALSE(has("/.wh.data"));
  EXPECT_FALSE(has("/data/.wh..wh..opq")) << "no base /data to hide";
}

TEST_F(LayerSquashTest, ADirectoryOverADeletedBaseDirectoryIsOpaque) {
  put("base", "/srv/old");
  put("one", "/.wh.srv", "");
  put("two", "/srv/new");
  squash({"one", "two"});
  EXPECT_TRUE(has("/srv/.wh..wh..opq"));
  EXPECT_TRUE(has("/srv/new"));
  EXPECT_FALSE(has("/.wh.srv"));
}

TEST_F(LayerSquashTest, FilesAreLinkedAndDirectoriesKeepTheTopLayersAttributes) {
  put("one", "/d/f");
  put("two", "/d/g");
  ::chmod((root_ + "/one/d").c_str(), 0700);
  ::chmod((root_ + "/two/d").c_str(), 0750);
  squash({"one", "two"});
  struct stat linked, source, dir;
  ASSERT_EQ(::stat((root_ + "/out/d/f").c_str(), &linked), 0);
  ASSERT_EQ(::stat((root_ + "/one/d/f").c_str(), &source), 0);
  EXPECT_EQ(linked.st_ino, source.st_ino);
  ASSERT_EQ(::stat((root_ + "/out/d").c_str(), &dir), 0);
  EXPECT_EQ(dir.st_mode & 07777, 0750u);
}

TEST(SquashHistory, EntriesAfterTheBaseBecomeEmptyAndOneCarriesTheLayer) {
  nlohmann::json config = {{"history",
                            {{{"created_by", "base"}},
                             {{"created_by", "RUN a"}},
                             {{"created_by", "ENV b"}, {"empty_layer", true}}}}};
  mark_history_squashed(config, 1, "2024-01-01T00:00:00Z", "merge x to y");
  const auto& history = config["history"];
  ASSERT_EQ(history.size(), 4u);
  EXPECT_FALSE(history[0].contains("empty_layer"));
  EXPECT_TRUE(history[1]["empty_layer"].get<bool>());
  EXPECT_TRUE(history[2]["empty_layer"].get<bool>());
  EXPECT_EQ(history[3]["comment"], "merge x to y");
  EXPECT_FALSE(history[3].contains("empty_layer"));
}

}  // namespace
}  // namespace layerfs::builder
