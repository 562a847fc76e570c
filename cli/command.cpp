#include "cli/command.h"

#include <iostream>

#include "layers/store.h"
#include "util/fs.h"
#include "util/go_template.h"

namespace layerfs::cli {

std::string store_root(const GlobalOptions& options) {
  return options.root.empty() ? default_store_root() : absolute_path(options.root);
}

CLI::App* add_command(CLI::App& parent, const std::string& name, const std::string& help,
                      GlobalOptions& options, const CommandSetup& setup) {
  CLI::App* command = parent.add_subcommand(name, help);
  setup(*command, options);
  return command;
}

void print_listing(const std::string& format, const std::string& default_format,
                   const std::vector<nlohmann::json>& rows,
                   const std::map<std::string, std::string>& headers) {
  GoTemplate tmpl = GoTemplate::parse(format.empty() ? default_format : format);
  if (tmpl.empty()) tmpl = GoTemplate::parse(default_format);
  std::cout << render_listing(tmpl, rows, headers);
}

}  // namespace layerfs::cli
