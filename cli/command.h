// How a command plugs into the CLI: each cli/<verb>.cpp defines one register function that adds its
// subcommand(s) to the app and parses arguments; the work itself happens in the components.
#pragma once

#include <CLI/CLI.hpp>
#include <functional>
#include <map>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

namespace layerfs::cli {

struct GlobalOptions {
  std::string root;       // --root / LAYERFS_ROOT; empty means the default store location
  std::string log_level;  // --log-level
  // Set by the chosen subcommand's parse callback; main runs it once parsing succeeded, so
  // logging is configured first. Returns the exit code.
  std::function<int()> run;
};

// Store root chosen by --root, LAYERFS_ROOT, XDG_DATA_HOME or the per-user/root default.
std::string store_root(const GlobalOptions& options);

// Fills in a (sub)command: its options, and a parse callback that sets options.run.
using CommandSetup = std::function<void(CLI::App&, GlobalOptions&)>;

// Adds `name` under parent and sets it up; docker's aliases (`images` and `image ls`) call this
// once per place with the same setup.
CLI::App* add_command(CLI::App& parent, const std::string& name, const std::string& help,
                      GlobalOptions& options, const CommandSetup& setup);

// Prints rows with a docker --format (or the default when format is empty); "table ..." formats
// get a header from `headers` and aligned columns.
void print_listing(const std::string& format, const std::string& default_format,
                   const std::vector<nlohmann::json>& rows,
                   const std::map<std::string, std::string>& headers);

// Every register function; main.cpp calls them all.
void register_image_commands(CLI::App& app, GlobalOptions& options);
void register_layer_commands(CLI::App& app, GlobalOptions& options);
void register_system_commands(CLI::App& app, GlobalOptions& options);
void register_mount_commands(CLI::App& app, GlobalOptions& options);
void register_build_commands(CLI::App& app, GlobalOptions& options);
void register_container_commands(CLI::App& app, GlobalOptions& options);
void register_registry_commands(CLI::App& app, GlobalOptions& options);
// After the image and container commands (it adds `image inspect` and `container inspect`).
void register_inspect_commands(CLI::App& app, GlobalOptions& options);

}  // namespace layerfs::cli
