// `run`, `create` and `start`: a container record made from an image and docker's run options,
// and its start in the sandbox (attached, or detached with a supervisor that logs).
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "layers/store.h"
#include "sandbox/container.h"

namespace layerfs::sandbox {

struct RunOptions {
  std::string image;                      // as the user typed it
  std::vector<std::string> command;       // replaces the image's CMD when given
  std::optional<std::string> entrypoint;  // --entrypoint ("" resets the image's)
  std::vector<std::string> env;           // -e K=V or K (taken from our environment)
  std::vector<std::string> env_files;     // --env-file
  std::string workdir, user, name, hostname;
  std::string network = "host";      // host | none | private (implied by publishing)
  std::vector<std::string> publish;  // -p specs (sandbox/port_mapping.h)
  bool publish_all = false;          // -P: every EXPOSEd port to a free host port
  // --health-*: override the image's HEALTHCHECK (durations in Go's syntax); --no-healthcheck.
  std::string health_cmd, health_interval, health_timeout, health_start_period;
  int health_retries = 0;
  bool no_healthcheck = false;
  std::vector<std::string> volumes;  // -v SRC:DST[:ro|rw]
  bool read_only = false, auto_remove = false, interactive = false, tty = false;
  bool command_optional = false;  // a container made to be mounted, not run
};

// Creates containers/<id>/ (status "created"); throws UserError for a missing image, a name in
// use, bad options, or no command.
Container create_container(const Store& store, const RunOptions& options);

// Starts a created or exited container. Attached: stdio is ours, returns the exit status.
// Detached: output goes to containers/<id>/log, returns 0 once the command runs. Throws
// StartError when the command cannot start.
int start_container(const Store& store, const std::string& id, bool detach);

}  // namespace layerfs::sandbox
