#include "builder/run_heredoc.h"

#include <gtest/gtest.h>

namespace layerfs::builder {
namespace {

const std::vector<std::string> kShell = {"/bin/sh", "-c"};

Heredoc heredoc(const std::string& name, const std::string& content, bool chomp = false) {
  return Heredoc{name, 0, true, chomp, content};
}

TEST(RunHeredoc, AnOnlyHeredocIsTheScript) {
  auto run = heredoc_command(kShell, "<<EOF", {heredoc("EOF", "echo a\necho b\n")});
  EXPECT_EQ(run.argv, (std::vector<std::string>{"/bin/sh", "-c", "echo a\necho b\n"}));
  EXPECT_TRUE(run.script.empty());
}

TEST(RunHeredoc, DashRemovesLeadingTabs) {
  auto run = heredoc_command(kShell, "<<-'END'", {heredoc("END", "\t\techo a\n", true)});
  EXPECT_EQ(run.argv.back(), "echo a\n");
}

TEST(RunHeredoc, AShebangScriptRunsWithItsInterpreter) {
  auto run =
      heredoc_command(kShell, "<<EOF", {heredoc("EOF", "#!/usr/bin/env python3\nprint(1)\n")});
  EXPECT_EQ(run.argv, (std::vector<std::string>{"/usr/bin/env", "python3", kHeredocScriptPath}));
  EXPECT_EQ(run.script, "#!/usr/bin/env python3\nprint(1)\n");
}

TEST(RunHeredoc, OtherwiseTheShellReadsThemWithTheCommand) {
  auto run = heredoc_command(kShell, "cat <<A >/a && cat <<B >/b",
                             {heredoc("A", "first\n"), heredoc("B", "second\n")});
  EXPECT_EQ(run.argv, (std::vector<std::string>{
                          "/bin/sh", "-c", "cat <<A >/a && cat <<B >/b\nfirst\nA\nsecond\nB\n"}));
}

}  // namespace
}  // namespace layerfs::builder
