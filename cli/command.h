// How a command plugs into the CLI: each cli/<verb>.cpp defines one register function that adds its
// subcommand(s) to the app and parses arguments; the work itself happens in the components.
#pragma once

#include <CLI/CLI.hpp>
#include <functional>
#include <string>

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

// Every register function; main.cpp calls them all.

}  // namespace layerfs::cli
