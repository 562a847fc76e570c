// layerfs: daemonless, rootless container images. This file wires global options and commands.
#include <spdlog/sinks/stdout_color_sinks.h>
#include <spdlog/spdlog.h>

#include <CLI/CLI.hpp>
#include <csignal>
#include <cstdlib>
#include <iostream>
#include <string>
#include <vector>

#include "cli/command.h"
#include "util/error.h"

namespace {

constexpr const char* kVersion = "0.1.0";

void configure_logging(const std::string& level) {
  // Warnings go to stderr: stdout carries what commands print (IDs, a container's output).
  spdlog::set_default_logger(spdlog::stderr_color_st("layerfs"));
  spdlog::set_pattern("layerfs: %l: %v");
  auto parsed = spdlog::level::from_str(level);
  if (parsed == spdlog::level::off && level != "off")
    throw layerfs::UserError("unknown log level \"" + level + "\"");
  spdlog::set_level(parsed);
}

// docker accepts Go-style short flags with a value, such as `history -H=false`; CLI11 reads
// "-H=false" as the value "=false", so rewrite those to the long form.
std::vector<std::string> docker_style_arguments(int argc, char** argv) {
  std::vector<std::string> args(argv, argv + argc);
  for (auto& arg : args)
    if (arg.rfind("-H=", 0) == 0) arg = "--human=" + arg.substr(3);
  return args;
}

// containers/storage runs an overlay mount_program as `PROGRAM -o OPTIONS MOUNTPOINT`, the way
// fuse-overlayfs is called: for layerfs that is `layerfs mount -o OPTIONS MOUNTPOINT`.
void as_mount_program(std::vector<std::string>& args) {
  if (args.size() > 1 && args[1] == "-o") args.insert(args.begin() + 1, "mount");
}

}  // namespace

int main(int argc, char** argv) {
  // Writes to a closed pipe (`layerfs save | head`) must fail with EPIPE, not kill us.
  std::signal(SIGPIPE, SIG_IGN);
  CLI::App app{"layerfs: daemonless, rootless container images"};
  app.name("layerfs");
  app.require_subcommand(1);
  app.set_version_flag("-v,--version", std::string("layerfs version ") + kVersion);
  layerfs::cli::GlobalOptions options;
  options.log_level = "warn";
  app.add_option("--root", options.root,
                 "Store directory (default $LAYERFS_ROOT, else XDG data dir)");
  app.add_option("--log-level", options.log_level, "debug, info, warn, error")
      ->capture_default_str();

  layerfs::cli::register_image_commands(app, options);
  layerfs::cli::register_layer_commands(app, options);
  layerfs::cli::register_system_commands(app, options);
  layerfs::cli::register_mount_commands(app, options);
  layerfs::cli::register_build_commands(app, options);
  layerfs::cli::register_container_commands(app, options);
  layerfs::cli::register_registry_commands(app, options);
  layerfs::cli::register_inspect_commands(app, options);

  try {
    auto args = docker_style_arguments(argc, argv);
    as_mount_program(args);
    std::vector<char*> pointers;
    for (auto& arg : args) pointers.push_back(arg.data());
    app.parse(static_cast<int>(pointers.size()), pointers.data());
  } catch (const CLI::ParseError& e) {
    return app.exit(e);
  }
  try {
    configure_logging(options.log_level);
    return options.run ? options.run() : 0;
  } catch (const layerfs::UserError& e) {
    std::cerr << "Error: " << e.what() << "\n";
    return 1;
  } catch (const std::exception& e) {
    std::cerr << "Error: " << e.what() << "\n";
    return 1;
  }
}
