// Running a helper program (fusermount3, newuidmap, ...) and waiting for it.
#pragma once

#include <string>
#include <vector>

namespace layerfs {

// Runs argv (argv[0] looked up in PATH) with our stdio and environment and waits for it.
// Returns its exit status, 128+N when signal N ended it, and 127 when it could not be executed.
// Throws SysError when no process could be created.
int run_and_wait(const std::vector<std::string>& argv);
// Runs every command at once (independent helpers, such as newuidmap and newgidmap) and waits
// for all; returns their statuses in order, as run_and_wait would.
std::vector<int> run_all_and_wait(const std::vector<std::vector<std::string>>& commands);

struct ProgramOutput {
  int status = 0;      // as run_and_wait
  std::string output;  // what it wrote to stdout (stderr stays ours)
};

// Runs argv with `input` on its stdin and collects its stdout (credential helpers and the like:
// small inputs and outputs). Throws SysError when no process could be created.
ProgramOutput run_with_input(const std::vector<std::string>& argv, const std::string& input);

}  // namespace layerfs
