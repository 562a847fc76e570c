// Container records: containers/<id>/ holds config.json (docker's container JSON: Id, Name,
// State, Config, HostConfig, Image = image ID, ...), upper/ and work/ (the writable layer),
// merged/ (the mount point inside the sandbox), init/ (mount-point placeholders stacked over the
// image, like docker's init layer), hosts, hostname, resolv.conf and log.
// A running container's supervisor holds an flock on containers/<id>/running.lock: a record
// saying "running" whose lock is free belongs to a supervisor that died, shown as exited.
#pragma once

#include <sys/types.h>

#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "layers/store.h"
#include "util/fs.h"

namespace layerfs::sandbox {

struct Container {
  std::string id;  // 64 hex digits
  std::string dir;
  nlohmann::ordered_json record;  // config.json

  std::string name() const;  // without docker's leading "/"
  std::string image_id() const { return record.value("Image", ""); }
  std::string status() const;  // created, running, exited
  pid_t init_pid() const;
  std::string upper_dir() const { return dir + "/upper"; }
  std::string work_dir() const { return dir + "/work"; }
  std::string merged_dir() const { return dir + "/merged"; }
  std::string init_dir() const { return dir + "/init"; }
  std::string log_path() const { return dir + "/log"; }
  std::string lock_path() const { return dir + "/running.lock"; }
};

// Lists every container, newest first; records of dead supervisors are shown as exited.
std::vector<Container> list_containers(const Store& store);
Container load_container(const Store& store, const std::string& id);
// Full ID, unique ID prefix or name; throws UserError "No such container: TEXT".
std::string resolve_container(const Store& store, const std::string& text);
Container find_container(const Store& store, const std::string& text);
void save_container(const Container& container, Durability durability = Durability::Synced);

// True while the container's supervisor lives (it holds the running lock).
bool supervisor_alive(const Container& container);

// A new random container ID, and a docker-style "adjective_name" not used by another container.
std::string new_container_id();
std::string new_container_name(const Store& store);
// Throws UserError with docker's "Conflict. The container name ..." wording when taken.
void check_name_free(const Store& store, const std::string& name);

// Records the start (running, Pid, StartedAt) and the end (exited, ExitCode, FinishedAt).
void record_started(Container& container, pid_t init_pid,
                    Durability durability = Durability::Synced);
void record_exited(Container& container, int exit_code);

// Kills a running container (SIGKILL to its pid 1) and waits for its supervisor to finish.
void kill_container(const Container& container);
// docker stop: the image's STOPSIGNAL to pid 1 (forwarded to the command), SIGKILL after
// `timeout_seconds`; returns once the supervisor has recorded the exit.
void stop_container(const Container& container, int timeout_seconds);
// "SIGTERM", "TERM" or "15" as a signal number; throws UserError.
int parse_signal(const std::string& name);
// Removes the container's directory; throws docker's conflict error when running and !force.
void remove_container(const Container& container, bool force);

// The union a container is mounted from: init/ and the image's layers, top first.
std::vector<std::string> container_lower_dirs(const Store& store, const Container& container);
// The container's whole file system as read-only layers, top first: its upper directory, then
// container_lower_dirs. The upper's metacopy files get their data first, as a lower layer must
// hold its data itself (fuse/metacopy.h).
std::vector<std::string> container_layers_read_only(const Store& store, const Container& container);

}  // namespace layerfs::sandbox
