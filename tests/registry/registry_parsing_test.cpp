// Parsing of what registries and config files send us: challenges, manifests, platforms, errors,
// Link headers, config.json.
#include <gtest/gtest.h>

#include "registry/auth_challenge.h"
#include "registry/client.h"
#include "registry/manifest.h"
#include "registry/registry_config.h"
#include "util/base64.h"
#include "util/error.h"

namespace layerfs::registry {
namespace {

TEST(AuthChallenge, ParsesBearerWithQuotedParameters) {
  auto cs = parse_auth_challenges(
      R"(Bearer realm="https://auth.docker.io/token",service="registry.docker.io",scope="repository:library/busybox:pull,push")");
  ASSERT_EQ(cs.size(), 1u);
  EXPECT_EQ(cs[0].scheme, "bearer");
  EXPECT_EQ(cs[0].param("realm"), "https://auth.docker.io/token");
  EXPECT_EQ(cs[0].param("service"), "registry.docker.io");
  EXPECT_EQ(cs[0].param("scope"), "repository:library/busybox:pull,push");
}

TEST(AuthChallenge, ParsesSeveralChallengesAndPrefersBearer) {
  auto cs = parse_auth_challenges(R"(Basic realm="x", Bearer realm="http://t/token",service=s)");
  ASSERT_EQ(cs.size(), 2u);
  EXPECT_EQ(cs[0].scheme, "basic");
  EXPECT_EQ(cs[1].param("service"), "s");
  auto best = preferred_challenge({R"(Basic realm="Registry Realm")", R"(Bearer realm="r")"});
  ASSERT_TRUE(best);
  EXPECT_EQ(best->scheme, "bearer");
  auto basic = preferred_challenge({R"(Basic realm="a \"quoted\" realm")"});
  ASSERT_TRUE(basic);
  EXPECT_EQ(basic->param("realm"), R"(a "quoted" realm)");
  EXPECT_FALSE(preferred_challenge({"Negotiate"}));
}

TEST(Manifest, PicksThePlatformFromAnIndex) {
  std::string digest_a = "sha256:" + std::string(64, 'a'),
              digest_b = "sha256:" + std::string(64, 'b');
  std::string index =
      R"({"schemaVersion":2,"mediaType":"application/vnd.oci.image.index.v1+json",
    "manifests":[{"digest":")" +
      digest_a + R"(","size":1,"platform":{"os":"linux","architecture":"arm64","variant":"v8"}},
                 {"digest":")" +
      digest_b + R"(","size":2,"platform":{"os":"linux","architecture":"amd64"}}]})";
  auto doc = parse_manifest(index, "", "test");
  ASSERT_TRUE(doc.is_index());
  EXPECT_EQ(select_platform(doc, Platform{}).digest, digest_b);
  EXPECT_EQ(select_platform(doc, parse_platform("linux/arm64")).digest, digest_a);
  EXPECT_EQ(select_platform(doc, parse_platform("linux/arm64/v8")).digest, digest_a);
  EXPECT_THROW(select_platform(doc, parse_platform("linux/s390x")), UserError);
  EXPECT_THROW(parse_platform("amd64"), UserError);
}

TEST(Manifest, RefusesSchema1AndBadDigests) {
  EXPECT_THROW(parse_manifest(R"({"schemaVersion":1,"fsLayers":[]})", "", "t"), UserError);
  auto doc = parse_manifest(R"({"schemaVersion":2,"config":{"digest":"sha256:abc"},"layers":[]})",
                            "application/vnd.oci.image.manifest.v1+json", "t");
  EXPECT_FALSE(doc.is_index());
  EXPECT_THROW(config_of(doc, "t"), UserError);
}

TEST(RegistryErrors, DescribesTheRegistrysErrorList) {
  HttpResponse r;
  r.status = 404;
  r.body = R"({"errors":[{"code":"MANIFEST_UNKNOWN","message":"manifest unknown","detail":{}}]})";
  EXPECT_EQ(describe_error(r), "manifest unknown: manifest unknown");
  r.body = "";
  r.status = 401;
  EXPECT_EQ(describe_error(r), "unauthorized: authentication required");
  r.status = 502;
  EXPECT_EQ(describe_error(r), "HTTP 502");
}

TEST(RegistryErrors, FollowsLinkHeaders) {
  HttpResponse r;
  r.headers = {{"link", R"(</v2/_catalog?last=b&n=2>; rel="next")"}};
  EXPECT_EQ(next_link(r), "/v2/_catalog?last=b&n=2");
  r.headers.clear();
  EXPECT_EQ(next_link(r), "");
}

TEST(RegistryConfig, ReadsMirrorsAndInsecureRegistries) {
  auto c = RegistryConfig::parse(
      R"({"registry-mirrors":["mirror.example:5000/"],"insecure-registries":["127.0.0.1:5001","10.0.0.0/8"]})",
      "config.json");
  ASSERT_EQ(c.mirrors.size(), 1u);
  EXPECT_EQ(c.mirrors[0], "https://mirror.example:5000");
  EXPECT_TRUE(c.is_insecure("127.0.0.1:5001"));
  EXPECT_FALSE(c.is_insecure("127.0.0.1:5002"));
  EXPECT_TRUE(c.is_insecure("10.1.2.3:443"));
  EXPECT_FALSE(c.is_insecure("11.1.2.3"));
  auto hub = endpoints_for(c, "docker.io", true);
  ASSERT_EQ(hub.size(), 2u);
  EXPECT_TRUE(hub[0].mirror);
  EXPECT_EQ(hub[1].base_url, "https://registry-1.docker.io");
  EXPECT_EQ(endpoints_for(c, "docker.io", false).size(), 1u);  // pushes never go to mirrors
  auto insecure = endpoints_for(c, "127.0.0.1:5001", true);
  ASSERT_EQ(insecure.size(), 1u);
  EXPECT_FALSE(insecure[0].tls.verify);
  EXPECT_THROW(RegistryConfig::parse(R"({"insecure-registries":"x"})", "c"), UserError);
}

TEST(Base64, RoundTripsAllLengths) {
  EXPECT_EQ(base64_encode("user:pass"), "dXNlcjpwYXNz");
  EXPECT_EQ(base64_encode("a"), "YQ==");
  EXPECT_EQ(base64url_encode("\xfb\xff"), "-_8");
  std::string all;
  for (int i = 0; i < 256; ++i) {
    all += char(i);
    EXPECT_EQ(base64_decode(base64_encode(all)), all);
  }
  EXPECT_THROW(base64_decode("a b"), UserError);
}

}  // namespace
}  // namespace layerfs::registry
