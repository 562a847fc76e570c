// layerfs: daemonless, rootless container images. This file wires global options and commands.
#include <spdlog/spdlog.h>

#include <CLI/CLI.hpp>
#include <cstdlib>
#include <iostream>

#include "cli/command.h"
#include "util/error.h"

namespace {

constexpr const char* kVersion = "0.1.0";

void configure_logging(const std::string& level) {
  spdlog::set_pattern("layerfs: %l: %v");
  auto parsed = spdlog::level::from_str(level);
  if (parsed == spdlog::level::off && level != "off")
    throw layerfs::UserError("unknown log level \"" + level + "\"");
  spdlog::set_level(parsed);
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{"layerfs: daemonless, rootless container images"};
  app.name("layerfs");
  app.require_subcommand(1);
  app.set_version_flag("-v,--version", std::string("layerfs version ") + kVersion);
  layerfs::cli::GlobalOptions options;
  options.log_level = "warn";
  app.add_option("--root", options.root, "Store directory (default $LAYERFS_ROOT, else XDG data dir)");
  app.add_option("--log-level", options.log_level, "debug, info, warn, error")->capture_default_str();


  try {
    app.parse(argc, argv);
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
