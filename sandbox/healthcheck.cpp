#include "sandbox/healthcheck.h"

#include <fcntl.h>
#include <poll.h>
#include <spdlog/spdlog.h>
#include <sys/wait.h>
#include <unistd.h>

#include "layers/new_image.h"
#include "sandbox/container_exec.h"
#include "util/error.h"
#include "util/fs.h"
#include "util/unique_fd.h"

namespace layerfs::sandbox {

namespace {

using std::chrono::nanoseconds;

constexpr size_t kMaxOutput = 4096;
constexpr size_t kMaxLog = 5;

nanoseconds duration_or(const nlohmann::ordered_json& config, const char* key,
                        nanoseconds fallback) {
  int64_t value = config.value(key, int64_t{0});
  return value > 0 ? nanoseconds(value) : fallback;
}

// The probe's output, from an unlinked file the probe wrote (a pipe could fill up and stall it).
std::string output_of(int fd) {
  std::string text(kMaxOutput, '\0');
  ssize_t n = ::pread(fd, text.data(), text.size(), 0);
  text.resize(n > 0 ? size_t(n) : 0);
  return text;
}

// One probe, folded into the record on disk (others write it too: only State.Health changes).
void probe_once(Container& container, const HealthConfig& config, bool in_start_period) {
  UniqueFd output(::open(container.dir.c_str(), O_TMPFILE | O_RDWR | O_CLOEXEC, 0600));
  if (!output) throw_errno("open a file for the probe's output");
  ExecOptions exec;
  exec.argv = config.argv;
  exec.output_fd = output.get();
  exec.timeout = std::chrono::duration_cast<std::chrono::milliseconds>(config.timeout);
  std::string start = now_rfc3339();
  int exit_code;
  std::string text;
  try {
    exit_code = exec_in_container(container, exec);
    text = output_of(output.get());
  } catch (const std::exception& e) {
    exit_code = -1;
    text = e.what();
  }
  if (exit_code == kTimedOut) {
    exit_code = -1;
    auto seconds = std::chrono::duration_cast<std::chrono::seconds>(config.timeout).count();
    text = "Health check exceeded timeout (" + std::to_string(seconds) + "s)";
  }
  std::string end = now_rfc3339();
  auto current = read_file_if_exists(container.dir + "/config.json");
  if (current) container.record = nlohmann::ordered_json::parse(*current);
  if (container.record["State"].value("Status", "") != "running") return;
  record_probe(container.record["State"]["Health"], config, in_start_period, start, end, exit_code,
               text);
  save_container(container);
}

// The monitor process: waits for pid 1's pid on `go`, then probes until `go` closes.
void probe_until_stopped(Container container, const HealthConfig& config, int go) {
  std::string pid;
  char byte;
  while (retry_eintr([&] { return ::read(go, &byte, 1); }) == 1 && byte != '\n') pid += byte;
  if (pid.empty()) return;  // stopped before it started
  container.record["State"]["Pid"] = std::stoi(pid);
  const auto started = std::chrono::steady_clock::now();
  for (;;) {
    bool in_start_period = std::chrono::steady_clock::now() - started < config.start_period;
    // docker probes at StartInterval during the start period, at Interval afterwards.
    auto wait = std::chrono::duration_cast<std::chrono::milliseconds>(
        in_start_period ? config.start_interval : config.interval);
    pollfd stop{go, POLLIN, 0};
    if (retry_eintr([&] { return ::poll(&stop, 1, static_cast<int>(wait.count())); }) != 0)
      return;  // the supervisor closed `go`: the container has stopped
    probe_once(container, config, std::chrono::steady_clock::now() - started < config.start_period);
  }
}

}  // namespace

std::optional<HealthConfig> health_config(const nlohmann::ordered_json& healthcheck) {
  if (!healthcheck.is_object() || !healthcheck.contains("Test")) return std::nullopt;
  std::vector<std::string> test;
  for (const auto& word : healthcheck["Test"])
    if (word.is_string()) test.push_back(word.get<std::string>());
  if (test.empty() || test[0] == "NONE") return std::nullopt;
  HealthConfig config;
  if (test[0] == "CMD-SHELL" && test.size() > 1)
    config.argv = {"/bin/sh", "-c", test[1]};
  else if (test[0] == "CMD")
    config.argv.assign(test.begin() + 1, test.end());
  else
    return std::nullopt;
  if (config.argv.empty()) return std::nullopt;
  config.interval = duration_or(healthcheck, "Interval", config.interval);
  config.timeout = duration_or(healthcheck, "Timeout", config.timeout);
  config.start_period = duration_or(healthcheck, "StartPeriod", config.start_period);
  config.start_interval = duration_or(healthcheck, "StartInterval", config.start_interval);
  if (int retries = healthcheck.value("Retries", 0); retries > 0) config.retries = retries;
  return config;
}

void record_probe(nlohmann::ordered_json& health, const HealthConfig& config, bool in_start_period,
                  const std::string& start, const std::string& end, int exit_code,
                  const std::string& output) {
  if (!health.is_object()) health = {{"Status", "starting"}, {"FailingStreak", 0}, {"Log", {}}};
  if (exit_code == 0) {
    health["Status"] = "healthy";
    health["FailingStreak"] = 0;
  } else if (!in_start_period || health.value("Status", "") == "healthy") {
    int streak = health.value("FailingStreak", 0) + 1;
    health["FailingStreak"] = streak;
    if (streak >= config.retries) health["Status"] = "unhealthy";
  }
  auto& log = health["Log"];
  if (!log.is_array()) log = nlohmann::ordered_json::array();
  log.push_back({{"Start", start},
                 {"End", end},
                 {"ExitCode", exit_code},
                 {"Output", output.substr(0, kMaxOutput)}});
  while (log.size() > kMaxLog) log.erase(log.begin());
}

HealthMonitor::HealthMonitor(Container container, HealthConfig config) {
  int go[2];
  if (::pipe2(go, O_CLOEXEC) != 0) throw_errno("pipe");
  UniqueFd go_read(go[0]);
  go_.reset(go[1]);
  process_ = ::fork();
  if (process_ < 0) throw_errno("fork");
  if (process_ == 0) {
    go_.reset();
    int status = 0;
    try {
      probe_until_stopped(std::move(container), config, go_read.get());
    } catch (const std::exception& e) {
      spdlog::warn("health checks stopped: {}", e.what());
      status = 1;
    }
    ::_exit(status);
  }
}

HealthMonitor::~HealthMonitor() {
  go_.reset();
  if (process_ > 0) retry_eintr([&] { return ::waitpid(process_, nullptr, 0); });
}

void HealthMonitor::start(pid_t init_pid) {
  std::string pid = std::to_string(init_pid) + "\n";
  if (::write(go_.get(), pid.data(), pid.size()) != static_cast<ssize_t>(pid.size()))
    throw_errno("start the health checks");
}

}  // namespace layerfs::sandbox
