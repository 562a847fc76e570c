#include "util/sha256.h"

#include <gtest/gtest.h>

#include "util/error.h"
#include "util/fs.h"

namespace layerfs {
namespace {

TEST(Sha256, KnownVectors) {
  EXPECT_EQ(sha256_hex(""), "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
  EXPECT_EQ(sha256_digest("abc"),
            "sha256:ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
}

TEST(Sha256, StreamingEqualsOneShot) {
  std::string data(100000, 'x');
  Sha256 hasher;
  for (size_t i = 0; i < data.size(); i += 777) hasher.update(data.substr(i, 777));
  EXPECT_EQ(hasher.finish_hex(), sha256_hex(data));
}

TEST(Sha256, FileHash) {
  char tmpl[] = "/tmp/layerfs-sha-XXXXXX";
  std::string dir = ::mkdtemp(tmpl);
  write_file_atomic(dir + "/f", "abc");
  EXPECT_EQ(sha256_file_hex(dir + "/f"),
            "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
  remove_tree(dir);
}

TEST(Sha256, DigestValidation) {
  std::string hex(64, 'a');
  EXPECT_EQ(digest_hex("sha256:" + hex), hex);
  EXPECT_THROW(digest_hex(hex), UserError);
  EXPECT_THROW(digest_hex("sha256:" + std::string(63, 'a')), UserError);
  EXPECT_THROW(digest_hex("sha256:" + std::string(64, 'A')), UserError);
  EXPECT_THROW(digest_hex("md5:" + hex), UserError);
  EXPECT_TRUE(is_hex64(hex));
  EXPECT_FALSE(is_hex64(hex + "a"));
}

}  // namespace
}  // namespace layerfs
