// docker's container commands: run, ps/container ls, rm, diff, commit, export, logs, stop,
// start, exec, container inspect. Argument parsing
// and printing only; the work is in sandbox/.
#include <fcntl.h>
#include <unistd.h>

#include <chrono>
#include <iostream>
#include <memory>

#include "cli/command.h"
#include "layers/reference.h"
#include "sandbox/container.h"
#include "sandbox/container_changes.h"
#include "sandbox/container_exec.h"
#include "sandbox/container_run.h"
#include "sandbox/sandbox.h"
#include "util/error.h"
#include "util/go_template.h"
#include "util/humanize.h"
#include "util/unique_fd.h"

namespace layerfs::cli {

namespace {

// docker ps's PORTS: "0.0.0.0:8080->80/tcp, ..." while the container runs.
std::string ports_text(const sandbox::Container& c) {
  if (c.status() != "running") return "";
  std::string text;
  const auto& ports = c.record["NetworkSettings"]["Ports"];
  if (!ports.is_object()) return text;
  for (const auto& [key, bindings] : ports.items()) {
    for (const auto& binding : bindings) {
      if (!text.empty()) text += ", ";
      text += binding.value("HostIp", "") + ":" + binding.value("HostPort", "") + "->" + key;
    }
  }
  return text;
}

// -it reads keys from our terminal: docker refuses when there is none.
void require_terminal(bool interactive, bool tty) {
  if (interactive && tty && !::isatty(STDIN_FILENO))
    throw UserError("the input device is not a TTY");
}

using sandbox::Container;

double seconds_since(const std::string& rfc3339) {
  auto then = parse_rfc3339(rfc3339);
  return std::chrono::duration<double>(std::chrono::system_clock::now() - then).count();
}

// docker ps STATUS: "Created", "Up 3 seconds", "Exited (0) 2 minutes ago".
std::string status_text(const Container& c) {
  const auto& state = c.record["State"];
  std::string status = c.status();
  if (status == "running") {
    std::string up = "Up " + human_duration_seconds(seconds_since(state.value("StartedAt", "")));
    std::string health = state.contains("Health") ? state["Health"].value("Status", "") : "";
    if (health == "starting") return up + " (health: starting)";
    return health.empty() ? up : up + " (" + health + ")";
  }
  if (status == "exited")
    return "Exited (" + std::to_string(state.value("ExitCode", 0)) + ") " +
           human_duration_seconds(seconds_since(state.value("FinishedAt", ""))) + " ago";
  return "Created";
}

// docker ps COMMAND: the command line quoted, cut to 20 characters with an ellipsis.
std::string command_text(const Container& c, bool no_trunc) {
  std::string command = c.record.value("Path", "");
  for (const auto& arg : c.record["Args"]) command += " " + arg.get<std::string>();
  if (!no_trunc && command.size() > 20) command = command.substr(0, 19) + "…";
  return "\"" + command + "\"";
}

void setup_run(CLI::App& cmd, GlobalOptions& global) {
  struct Opts {
    sandbox::RunOptions run;
    std::string entrypoint;
    bool detach = false;
    std::vector<std::string> args;
  };
  auto o = std::make_shared<Opts>();
  cmd.add_flag("--rm", o->run.auto_remove, "Remove the container when it exits");
  cmd.add_flag("-d,--detach", o->detach, "Run in the background and print the container ID");
  cmd.add_flag("-i,--interactive", o->run.interactive, "Keep STDIN open");
  cmd.add_flag("-t,--tty", o->run.tty, "Allocate a pseudo-TTY");
  cmd.add_option("--name", o->run.name, "Assign a name to the container");
  cmd.add_option("-e,--env", o->run.env, "Set environment variables (K=V, or K from ours)")
      ->allow_extra_args(false);
  cmd.add_option("--env-file", o->run.env_files, "Read environment variables from a file")
      ->allow_extra_args(false);
  cmd.add_option("-w,--workdir", o->run.workdir, "Working directory inside the container");
  cmd.add_option("-u,--user", o->run.user, "Username or UID (format: <name|uid>[:<group|gid>])");
  cmd.add_option("-v,--volume", o->run.volumes, "Bind mount a host directory: SRC:DST[:ro]")
      ->allow_extra_args(false);
  cmd.add_option("--network,--net", o->run.network,
                 "host (default), none, or private (lo and slirp4netns's tap0)")
      ->capture_default_str();
  cmd.add_option("-p,--publish", o->run.publish,
                 "Publish a container's port to the host: [IP:][HOST:]CTR[/udp] (implies private)")
      ->allow_extra_args(false);
  cmd.add_flag("-P,--publish-all", o->run.publish_all,
               "Publish every exposed port to a free host port (implies private)");
  auto* entrypoint =
      cmd.add_option("--entrypoint", o->entrypoint, "Overwrite the image's ENTRYPOINT");
  cmd.add_flag("--read-only", o->run.read_only, "Mount the container's root read-only");
  cmd.add_option("--health-cmd", o->run.health_cmd, "Command to run to check health");
  cmd.add_option("--health-interval", o->run.health_interval, "Time between health checks (30s)");
  cmd.add_option("--health-timeout", o->run.health_timeout, "Longest a health check may run (30s)");
  cmd.add_option("--health-start-period", o->run.health_start_period,
                 "Failures in this start period do not count (0s)");
  cmd.add_option("--health-retries", o->run.health_retries,
                 "Consecutive failures that make the container unhealthy (3)");
  cmd.add_flag("--no-healthcheck", o->run.no_healthcheck, "Disable any HEALTHCHECK of the image");
  // docker's -h is --hostname; help stays --help.
  cmd.set_help_flag("--help", "Print this help message and exit");
  cmd.add_option("-h,--hostname", o->run.hostname, "Container host name");
  cmd.add_option("IMAGE", o->run.image, "Image to run")->required();
  cmd.add_option("COMMAND", o->run.command, "Command and arguments");
  // Everything after IMAGE belongs to the container's command, flags included.
  cmd.positionals_at_end();
  cmd.prefix_command();
  cmd.callback([o, entrypoint, &global] {
    global.run = [o, entrypoint, &global] {
      if (entrypoint->count() > 0) o->run.entrypoint = o->entrypoint;
      if (!o->detach) require_terminal(o->run.interactive, o->run.tty);
      if (o->detach && o->run.auto_remove) {
        // docker allows it: the supervisor removes the container when it exits.
      }
      Store store(store_root(global));
      Container c = sandbox::create_container(store, o->run);
      try {
        int status = sandbox::start_container(store, c.id, o->detach);
        if (o->detach) std::cout << c.id << "\n";
        return status;
      } catch (const sandbox::StartError& e) {
        std::cerr << "layerfs: Error: failed to start container " << c.id.substr(0, 12) << ": "
                  << e.what() << "\n";
        return e.exit_code();
      }
    };
  });
}

void setup_ps(CLI::App& cmd, GlobalOptions& global) {
  struct Opts {
    bool all = false, quiet = false, no_trunc = false;
    std::string format;
  };
  auto o = std::make_shared<Opts>();
  cmd.add_flag("-a,--all", o->all, "Show all containers (default shows just running)");
  cmd.add_flag("-q,--quiet", o->quiet, "Only display container IDs");
  cmd.add_flag("--no-trunc", o->no_trunc, "Don't truncate output");
  cmd.add_option("--format", o->format, "Format output using a Go template");
  cmd.callback([o, &global] {
    global.run = [o, &global] {
      Store store(store_root(global));
      std::vector<nlohmann::json> rows;
      for (const auto& c : sandbox::list_containers(store)) {
        if (!o->all && c.status() != "running") continue;
        std::string created = c.record.value("Created", "");
        rows.push_back({{"ID", o->no_trunc ? c.id : c.id.substr(0, 12)},
                        {"Image", c.record["Config"].value("Image", "")},
                        {"Command", command_text(c, o->no_trunc)},
                        {"CreatedAt", format_go_time(parse_rfc3339(created))},
                        {"RunningFor", human_duration_seconds(seconds_since(created)) + " ago"},
                        {"Ports", ports_text(c)},
                        {"Status", status_text(c)},
                        {"State", c.status()},
                        {"Names", c.name()},
                        {"Networks", c.record["HostConfig"].value("NetworkMode", "")},
                        {"Mounts", ""},
                        {"Labels", ""},
                        {"Size", "N/A"}});
      }
      std::string default_format =
          o->quiet ? "{{.ID}}"
                   : "table {{.ID}}\t{{.Image}}\t{{.Command}}\t{{.RunningFor}}\t{{.Status}}\t"
                     "{{.Ports}}\t{{.Names}}";
      print_listing(o->quiet ? "" : o->format, default_format, rows,
                    {{"ID", "CONTAINER ID"},
                     {"Image", "IMAGE"},
                     {"Command", "COMMAND"},
                     {"CreatedAt", "CREATED AT"},
                     {"RunningFor", "CREATED"},
                     {"Ports", "PORTS"},
                     {"Status", "STATUS"},
                     {"State", "STATE"},
                     {"Names", "NAMES"},
                     {"Networks", "NETWORKS"},
                     {"Mounts", "MOUNTS"},
                     {"Labels", "LABELS"},
                     {"Size", "SIZE"}});
      return 0;
    };
  });
}

void setup_rm(CLI::App& cmd, GlobalOptions& global) {
  auto names = std::make_shared<std::vector<std::string>>();
  auto force = std::make_shared<bool>(false);
  cmd.add_option("CONTAINER", *names, "Containers to remove")->required();
  cmd.add_flag("-f,--force", *force, "Force the removal of a running container (SIGKILL)");
  cmd.callback([=, &global] {
    global.run = [=, &global] {
      Store store(store_root(global));
      int status = 0;
      for (const auto& name : *names) {
        try {
          sandbox::remove_container(sandbox::find_container(store, name), *force);
          std::cout << name << "\n";
        } catch (const UserError& e) {
          std::cerr << "Error response from daemon: " << e.what() << "\n";
          status = 1;
        }
      }
      return status;
    };
  });
}

void setup_diff(CLI::App& cmd, GlobalOptions& global) {
  auto name = std::make_shared<std::string>();
  cmd.add_option("CONTAINER", *name, "Container")->required();
  cmd.callback([=, &global] {
    global.run = [=, &global] {
      Store store(store_root(global));
      Container c = sandbox::find_container(store, *name);
      for (const auto& change :
           sandbox::upper_changes(c.upper_dir(), sandbox::container_lower_dirs(store, c)))
        std::cout << change.kind << " " << change.path << "\n";
      return 0;
    };
  });
}

void setup_commit(CLI::App& cmd, GlobalOptions& global) {
  struct Opts {
    std::string container, repository;
    sandbox::CommitOptions commit;
  };
  auto o = std::make_shared<Opts>();
  cmd.add_option("-a,--author", o->commit.author, "Author (e.g. \"Jane <jane@example.com>\")");
  cmd.add_option("-m,--message", o->commit.message, "Commit message");
  cmd.add_option("-c,--change", o->commit.changes, "Apply Dockerfile instruction to the image")
      ->allow_extra_args(false);
  cmd.add_flag("-p,--pause", o->commit.pause, "Pause the container during commit (default true)");
  cmd.add_option("CONTAINER", o->container, "Container")->required();
  cmd.add_option("REPOSITORY", o->repository, "Name[:tag] for the new image");
  cmd.callback([o, &global] {
    global.run = [o, &global] {
      if (!o->repository.empty()) {
        Reference ref = parse_reference(o->repository);
        if (!ref.digest.empty()) throw UserError("cannot commit to a digest reference");
        o->commit.tag = ref.canonical();
      }
      Store store(store_root(global));
      Container c = sandbox::find_container(store, o->container);
      std::cout << sandbox::commit_container(store, c, o->commit) << "\n";
      return 0;
    };
  });
}

void setup_export(CLI::App& cmd, GlobalOptions& global) {
  auto name = std::make_shared<std::string>();
  auto output = std::make_shared<std::string>();
  cmd.add_option("CONTAINER", *name, "Container")->required();
  cmd.add_option("-o,--output", *output, "Write to a file, instead of STDOUT");
  cmd.callback([=, &global] {
    global.run = [=, &global] {
      Store store(store_root(global));
      Container c = sandbox::find_container(store, *name);
      if (output->empty()) {
        if (::isatty(STDOUT_FILENO))
          throw UserError("cowardly refusing to save to a terminal. Use the -o flag or redirect");
        sandbox::export_container(store, c, STDOUT_FILENO);
        return 0;
      }
      UniqueFd fd(::open(output->c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644));
      if (!fd) throw_errno("open " + *output);
      sandbox::export_container(store, c, fd.get());
      return 0;
    };
  });
}

void setup_logs(CLI::App& cmd, GlobalOptions& global) {
  auto name = std::make_shared<std::string>();
  auto follow = std::make_shared<bool>(false);
  cmd.add_option("CONTAINER", *name, "Container")->required();
  cmd.add_flag("-f,--follow", *follow, "Follow log output until the container stops");
  cmd.callback([=, &global] {
    global.run = [=, &global] {
      Store store(store_root(global));
      Container c = sandbox::find_container(store, *name);
      UniqueFd fd(::open(c.log_path().c_str(), O_RDONLY | O_CLOEXEC));
      char buffer[65536];
      for (;;) {
        // Read what is there; with -f, keep reading while the supervisor lives.
        bool alive = *follow && sandbox::supervisor_alive(c);
        ssize_t n;
        while (fd && (n = ::read(fd.get(), buffer, sizeof buffer)) > 0) std::cout.write(buffer, n);
        std::cout.flush();
        if (!alive) return 0;
        if (!fd) fd.reset(::open(c.log_path().c_str(), O_RDONLY | O_CLOEXEC));
        ::usleep(100000);
      }
    };
  });
}

void setup_stop(CLI::App& cmd, GlobalOptions& global) {
  auto names = std::make_shared<std::vector<std::string>>();
  auto timeout = std::make_shared<int>(10);
  cmd.add_option("CONTAINER", *names, "Containers to stop")->required();
  cmd.add_option("-t,--time", *timeout, "Seconds to wait before killing the container")
      ->capture_default_str();
  cmd.callback([=, &global] {
    global.run = [=, &global] {
      Store store(store_root(global));
      int status = 0;
      for (const auto& name : *names) {
        try {
          sandbox::stop_container(sandbox::find_container(store, name), *timeout);
          std::cout << name << "\n";
        } catch (const UserError& e) {
          std::cerr << "Error response from daemon: " << e.what() << "\n";
          status = 1;
        }
      }
      return status;
    };
  });
}

void setup_start(CLI::App& cmd, GlobalOptions& global) {
  auto names = std::make_shared<std::vector<std::string>>();
  auto attach = std::make_shared<bool>(false);
  cmd.add_option("CONTAINER", *names, "Containers to start")->required();
  cmd.add_flag("-a,--attach", *attach, "Attach STDOUT/STDERR and forward signals");
  cmd.callback([=, &global] {
    global.run = [=, &global] {
      Store store(store_root(global));
      int status = 0;
      for (const auto& name : *names) {
        try {
          Container c = sandbox::find_container(store, name);
          if (*attach) return sandbox::start_container(store, c.id, false);
          sandbox::start_container(store, c.id, true);
          std::cout << name << "\n";
        } catch (const sandbox::StartError& e) {
          std::cerr << "Error response from daemon: " << e.what() << "\n";
          status = e.exit_code();
        } catch (const UserError& e) {
          std::cerr << "Error response from daemon: " << e.what() << "\n";
          status = 1;
        }
      }
      return status;
    };
  });
}

void setup_exec(CLI::App& cmd, GlobalOptions& global) {
  struct Opts {
    std::string container;
    sandbox::ExecOptions exec;
  };
  auto o = std::make_shared<Opts>();
  cmd.add_flag("-i,--interactive", o->exec.interactive, "Keep STDIN open");
  cmd.add_flag("-t,--tty", o->exec.tty, "Allocate a pseudo-TTY");
  cmd.add_option("-e,--env", o->exec.env, "Set environment variables")->allow_extra_args(false);
  cmd.add_option("-u,--user", o->exec.user, "Username or UID (format: <name|uid>[:<group|gid>])");
  cmd.add_option("-w,--workdir", o->exec.workdir, "Working directory inside the container");
  cmd.add_option("CONTAINER", o->container, "Container")->required();
  cmd.add_option("COMMAND", o->exec.argv, "Command and arguments")->required();
  cmd.positionals_at_end();
  cmd.prefix_command();
  cmd.callback([o, &global] {
    global.run = [o, &global] {
      require_terminal(o->exec.interactive, o->exec.tty);
      Store store(store_root(global));
      Container c = sandbox::find_container(store, o->container);
      try {
        return sandbox::exec_in_container(c, o->exec);
      } catch (const sandbox::StartError& e) {
        std::cerr << "layerfs: Error: " << e.what() << "\n";
        return e.exit_code();
      }
    };
  });
}

}  // namespace

void register_container_commands(CLI::App& app, GlobalOptions& global) {
  auto* container = app.add_subcommand("container", "Manage containers");
  container->require_subcommand(1);
  add_command(app, "run", "Create and run a new container from an image", global, setup_run);
  add_command(*container, "run", "Create and run a new container from an image", global, setup_run);
  add_command(app, "ps", "List containers", global, setup_ps);
  add_command(*container, "ls", "List containers", global, setup_ps)->alias("ps")->alias("list");
  add_command(app, "rm", "Remove one or more containers", global, setup_rm);
  add_command(*container, "rm", "Remove one or more containers", global, setup_rm)->alias("remove");
  add_command(app, "diff", "Inspect changes to files on a container's filesystem", global,
              setup_diff);
  add_command(*container, "diff", "Inspect changes to files on a container's filesystem", global,
              setup_diff);
  add_command(app, "commit", "Create a new image from a container's changes", global, setup_commit);
  add_command(*container, "commit", "Create a new image from a container's changes", global,
              setup_commit);
  add_command(app, "export", "Export a container's filesystem as a tar archive", global,
              setup_export);
  add_command(*container, "export", "Export a container's filesystem as a tar archive", global,
              setup_export);
  for (CLI::App* parent : {&app, container}) {
    add_command(*parent, "logs", "Fetch the logs of a container", global, setup_logs);
    add_command(*parent, "stop", "Stop one or more running containers", global, setup_stop);
    add_command(*parent, "start", "Start one or more stopped containers", global, setup_start);
    add_command(*parent, "exec", "Execute a command in a running container", global, setup_exec);
  }
}

}  // namespace layerfs::cli
