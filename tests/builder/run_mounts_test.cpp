#include "builder/run_mounts.h"

#include <gtest/gtest.h>

#include "util/error.h"

namespace layerfs::builder {
namespace {

Instruction run_with(std::vector<std::string> flags) {
  Instruction instruction;
  instruction.command = "run";
  instruction.flags = std::move(flags);
  return instruction;
}

TEST(RunMounts, BuildKitsForms) {
  auto mounts = parse_run_mounts(run_with({"--mount=type=cache,target=/root/.cache,mode=0700",
                                           "--mount=source=src,dst=/src,rw", "--network=none",
                                           "--mount=type=tmpfs,target=/tmp,size=64m"}));
  ASSERT_EQ(mounts.size(), 3u);
  EXPECT_EQ(mounts[0].type, RunMount::Type::Cache);
  EXPECT_EQ(mounts[0].id, "/root/.cache");
  EXPECT_EQ(mounts[0].mode, 0700u);
  EXPECT_FALSE(mounts[0].read_only);
  EXPECT_EQ(mounts[1].type, RunMount::Type::Bind);
  EXPECT_EQ(mounts[1].source, "src");
  EXPECT_FALSE(mounts[1].read_only);
  EXPECT_EQ(mounts[2].type, RunMount::Type::Tmpfs);
  EXPECT_EQ(mounts[2].size, "64m");
}

TEST(RunMounts, BindsAreReadOnlyUnlessRw) {
  auto mounts = parse_run_mounts(run_with({"--mount=type=bind,target=/ctx"}));
  ASSERT_EQ(mounts.size(), 1u);
  EXPECT_TRUE(mounts[0].read_only);
  EXPECT_EQ(mounts[0].source, "");
}

TEST(RunMounts, RefusesWhatItCannotDo) {
  for (const char* flag :
       {"--mount=type=secret,id=token", "--mount=type=ssh",
        "--mount=type=bind,from=build,target=/x", "--mount=type=cache", "--mount=target=relative",
        "--mount=type=cache,target=/x,mode=9", "--mount=type=tmpfs,target=/x,source=y",
        "--mount=type=bind,target=/x,bogus=1"})
    EXPECT_THROW(parse_run_mounts(run_with({flag})), UserError) << flag;
}

}  // namespace
}  // namespace layerfs::builder
