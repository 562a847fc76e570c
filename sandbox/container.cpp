#include "sandbox/container.h"

#include <dirent.h>
#include <signal.h>
#include <sys/file.h>
#include <unistd.h>

#include <algorithm>
#include <cctype>
#include <chrono>
#include <cstring>
#include <random>
#include <thread>

#include "fuse/metacopy.h"
#include "fuse/mount_lock.h"
#include "fuse/serve.h"
#include "layers/image.h"
#include "layers/new_image.h"
#include "util/dir_lock.h"
#include "util/error.h"
#include "util/fs.h"

namespace layerfs::sandbox {

namespace {

bool is_container_id(const std::string& name) {
  return name.size() == 64 &&
         std::all_of(name.begin(), name.end(), [](char c) { return std::isxdigit(c); });
}

std::vector<std::string> container_ids(const Store& store) {
  std::vector<std::string> ids;
  DIR* dir = ::opendir(store.containers_dir().c_str());
  if (dir == nullptr) return ids;
  while (struct dirent* entry = ::readdir(dir))
    if (is_container_id(entry->d_name)) ids.emplace_back(entry->d_name);
  ::closedir(dir);
  return ids;
}

// A supervisor that died (killed, machine crashed) leaves "running" behind: show it as exited.
void settle_dead_supervisor(Container& container) {
  auto& state = container.record["State"];
  if (state.value("Status", "") != "running" || supervisor_alive(container)) return;
  state["Status"] = "exited";
  state["Running"] = false;
  state["Pid"] = 0;
  state["ExitCode"] = 137;
  state["Error"] = "the container's supervisor process died";
  if (state.value("FinishedAt", "").rfind("0001", 0) == 0) state["FinishedAt"] = now_rfc3339();
}

const char* const kAdjectives[] = {"admiring", "brave",   "clever", "dreamy",  "eager",
                                   "focused",  "gallant", "happy",  "jolly",   "keen",
                                   "loving",   "modest",  "nifty",  "quirky",  "relaxed",
                                   "serene",   "tender",  "upbeat", "vibrant", "wizardly"};
const char* const kNames[] = {"babbage",  "curie",   "darwin",  "euler",   "feynman",
                              "gauss",    "hopper",  "johnson", "knuth",   "lovelace",
                              "meitner",  "noether", "pascal",  "ritchie", "shannon",
                              "thompson", "turing",  "wozniak", "yonath",  "zuse"};

}  // namespace

std::string Container::name() const {
  std::string name = record.value("Name", "");
  return name.rfind('/', 0) == 0 ? name.substr(1) : name;
}

std::string Container::status() const {
  return record.contains("State") ? record["State"].value("Status", "created") : "created";
}

pid_t Container::init_pid() const {
  return record.contains("State") ? record["State"].value("Pid", 0) : 0;
}

bool supervisor_alive(const Container& container) {
  return locked_by_another(container.lock_path(), LOCK_EX);
}

Container load_container(const Store& store, const std::string& id) {
  Container container;
  container.id = id;
  container.dir = store.containers_dir() + "/" + id;
  auto text = read_file_if_exists(container.dir + "/config.json");
  if (!text) throw UserError("No such container: " + id);
  try {
    container.record = nlohmann::ordered_json::parse(*text);
  } catch (const nlohmann::json::exception& e) {
    throw UserError("container " + id + ": bad config.json: " + e.what());
  }
  settle_dead_supervisor(container);
  return container;
}

std::vector<Container> list_containers(const Store& store) {
  std::vector<Container> containers;
  for (const auto& id : container_ids(store)) {
    try {
      containers.push_back(load_container(store, id));
    } catch (const UserError&) {
      // Removed while we listed, or half created: not a container.
    }
  }
  std::sort(containers.begin(), containers.end(), [](const Container& a, const Container& b) {
    return a.record.value("Created", "") > b.record.value("Created", "");
  });
  return containers;
}

std::string resolve_container(const Store& store, const std::string& text) {
  std::string wanted = text.rfind('/', 0) == 0 ? text.substr(1) : text;
  auto ids = container_ids(store);
  if (std::find(ids.begin(), ids.end(), wanted) != ids.end()) return wanted;
  for (const auto& id : ids) {
    auto config = read_file_if_exists(store.containers_dir() + "/" + id + "/config.json");
    if (!config) continue;
    auto record = nlohmann::json::parse(*config, nullptr, false);
    if (record.is_object() && record.value("Name", "") == "/" + wanted) return id;
  }
  std::vector<std::string> matches;
  if (!wanted.empty())
    for (const auto& id : ids)
      if (id.rfind(wanted, 0) == 0) matches.push_back(id);
  if (matches.size() == 1) return matches[0];
  if (matches.size() > 1)
    throw UserError("multiple containers found with provided prefix: " + wanted);
  throw UserError("No such container: " + text);
}

Container find_container(const Store& store, const std::string& text) {
  return load_container(store, resolve_container(store, text));
}

void save_container(const Container& container, Durability durability) {
  write_file_atomic(container.dir + "/config.json", container.record.dump(2) + "\n", 0644,
                    durability);
}

std::string new_container_id() {
  std::random_device random;
  std::string id;
  const char* hex = "0123456789abcdef";
  for (int i = 0; i < 64; ++i) id += hex[random() % 16];
  return id;
}

void check_name_free(const Store& store, const std::string& name) {
  for (const auto& id : container_ids(store)) {
    auto config = read_file_if_exists(store.containers_dir() + "/" + id + "/config.json");
    if (!config) continue;
    auto record = nlohmann::json::parse(*config, nullptr, false);
    if (record.is_object() && record.value("Name", "") == "/" + name)
      throw UserError("Conflict. The container name \"/" + name +
                      "\" is already in use by container \"" + id +
                      "\". You have to remove (or rename) that container to be able to reuse "
                      "that name.");
  }
}

std::string new_container_name(const Store& store) {
  std::random_device random;
  for (int attempt = 0;; ++attempt) {
    std::string name = std::string(kAdjectives[random() % std::size(kAdjectives)]) + "_" +
                       kNames[random() % std::size(kNames)];
    if (attempt > 50) name += std::to_string(random() % 1000);
    try {
      check_name_free(store, name);
      return name;
    } catch (const UserError&) {
    }
  }
}

void record_started(Container& container, pid_t init_pid, Durability durability) {
  auto& state = container.record["State"];
  state["Status"] = "running";
  state["Running"] = true;
  state["Pid"] = init_pid;
  state["ExitCode"] = 0;
  state["Error"] = "";
  state["StartedAt"] = now_rfc3339();
  state["FinishedAt"] = "0001-01-01T00:00:00Z";
  save_container(container, durability);
}

void record_exited(Container& container, int exit_code) {
  auto& state = container.record["State"];
  state["Status"] = "exited";
  state["Running"] = false;
  state["Pid"] = 0;
  state["ExitCode"] = exit_code;
  state["FinishedAt"] = now_rfc3339();
  save_container(container);
}

namespace {

bool wait_for_supervisor(const Container& container, std::chrono::milliseconds timeout) {
  using namespace std::chrono_literals;
  auto deadline = std::chrono::steady_clock::now() + timeout;
  while (supervisor_alive(container)) {
    if (std::chrono::steady_clock::now() > deadline) return false;
    std::this_thread::sleep_for(10ms);
  }
  return true;
}

}  // namespace

void kill_container(const Container& container) {
  if (!supervisor_alive(container)) return;
  if (pid_t pid = container.init_pid(); pid > 0) ::kill(pid, SIGKILL);
  if (!wait_for_supervisor(container, std::chrono::seconds(10)))
    throw UserError("container " + container.name() + " did not stop within 10 s");
}

int parse_signal(const std::string& name) {
  std::string upper;
  for (char ch : name) upper += static_cast<char>(std::toupper(static_cast<unsigned char>(ch)));
  if (!upper.empty() && std::all_of(upper.begin(), upper.end(), ::isdigit)) {
    int number = std::stoi(upper);
    if (number > 0 && number < NSIG) return number;
  }
  if (upper.rfind("SIG", 0) == 0) upper = upper.substr(3);
  for (int sig = 1; sig < NSIG; ++sig)
    if (const char* abbrev = ::sigabbrev_np(sig); abbrev != nullptr && upper == abbrev) return sig;
  throw UserError("Invalid signal: " + name);
}

void stop_container(const Container& container, int timeout_seconds) {
  if (!supervisor_alive(container)) return;
  pid_t pid = container.init_pid();
  std::string stop_signal = container.record["Config"].value("StopSignal", "SIGTERM");
  if (pid > 0) ::kill(pid, parse_signal(stop_signal.empty() ? "SIGTERM" : stop_signal));
  if (wait_for_supervisor(container, std::chrono::seconds(std::max(timeout_seconds, 0)))) return;
  kill_container(container);
}

void remove_container(const Container& container, bool force) {
  if (supervisor_alive(container)) {
    if (!force)
      throw UserError("cannot remove container \"/" + container.name() +
                      "\": container is running: stop the container before removing or force "
                      "remove");
    kill_container(container);
  }
  if (std::optional<std::string> mountpoint = fuse::mounted_at(container.work_dir())) {
    if (!force)
      throw UserError("cannot remove container \"/" + container.name() + "\": it is mounted on " +
                      *mountpoint + ": unmount it first or force remove");
    fuse::unmount_union(*mountpoint);
  }
  remove_tree(container.dir);
}

std::vector<std::string> container_lower_dirs(const Store& store, const Container& container) {
  ImageIndex index = ImageIndex::load(store);
  Image image = load_image(store, index, container.image_id());
  std::vector<std::string> lowers = {container.init_dir()};
  for (auto& dir : layer_dirs_top_first(store, image)) lowers.push_back(std::move(dir));
  return lowers;
}

std::vector<std::string> container_layers_read_only(const Store& store,
                                                    const Container& container) {
  std::vector<std::string> layers = container_lower_dirs(store, container);
  fuse::complete_metacopies(container.upper_dir(), layers);
  layers.insert(layers.begin(), container.upper_dir());
  return layers;
}

}  // namespace layerfs::sandbox
