#include "sandbox/container_run.h"

#include <fcntl.h>
#include <sys/file.h>
#include <unistd.h>

#include <cstdlib>
#include <sstream>

#include "fuse/mount_lock.h"
#include "layers/image.h"
#include "layers/new_image.h"
#include "sandbox/healthcheck.h"
#include "sandbox/pty.h"
#include "sandbox/sandbox.h"
#include "util/error.h"
#include "util/fs.h"
#include "util/humanize.h"
#include "util/runtime_dir.h"
#include "util/unique_fd.h"

namespace layerfs::sandbox {

namespace {

using Json = nlohmann::ordered_json;

std::vector<std::string> strings_of(const nlohmann::json& value) {
  std::vector<std::string> out;
  if (value.is_array())
    for (const auto& item : value)
      if (item.is_string()) out.push_back(item.get<std::string>());
  return out;
}

// KEY=VALUE from -e or an env file; a bare KEY takes our own value (dropped when unset).
void add_env(std::vector<std::string>& env, const std::string& entry) {
  std::string key = entry.substr(0, entry.find('='));
  if (key.empty()) throw UserError("invalid environment variable: " + entry);
  std::string value = entry;
  if (entry.find('=') == std::string::npos) {
    const char* ours = std::getenv(key.c_str());
    if (ours == nullptr) return;
    value = key + "=" + ours;
  }
  for (auto& existing : env)
    if (existing.substr(0, existing.find('=')) == key) {
      existing = value;
      return;
    }
  env.push_back(value);
}

std::vector<std::string> env_file_lines(const std::string& path) {
  auto text = read_file_if_exists(path);
  if (!text) throw UserError("open " + path + ": no such file or directory");
  std::vector<std::string> lines;
  std::istringstream in(*text);
  std::string line;
  while (std::getline(in, line)) {
    size_t start = line.find_first_not_of(" \t");
    if (start == std::string::npos || line[start] == '#') continue;
    lines.push_back(line.substr(start));
  }
  return lines;
}

Json parse_volume(const std::string& spec) {
  std::vector<std::string> parts;
  std::istringstream in(spec);
  std::string part;
  while (std::getline(in, part, ':')) parts.push_back(part);
  if (parts.size() < 2 || parts.size() > 3 || parts[1].empty() || parts[1][0] != '/')
    throw UserError("invalid volume specification: '" + spec + "'");
  if (parts[0].empty() || parts[0][0] != '/')
    throw UserError("invalid volume specification: '" + spec +
                    "': only absolute host paths are supported");
  bool read_only = parts.size() == 3 && parts[2] == "ro";
  if (parts.size() == 3 && parts[2] != "ro" && parts[2] != "rw")
    throw UserError("invalid mode: " + parts[2]);
  return {{"Type", "bind"},
          {"Source", absolute_path(parts[0])},
          {"Destination", absolute_path(parts[1])},
          {"Mode", parts.size() == 3 ? parts[2] : ""},
          {"RW", !read_only},
          {"Propagation", "rprivate"}};
}

std::string host_hostname() {
  char name[256] = {};
  ::gethostname(name, sizeof name - 1);
  return name;
}

// init/: the directories and files the sandbox mounts over, so that neither lands in upper/
// (docker's init layer).
void make_init_layer(const std::string& dir) {
  for (const char* sub : {"/proc", "/sys", "/dev", "/etc"}) make_dirs(dir + sub);
  for (const char* file : {"/etc/hosts", "/etc/hostname", "/etc/resolv.conf"})
    write_new_file(dir + file, "");
}

// HostConfig.PortBindings, as docker records -p ("" for a port chosen at start).
Json port_bindings(const std::vector<PortMapping>& ports) {
  Json bindings = Json::object();
  for (const auto& port : ports) {
    std::string host_port = port.host_port == 0 ? "" : std::to_string(port.host_port);
    bindings[port.container_key()].push_back({{"HostIp", port.host_ip}, {"HostPort", host_port}});
  }
  return bindings;
}

std::vector<PortMapping> ports_of(const Json& bindings) {
  std::vector<PortMapping> ports;
  if (!bindings.is_object()) return ports;
  for (const auto& [key, list] : bindings.items()) {
    for (const auto& binding : list) {
      PortMapping port = parse_port_mapping(key);
      port.host_ip = binding.value("HostIp", "0.0.0.0");
      std::string host_port = binding.value("HostPort", "");
      port.host_port = host_port.empty() ? 0 : static_cast<uint16_t>(std::stoi(host_port));
      ports.push_back(port);
    }
  }
  return ports;
}

std::vector<PortMapping> published_ports(const RunOptions& options, const nlohmann::json& config) {
  std::vector<PortMapping> ports;
  for (const auto& spec : options.publish) ports.push_back(parse_port_mapping(spec));
  if (options.publish_all && config.contains("ExposedPorts") && config["ExposedPorts"].is_object())
    for (const auto& [key, _] : config["ExposedPorts"].items())
      ports.push_back(parse_port_mapping(key));
  return ports;
}

// Config.Healthcheck: the image's, as the run options change it (null: none at all).
Json healthcheck_for(const RunOptions& options, const nlohmann::json& image_config) {
  if (options.no_healthcheck) return Json{{"Test", {"NONE"}}};
  Json healthcheck = Json::parse(image_config.value("Healthcheck", nlohmann::json()).dump());
  auto set_duration = [&](const char* key, const std::string& text) {
    if (!text.empty()) healthcheck[key] = parse_go_duration(text).count();
  };
  if (!options.health_cmd.empty()) healthcheck["Test"] = {"CMD-SHELL", options.health_cmd};
  set_duration("Interval", options.health_interval);
  set_duration("Timeout", options.health_timeout);
  set_duration("StartPeriod", options.health_start_period);
  if (options.health_retries > 0) healthcheck["Retries"] = options.health_retries;
  return healthcheck;
}

void write_network_files(const Container& c, const std::string& hostname,
                         const std::string& network) {
  std::string hosts = "127.0.0.1\tlocalhost\n::1\tlocalhost ip6-localhost ip6-loopback\n";
  if (network == "host")
    hosts = read_file_if_exists("/etc/hosts").value_or(hosts);
  else
    hosts += "127.0.1.1\t" + hostname + "\n";
  // Written into the staging directory, which one rename makes visible.
  write_new_file(c.dir + "/hosts", hosts);
  write_new_file(c.dir + "/hostname", hostname + "\n");
  // A private network reaches DNS through slirp4netns's resolver (the host's may be on loopback).
  std::string resolv = network == "private" ? "nameserver 10.0.2.3\n"
                                            : read_file_if_exists("/etc/resolv.conf").value_or("");
  write_new_file(c.dir + "/resolv.conf", resolv);
}

SandboxSpec spec_for(const Store& store, const Container& c) {
  const auto& config = c.record["Config"];
  const auto& host = c.record["HostConfig"];
  SandboxSpec spec;
  spec.root_dir = c.merged_dir();
  spec.root_union.lower_dirs = container_lower_dirs(store, c);
  spec.root_union.upper_dir = c.upper_dir();
  spec.root_union.work_dir = c.work_dir();
  spec.argv = {c.record.value("Path", "")};
  for (const auto& arg : strings_of(c.record["Args"])) spec.argv.push_back(arg);
  spec.env = {"HOSTNAME=" + config.value("Hostname", "")};
  for (const auto& entry : strings_of(config["Env"])) spec.env.push_back(entry);
  spec.workdir = config.value("WorkingDir", "");
  spec.user = config.value("User", "");
  spec.hostname = config.value("Hostname", "");
  std::string network = host.value("NetworkMode", "host");
  spec.network = network == "none"      ? Network::None
                 : network == "private" ? Network::Private
                                        : Network::Host;
  spec.ports = ports_of(host["PortBindings"]);
  spec.slirp_socket = user_runtime_dir() + "/slirp-" + c.id.substr(0, 16) + ".sock";
  spec.read_only_root = host.value("ReadonlyRootfs", false);
  spec.tty = config.value("Tty", false);
  spec.tty_input = config.value("OpenStdin", false);
  for (const auto& mount : c.record["Mounts"])
    spec.binds.push_back(
        {mount.value("Source", ""), mount.value("Destination", ""), !mount.value("RW", true)});
  spec.binds.push_back({c.dir + "/hosts", "/etc/hosts", false});
  spec.binds.push_back({c.dir + "/hostname", "/etc/hostname", false});
  spec.binds.push_back({c.dir + "/resolv.conf", "/etc/resolv.conf", false});
  return spec;
}

}  // namespace

Container create_container(const Store& store, const RunOptions& options) {
  ImageIndex index = ImageIndex::load(store);
  Image image = load_image(store, index, resolve_image(index, options.image));
  const nlohmann::json image_config = image.config.value("config", nlohmann::json::object());

  std::vector<std::string> entrypoint =
      strings_of(image_config.value("Entrypoint", nlohmann::json()));
  std::vector<std::string> cmd = strings_of(image_config.value("Cmd", nlohmann::json()));
  if (options.entrypoint) {
    // docker: a new entrypoint drops the image's CMD as well.
    entrypoint = options.entrypoint->empty() ? std::vector<std::string>{}
                                             : std::vector<std::string>{*options.entrypoint};
    cmd.clear();
  }
  if (!options.command.empty()) cmd = options.command;
  std::vector<std::string> argv = entrypoint;
  argv.insert(argv.end(), cmd.begin(), cmd.end());
  if (argv.empty() && !options.command_optional) throw UserError("No command specified");
  if (argv.empty()) argv.emplace_back();

  std::vector<std::string> env = strings_of(image_config.value("Env", nlohmann::json()));
  for (const auto& file : options.env_files)
    for (const auto& line : env_file_lines(file)) add_env(env, line);
  for (const auto& entry : options.env) add_env(env, entry);
  std::vector<PortMapping> ports = published_ports(options, image_config);
  std::string network = options.network;
  if (!ports.empty() && network == "host") network = "private";  // publishing needs its own
  if (network != "host" && network != "none" && network != "private")
    throw UserError("network " + network + " not supported: use --network host, none or private");
  if (!ports.empty() && network != "private")
    throw UserError("ports cannot be published with --network " + network);
  Json mounts = Json::array();
  for (const auto& volume : options.volumes) mounts.push_back(parse_volume(volume));

  auto lock = store.lock_for_writing();
  std::string name = options.name;
  if (name.empty())
    name = new_container_name(store);
  else
    check_name_free(store, name);
  Container c;
  c.id = new_container_id();
  c.dir = store.containers_dir() + "/" + c.id;
  std::string hostname = !options.hostname.empty() ? options.hostname
                         : network == "host"       ? host_hostname()
                                                   : c.id.substr(0, 12);
  std::string workdir =
      options.workdir.empty() ? image_config.value("WorkingDir", "") : options.workdir;
  std::string user = options.user.empty() ? image_config.value("User", "") : options.user;

  // Staged in tmp/ and renamed into place: a half-made container never shows.
  StagingDir staging(store.tmp_dir(), "container-");
  Container staged = c;
  staged.dir = staging.path() + "/" + c.id;
  for (const auto& sub : {staged.upper_dir(), staged.work_dir(), staged.merged_dir()})
    make_dirs(sub);
  make_init_layer(staged.init_dir());
  write_network_files(staged, hostname, network);
  c.record = Json{
      {"Id", c.id},
      {"Created", now_rfc3339()},
      {"Path", argv[0]},
      {"Args", std::vector<std::string>(argv.begin() + 1, argv.end())},
      {"State",
       {{"Status", "created"},
        {"Running", false},
        {"Paused", false},
        {"Restarting", false},
        {"OOMKilled", false},
        {"Dead", false},
        {"Pid", 0},
        {"ExitCode", 0},
        {"Error", ""},
        {"StartedAt", "0001-01-01T00:00:00Z"},
        {"FinishedAt", "0001-01-01T00:00:00Z"}}},
      {"Image", image.id},
      {"ResolvConfPath", c.dir + "/resolv.conf"},
      {"HostnamePath", c.dir + "/hostname"},
      {"HostsPath", c.dir + "/hosts"},
      {"LogPath", c.log_path()},
      {"Name", "/" + name},
      {"RestartCount", 0},
      {"Driver", "layerfs"},
      {"Platform", "linux"},
      {"HostConfig",
       {{"Binds", options.volumes},
        {"NetworkMode", network},
        {"PortBindings", port_bindings(ports)},
        {"PublishAllPorts", options.publish_all},
        {"AutoRemove", options.auto_remove},
        {"ReadonlyRootfs", options.read_only}}},
      {"GraphDriver",
       {{"Name", "layerfs"},
        {"Data",
         {{"UpperDir", c.upper_dir()}, {"WorkDir", c.work_dir()}, {"MergedDir", c.merged_dir()}}}}},
      {"Mounts", mounts},
      {"Config",
       {{"Hostname", hostname},
        {"Domainname", ""},
        {"User", user},
        {"AttachStdin", options.interactive},
        {"AttachStdout", true},
        {"AttachStderr", true},
        {"Tty", options.tty},
        {"OpenStdin", options.interactive},
        {"StdinOnce", options.interactive},
        {"Env", env},
        {"Cmd", cmd},
        {"Image", options.image},
        {"WorkingDir", workdir},
        {"Entrypoint", entrypoint.empty() ? Json() : Json(entrypoint)},
        {"Labels", image_config.value("Labels", nlohmann::json::object())},
        {"StopSignal", image_config.value("StopSignal", "SIGTERM")},
        {"Healthcheck", healthcheck_for(options, image_config)}}},
      {"NetworkSettings", {{"Networks", {{network, Json::object()}}}, {"Ports", Json::object()}}}};
  staged.record = c.record;
  // A --rm container's record goes away with it: losing it in a power cut loses nothing.
  Durability durability = options.auto_remove ? Durability::Unsynced : Durability::Synced;
  save_container(staged, durability);
  if (::rename(staged.dir.c_str(), c.dir.c_str()) != 0) throw_errno("rename into " + c.dir);
  if (durability == Durability::Synced) fsync_dir(store.containers_dir());
  return c;
}

int start_container(const Store& store, const std::string& id, bool detach) {
  Container c = load_container(store, id);
  if (supervisor_alive(c)) return 0;  // docker: starting a running container is a no-op
  if (std::optional<std::string> mountpoint = fuse::mounted_at(c.work_dir()))
    throw UserError("container " + c.name() + " is mounted on " + *mountpoint +
                    ": unmount it before starting it");
  SandboxSpec spec = spec_for(store, c);
  // Ports left to us are chosen now, as docker does at each start, and shown while running.
  Json shown = Json::object();
  for (auto& port : spec.ports) {
    if (port.host_port == 0) port.host_port = free_host_port(port.host_ip, port.proto);
    shown[port.container_key()].push_back(
        {{"HostIp", port.host_ip}, {"HostPort", std::to_string(port.host_port)}});
  }
  c.record["NetworkSettings"]["Ports"] = shown;
  UniqueFd null_fd(::open("/dev/null", O_RDWR | O_CLOEXEC));
  UniqueFd log_fd;
  const auto& config = c.record["Config"];
  if (detach) {
    log_fd.reset(::open(c.log_path().c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0640));
    if (!log_fd) throw_errno("open " + c.log_path());
    spec.stdin_fd = null_fd.get();
    spec.stdout_fd = spec.stderr_fd = log_fd.get();
    spec.detach = true;
  } else if (!config.value("OpenStdin", false)) {
    spec.stdin_fd = null_fd.get();
  }
  bool auto_remove = c.record["HostConfig"].value("AutoRemove", false);
  // The hooks run in the supervisor: it holds the running lock for the container's life.
  SandboxHooks hooks;
  // Probes run in the supervisor from the start to the end of the command.
  auto health = health_config(config["Healthcheck"]);
  auto monitor = std::make_shared<std::unique_ptr<HealthMonitor>>();
  hooks.before_namespaces = [c, health, monitor] {
    if (health) *monitor = std::make_unique<HealthMonitor>(c, *health);
  };
  hooks.on_start = [c, monitor, auto_remove](pid_t init_pid) mutable {
    int fd = ::open(c.lock_path().c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0600);
    if (fd < 0 || ::flock(fd, LOCK_EX) != 0) throw_errno("lock " + c.lock_path());
    if (*monitor)
      c.record["State"]["Health"] = {
          {"Status", "starting"}, {"FailingStreak", 0}, {"Log", Json::array()}};
    record_started(c, init_pid, auto_remove ? Durability::Unsynced : Durability::Synced);
    if (*monitor) (*monitor)->start(init_pid);
    // fd stays open on purpose: the lock is released when the supervisor exits.
  };
  hooks.on_exit = [c, auto_remove, monitor](int status) mutable {
    monitor->reset();
    if (auto_remove) {
      remove_tree(c.dir);
      return;
    }
    auto current = read_file_if_exists(c.dir + "/config.json");
    if (current) c.record = nlohmann::ordered_json::parse(*current);
    record_exited(c, status);
  };
  if (!detach) {
    RawTerminal raw(spec.tty && spec.tty_input ? STDIN_FILENO : -1);
    return run_in_sandbox(spec, hooks);
  }
  start_sandbox(spec, hooks);
  return 0;
}

}  // namespace layerfs::sandbox
