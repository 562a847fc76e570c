#include "layers/reference.h"

#include <gtest/gtest.h>

#include "util/error.h"

namespace layerfs {
namespace {

struct Case {
  const char* input;
  const char* canonical;
  const char* familiar;
};

TEST(Reference, NormalizesLikeDocker) {
  const Case cases[] = {
      {"busybox", "docker.io/library/busybox:latest", "busybox:latest"},
      {"busybox:1.36", "docker.io/library/busybox:1.36", "busybox:1.36"},
      {"library/busybox", "docker.io/library/busybox:latest", "busybox:latest"},
      {"docker.io/busybox", "docker.io/library/busybox:latest", "busybox:latest"},
      {"index.docker.io/busybox", "index.docker.io/busybox:latest",
       "index.docker.io/busybox:latest"},
      {"team/app:v2", "docker.io/team/app:v2", "team/app:v2"},
      {"127.0.0.1:5000/nginx:v3", "127.0.0.1:5000/nginx:v3", "127.0.0.1:5000/nginx:v3"},
      {"localhost/app", "localhost/app:latest", "localhost/app:latest"},
      {"localhost:5000/a/b/c", "localhost:5000/a/b/c:latest", "localhost:5000/a/b/c:latest"},
      {"registry.example.com/a-b/c_d.e:tag-1.0", "registry.example.com/a-b/c_d.e:tag-1.0",
       "registry.example.com/a-b/c_d.e:tag-1.0"},
      {"a__b/c---d", "docker.io/a__b/c---d:latest", "a__b/c---d:latest"},
  };
  for (const auto& c : cases) {
    SCOPED_TRACE(c.input);
    Reference ref = parse_reference(c.input);
    EXPECT_EQ(ref.canonical(), c.canonical);
    EXPECT_EQ(ref.familiar(), c.familiar);
  }
}

TEST(Reference, DigestReferencesHaveNoDefaultTag) {
  std::string digest = "sha256:" + std::string(64, 'a');
  Reference ref = parse_reference("busybox@" + digest);
  EXPECT_EQ(ref.tag, "");
  EXPECT_EQ(ref.digest, digest);
  EXPECT_EQ(ref.canonical(), "docker.io/library/busybox@" + digest);
  Reference both = parse_reference("busybox:1@" + digest);
  EXPECT_EQ(both.familiar(), "busybox:1@" + digest);
}

TEST(Reference, RejectsMalformedNames) {
  for (const char* bad : {"", "no such//ref:", "Busybox", "a//b", "-a", "a-", "a:", "a:-tag",
                          "a@sha256:123", "a@md5:", ":tag", "/a", "a/", "a..b", "host:port/x"}) {
    SCOPED_TRACE(bad);
    EXPECT_THROW(parse_reference(bad), UserError);
  }
}

TEST(Reference, ErrorNamesTheInput) {
  try {
    parse_reference("no such//ref:");
    FAIL();
  } catch (const UserError& e) {
    EXPECT_NE(std::string(e.what()).find("no such//ref:"), std::string::npos);
  }
}

TEST(Reference, UppercaseRepositoryMessage) {
  try {
    parse_reference("library/Busybox");
    FAIL();
  } catch (const UserError& e) {
    EXPECT_NE(std::string(e.what()).find("must be lowercase"), std::string::npos);
  }
}

TEST(Reference, IdPrefixes) {
  EXPECT_TRUE(looks_like_id_prefix("abc123"));
  EXPECT_TRUE(looks_like_id_prefix("sha256:abc"));
  EXPECT_FALSE(looks_like_id_prefix("busybox"));
  EXPECT_FALSE(looks_like_id_prefix(std::string(65, 'a')));
}

}  // namespace
}  // namespace layerfs
