#include "util/process.h"

#include <gtest/gtest.h>

namespace layerfs {
namespace {

TEST(RunAndWait, ReturnsTheExitStatus) {
  EXPECT_EQ(run_and_wait({"true"}), 0);
  EXPECT_EQ(run_and_wait({"sh", "-c", "exit 7"}), 7);
}

TEST(RunAndWait, ReportsADeathBySignalAs128PlusN) {
  EXPECT_EQ(run_and_wait({"sh", "-c", "kill -TERM $$"}), 128 + 15);
}

TEST(RunAndWait, AProgramThatCannotBeFoundIs127) {
  EXPECT_EQ(run_and_wait({"layerfs-no-such-program-anywhere"}), 127);
}

TEST(RunWithInput, FeedsStdinAndCollectsStdout) {
  auto result = run_with_input({"sh", "-c", "tr a-z A-Z; exit 4"}, "hello\n");
  EXPECT_EQ(result.output, "HELLO\n");
  EXPECT_EQ(result.status, 4);
  EXPECT_EQ(run_with_input({"layerfs-no-such-program-anywhere"}, "").status, 127);
}

}  // namespace
}  // namespace layerfs
