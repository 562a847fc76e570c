// Hostile and broken layer archives: a one-line UserError naming the culprit, and nothing written
// outside the target directory.
#include <gtest/gtest.h>
#include <sys/xattr.h>

#include <filesystem>

#include "layers/archive/layer_reader.h"
#include "tests/layers/archive_test_support.h"

namespace layerfs {
namespace {

using namespace archive_test;

// target is <tmp>/box/layer; <tmp>/box/outside exists so an escape has somewhere to land.
class HostileArchive : public ::testing::Test {
 protected:
  void SetUp() override {
    box_ = tmp_.make_sub("box");
    layer_ = tmp_.make_sub("box/layer");
    outside_ = tmp_.make_sub("box/outside");
  }

  // Ingests `bytes` expecting a UserError; returns its message.
  std::string refused(const std::string& bytes) {
    UniqueFd in = fd_with(bytes);
    try {
      ingest_layer(in.get(), -1, layer_);
    } catch (const UserError& e) {
      return e.what();
    }
    ADD_FAILURE() << "archive was accepted";
    return "";
  }

  // Everything under box except the layer directory itself: must stay {outside} and empty.
  std::vector<std::string> written_outside() const {
    std::vector<std::string> found;
    for (const auto& entry : std::filesystem::recursive_directory_iterator(box_)) {
      std::string path = entry.path().string();
      if (path == layer_ || path.starts_with(layer_ + "/") || path == outside_) continue;
      found.push_back(path);
    }
    return found;
  }

  TempDir tmp_;
  std::string box_, layer_, outside_;
};

TEST_F(HostileArchive, DotDotIsRefused) {
  std::string message = refused(build_tar({file("../outside/x", "evil")}));
  EXPECT_NE(message.find("\"../outside/x\""), std::string::npos) << message;
  EXPECT_TRUE(written_outside().empty());
}

TEST_F(HostileArchive, DotDotInTheMiddleIsRefused) {
  std::string message = refused(build_tar({dir("a"), file("a/../../outside/x", "evil")}));
  EXPECT_NE(message.find("a/../../outside/x"), std::string::npos) << message;
  EXPECT_TRUE(written_outside().empty());
}

TEST_F(HostileArchive, AbsolutePathIsRefused) {
  const std::string target = outside_ + "/abs";
  std::string message = refused(build_tar({file(target, "evil")}));
  EXPECT_NE(message.find(target), std::string::npos) << message;
  EXPECT_NE(message.find("absolute"), std::string::npos) << message;
  EXPECT_FALSE(path_exists(target));
}

TEST_F(HostileArchive, WritingThroughASymlinkIsRefused) {
  std::string message = refused(build_tar({symlink("a", outside_), file("a/evil", "evil")}));
  EXPECT_NE(message.find("\"a/evil\""), std::string::npos) << message;
  EXPECT_NE(message.find("symlink"), std::string::npos) << message;
  EXPECT_TRUE(written_outside().empty());
}

TEST_F(HostileArchive, RelativeSymlinkEscapeIsRefused) {
  std::string message =
      refused(build_tar({dir("d"), symlink("d/up", "../.."), file("d/up/outside/evil", "x")}));
  EXPECT_NE(message.find("d/up/outside/evil"), std::string::npos) << message;
  EXPECT_TRUE(written_outside().empty());
}

TEST_F(HostileArchive, HardLinkOutsideIsRefused) {
  write_file_atomic(outside_ + "/secret", "secret");
  std::string message = refused(build_tar({hardlink("passwd", "../../etc/passwd")}));
  EXPECT_NE(message.find("\"passwd\""), std::string::npos) << message;
  EXPECT_NE(message.find("../../etc/passwd"), std::string::npos) << message;
  message = refused(build_tar({hardlink("secret", "/" + outside_ + "/secret")}));
  EXPECT_NE(message.find("\"secret\""), std::string::npos) << message;
  EXPECT_FALSE(path_exists(layer_ + "/passwd"));
  EXPECT_FALSE(path_exists(layer_ + "/secret"));
}

TEST_F(HostileArchive, HardLinkThroughASymlinkIsRefused) {
  write_file_atomic(outside_ + "/secret", "secret");
  std::string message =
      refused(build_tar({symlink("out", outside_), hardlink("stolen", "out/secret")}));
  EXPECT_NE(message.find("\"stolen\""), std::string::npos) << message;
  EXPECT_FALSE(path_exists(layer_ + "/stolen"));
  struct stat st;
  ASSERT_EQ(::stat((outside_ + "/secret").c_str(), &st), 0);
  EXPECT_EQ(st.st_nlink, 1u);
}

TEST_F(HostileArchive, HardLinkToASymlinkLinksTheSymlinkItself) {
  // Allowed: the new name is the symlink, nothing outside is touched or linked.
  write_file_atomic(outside_ + "/secret", "secret");
  UniqueFd in = fd_with(build_tar({symlink("out", outside_ + "/secret"), hardlink("copy", "out")}));
  ingest_layer(in.get(), -1, layer_);
  struct stat st;
  ASSERT_EQ(::lstat((layer_ + "/copy").c_str(), &st), 0);
  EXPECT_TRUE(S_ISLNK(st.st_mode));
  ASSERT_EQ(::stat((outside_ + "/secret").c_str(), &st), 0);
  EXPECT_EQ(st.st_nlink, 1u);
}

TEST_F(HostileArchive, ASymlinkReplacingADirectoryCannotRedirectLaterEntries) {
  std::string message = refused(
      build_tar({dir("etc"), file("etc/a", "1"), symlink("etc", outside_), file("etc/b", "evil")}));
  EXPECT_NE(message.find("\"etc/b\""), std::string::npos) << message;
  EXPECT_TRUE(written_outside().empty());
}

TEST_F(HostileArchive, GarbageIsRefused) {
  std::string message = refused(std::string(5000, 'x'));
  EXPECT_NE(message.find("tar"), std::string::npos) << message;
  EXPECT_EQ(message.find('\n'), std::string::npos) << "one line: " << message;
}

TEST_F(HostileArchive, EmptyInputIsRefused) { EXPECT_FALSE(refused("").empty()); }

TEST_F(HostileArchive, TruncatedGzipIsRefused) {
  std::string gz = build_tar({file("a", std::string(200000, 'a')), file("b", "b")}, "gzip");
  std::string message = refused(gz.substr(0, gz.size() / 2));
  EXPECT_FALSE(message.empty());
  EXPECT_EQ(message.find('\n'), std::string::npos) << "one line: " << message;
}

TEST_F(HostileArchive, TruncatedTarNamesTheEntry) {
  std::string tar = build_tar({file("first", "1"), file("big", std::string(100000, 'z'))});
  std::string message = refused(tar.substr(0, 50000));
  EXPECT_NE(message.find("big"), std::string::npos) << message;
}

TEST_F(HostileArchive, CorruptGzipIsRefused) {
  std::string gz = build_tar({file("a", std::string(200000, 'a'))}, "gzip");
  for (size_t i = 100; i < 200; ++i) gz[i] = static_cast<char>(gz[i] ^ 0x5a);
  EXPECT_FALSE(refused(gz).empty());
}

TEST_F(HostileArchive, DeviceOverridesInTheTarAreNotTrusted) {
  // An image xattr must not pose as the store's own ownership record.
  TarEntry sneaky = file("f", "x");
  sneaky.xattrs = {{"user.containers.override_stat", "0:0:4755:file"}};
  UniqueFd in = fd_with(build_tar({sneaky}));
  ingest_layer(in.get(), -1, layer_);
  char value[64];
  EXPECT_LT(
      ::lgetxattr((layer_ + "/f").c_str(), "user.containers.override_stat", value, sizeof value),
      0);
}

}  // namespace
}  // namespace layerfs
