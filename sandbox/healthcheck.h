// HEALTHCHECK while a container runs: docker's probe loop and State.Health record.
#pragma once

#include <chrono>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

#include "sandbox/container.h"
#include "util/unique_fd.h"

namespace layerfs::sandbox {

// Config.Healthcheck (docker's JSON: Test, Interval, Timeout, StartPeriod, StartInterval in
// nanoseconds, Retries) with docker's defaults filled in.
struct HealthConfig {
  std::vector<std::string> argv;  // the probe: CMD's words, or /bin/sh -c for CMD-SHELL
  std::chrono::nanoseconds interval{std::chrono::seconds(30)};
  std::chrono::nanoseconds timeout{std::chrono::seconds(30)};
  std::chrono::nanoseconds start_period{0};
  std::chrono::nanoseconds start_interval{std::chrono::seconds(5)};
  int retries = 3;
};

// Null for no healthcheck (none configured, or Test ["NONE"]).
std::optional<HealthConfig> health_config(const nlohmann::ordered_json& healthcheck);

// One probe's outcome folded into State.Health as docker does: healthy on success; failures
// count once the start period is over (or it was healthy once), unhealthy after `retries` in a
// row; the log keeps the last five results (output cut to 4096 bytes).
void record_probe(nlohmann::ordered_json& health, const HealthConfig& config, bool in_start_period,
                  const std::string& start, const std::string& end, int exit_code,
                  const std::string& output);

// The probes of one container, in a process of their own that the supervisor forks before it
// unshares the pid namespace (a process that has cannot start threads or stay outside it).
class HealthMonitor {
 public:
  HealthMonitor(Container container, HealthConfig config);
  // Stops the probes (a probe under way is cut short) and waits for the process.
  ~HealthMonitor();
  HealthMonitor(const HealthMonitor&) = delete;
  HealthMonitor& operator=(const HealthMonitor&) = delete;

  // The container's pid 1 runs: probing starts.
  void start(pid_t init_pid);

 private:
  pid_t process_ = -1;
  UniqueFd go_;  // we write the pid of pid 1 here; closing it stops the probes
};

}  // namespace layerfs::sandbox
