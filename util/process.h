// Running a helper program (fusermount3, newuidmap, ...) and waiting for it.
#pragma once

#include <string>
#include <vector>

namespace layerfs {

// Runs argv (argv[0] looked up in PATH) with our stdio and environment and waits for it.
// Returns its exit status, 128+N when signal N ended it, and 127 when it could not be executed.
// Throws SysError when no process could be created.
int run_and_wait(const std::vector<std::string>& argv);

}  // namespace layerfs
