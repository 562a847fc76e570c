// auth.json: docker's `auths` shape, mode 0600, one entry per registry, docker's file as fallback.
#include "registry/credentials.h"

#include <gtest/gtest.h>
#include <sys/stat.h>

#include <cstdlib>
#include <nlohmann/json.hpp>

#include "util/error.h"
#include "util/fs.h"

namespace layerfs::registry {
namespace {

class CredentialsTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = make_temp_dir("/tmp", "layerfs-creds-");
    file_ = dir_ + "/sub/auth.json";
  }
  void TearDown() override { remove_tree(dir_); }
  std::string dir_, file_;
};

TEST_F(CredentialsTest, StoresInDockersShapeWithMode0600) {
  store_credentials(file_, "127.0.0.1:5000", {"alice", "pa:ss"});
  struct stat st;
  ASSERT_EQ(::stat(file_.c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0600u);
  auto doc = nlohmann::json::parse(read_file(file_));
  EXPECT_EQ(doc["auths"]["127.0.0.1:5000"]["auth"], "YWxpY2U6cGE6c3M=");
  auto found = find_credentials_in(file_, "127.0.0.1:5000");
  ASSERT_TRUE(found);
  EXPECT_EQ(found->username, "alice");
  EXPECT_EQ(found->password, "pa:ss");
  EXPECT_FALSE(find_credentials_in(file_, "127.0.0.1:5001"));
}

TEST_F(CredentialsTest, DockerHubHasOneEntryUnderAnySpelling) {
  store_credentials(file_, "docker.io", {"a", "1"});
  store_credentials(file_, "index.docker.io", {"b", "2"});
  auto doc = nlohmann::json::parse(read_file(file_));
  EXPECT_EQ(doc["auths"].size(), 1u);
  EXPECT_TRUE(doc["auths"].contains("https://index.docker.io/v1/"));
  EXPECT_EQ(find_credentials_in(file_, "docker.io")->username, "b");
  EXPECT_TRUE(remove_credentials(file_, "https://index.docker.io/v1/"));
  EXPECT_FALSE(remove_credentials(file_, "docker.io"));
  EXPECT_FALSE(find_credentials_in(file_, "docker.io"));
}

TEST_F(CredentialsTest, KeepsOtherKeysAndReadsDockerConfigAsFallback) {
  make_dirs(dir_ + "/docker");
  write_file_atomic(
      dir_ + "/docker/config.json",
      R"({"auths":{"https://reg.example:5000/v2/":{"auth":"Ym9iOnNlY3JldA=="}},"psFormat":"x"})");
  setenv("DOCKER_CONFIG", (dir_ + "/docker").c_str(), 1);
  setenv("XDG_CONFIG_HOME", (dir_ + "/xdg").c_str(), 1);
  auto found = find_credentials("reg.example:5000");
  ASSERT_TRUE(found);
  EXPECT_EQ(found->username, "bob");
  // Ours wins once it has an entry.
  store_credentials(auth_file_path(), "reg.example:5000", {"carol", "x"});
  EXPECT_EQ(find_credentials("reg.example:5000")->username, "carol");
  EXPECT_EQ(auth_file_path(), dir_ + "/xdg/layerfs/auth.json");
  unsetenv("DOCKER_CONFIG");
  unsetenv("XDG_CONFIG_HOME");
}

// A docker-credential-NAME on PATH that answers for one server and logs what it was asked.
void write_helper(const std::string& dir, const std::string& name, const std::string& server) {
  std::string path = dir + "/bin/docker-credential-" + name;
  make_dirs(dir + "/bin");
  write_file_atomic(path,
                    "#!/bin/sh\n"
                    "read server\n"
                    "echo \"$1 $server\" >> " +
                        dir +
                        "/asked\n"
                        "[ \"$server\" = \"" +
                        server +
                        "\" ] || { echo 'credentials not found in native keychain'; exit 1; }\n"
                        "echo '{\"ServerURL\":\"'$server'\",\"Username\":\"" +
                        name + "-user\",\"Secret\":\"s3cret\"}'\n");
  ::chmod(path.c_str(), 0755);
}

TEST_F(CredentialsTest, CredentialHelpersComeFirstAsInDocker) {
  write_helper(dir_, "pass", "reg.example:5000");
  write_helper(dir_, "store", "other.example");
  std::string path = std::getenv("PATH");
  setenv("PATH", (dir_ + "/bin:" + path).c_str(), 1);
  make_dirs(dir_ + "/sub");
  write_file_atomic(file_, R"({"credHelpers":{"reg.example:5000":"pass"},"credsStore":"store",)"
                           R"("auths":{"third.example":{"auth":"Ym9iOnNlY3JldA=="}}})");
  auto helper = find_credentials_in(file_, "reg.example:5000");
  ASSERT_TRUE(helper);
  EXPECT_EQ(helper->username, "pass-user");
  EXPECT_EQ(helper->password, "s3cret");
  auto store = find_credentials_in(file_, "other.example");
  ASSERT_TRUE(store);
  EXPECT_EQ(store->username, "store-user");
  // The store knows nothing of third.example: the auths entry answers.
  EXPECT_EQ(find_credentials_in(file_, "third.example")->username, "bob");
  EXPECT_EQ(read_file(dir_ + "/asked"),
            "get reg.example:5000\nget other.example\nget third.example\n");
  write_file_atomic(file_, R"({"credsStore":"missing"})");
  EXPECT_THROW(find_credentials_in(file_, "reg.example:5000"), UserError);
  setenv("PATH", path.c_str(), 1);
}

}  // namespace
}  // namespace layerfs::registry
