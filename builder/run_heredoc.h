// RUN with heredocs, run as BuildKit runs them.
#pragma once

#include <string>
#include <vector>

#include "builder/dockerfile.h"

namespace layerfs::builder {

// Where a heredoc script with a #! line is bound in the sandbox (on /dev's tmpfs, so that it is
// never part of the layer).
inline constexpr const char* kHeredocScriptPath = "/dev/.layerfs-heredoc";

struct RunHeredoc {
  std::vector<std::string> argv;
  std::string script;  // when not empty: bound at kHeredocScriptPath (argv names it)
};

// `line` is RUN's shell-form text. A RUN that is only one heredoc runs its content: with the
// interpreter of its #! line, else as a script of `shell`. Otherwise the heredocs go to the
// shell with the command line, which feeds them where they are written (stdin, fd 3, ...).
RunHeredoc heredoc_command(const std::vector<std::string>& shell, const std::string& line,
                           const std::vector<Heredoc>& heredocs);

}  // namespace layerfs::builder
