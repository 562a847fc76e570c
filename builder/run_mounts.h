// RUN --mount=type=cache|bind|tmpfs: BuildKit's mount flags, parsed.
#pragma once

#include <sys/types.h>

#include <string>
#include <vector>

#include "builder/dockerfile.h"

namespace layerfs::builder {

struct RunMount {
  enum class Type { Bind, Cache, Tmpfs } type = Type::Bind;
  std::string target;     // absolute path in the container
  std::string source;     // bind: a path in the build context (default its root)
  std::string id;         // cache: which cache (default the target)
  bool read_only = true;  // bind: unless rw; cache: unless readonly
  mode_t mode = 0755;     // cache: of a new cache directory
  std::string size;       // tmpfs: size= option ("64m"), empty for the kernel's default
};

// Every --mount flag of a RUN instruction. Throws UserError naming the flag for a type we do not
// support (secret, ssh), an unknown key, from= (stages and images as bind sources), or no target.
std::vector<RunMount> parse_run_mounts(const Instruction& instruction);

}  // namespace layerfs::builder
