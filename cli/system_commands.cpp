// `layerfs system df [-v]`: disk usage of images, layers (with sharing), containers and cache.
#include <iostream>
#include <memory>

#include "cli/command.h"
#include "layers/disk_usage.h"
#include "layers/image.h"
#include "util/humanize.h"

namespace layerfs::cli {

namespace {

std::string size_text(uint64_t bytes) { return human_size(static_cast<double>(bytes), 4); }

std::string reclaimable_text(uint64_t reclaimable, uint64_t total) {
  std::string out = size_text(reclaimable);
  if (total > 0) out += " (" + std::to_string(reclaimable * 100 / total) + "%)";
  return out;
}

void setup_df(CLI::App& cmd, GlobalOptions& global) {
  auto verbose = std::make_shared<bool>(false);
  auto format = std::make_shared<std::string>();
  cmd.add_flag("-v,--verbose", *verbose, "Show detailed information on space usage");
  cmd.add_option("--format", *format, "Format output using a Go template");
  cmd.callback([=, &global] {
    global.run = [=, &global] {
      DiskUsage u = disk_usage_report(Store(store_root(global)));
      std::vector<nlohmann::json> rows = {
          {{"Type", "Images"},
           {"TotalCount", std::to_string(u.images.size())},
           {"Active", std::to_string(u.images_active)},
           {"Size", size_text(u.images_physical)},
           {"Reclaimable", reclaimable_text(u.images_reclaimable, u.images_physical)}},
          {{"Type", "Containers"},
           {"TotalCount", std::to_string(u.containers_total)},
           {"Active", "0"},
           {"Size", size_text(u.containers_size)},
           {"Reclaimable", reclaimable_text(u.containers_size, u.containers_size)}},
          {{"Type", "Build Cache"},
           {"TotalCount", std::to_string(u.cache_entries)},
           {"Active", "0"},
           {"Size", size_text(u.cache_size)},
           {"Reclaimable", size_text(u.cache_size)}}};
      std::map<std::string, std::string> headers = {{"Type", "TYPE"},
                                                    {"TotalCount", "TOTAL"},
                                                    {"Active", "ACTIVE"},
                                                    {"Size", "SIZE"},
                                                    {"Reclaimable", "RECLAIMABLE"}};
      if (!*verbose) {
        print_listing(*format,
                      "table {{.Type}}\t{{.TotalCount}}\t{{.Active}}\t{{.Size}}\t{{.Reclaimable}}",
                      rows, headers);
        if (format->empty() && u.images_logical > u.images_physical)
          std::cout << "\nLayer sharing: images total " << size_text(u.images_logical)
                    << " logical, " << size_text(u.images_physical) << " on disk ("
                    << size_text(u.images_logical - u.images_physical) << " saved)\n";
        return 0;
      }
      std::cout << "Images space usage:\n\n";
      std::vector<nlohmann::json> images;
      for (const auto& i : u.images) {
        std::string repo = "<none>", tag = "<none>";
        if (!i.names.empty()) {
          auto colon = i.names.front().rfind(':');
          repo = i.names.front().substr(0, colon);
          tag = i.names.front().substr(colon + 1);
        }
        images.push_back({{"Repository", repo},
                          {"Tag", tag},
                          {"ID", short_id(i.id)},
                          {"Size", size_text(i.size)},
                          {"SharedSize", size_text(i.shared_size)},
                          {"UniqueSize", size_text(i.size - i.shared_size)},
                          {"Containers", std::to_string(i.containers)}});
      }
      print_listing("",
                    "table "
                    "{{.Repository}}\t{{.Tag}}\t{{.ID}}\t{{.Size}}\t{{.SharedSize}}\t{{.UniqueSize}"
                    "}\t{{.Containers}}",
                    images,
                    {{"Repository", "REPOSITORY"},
                     {"Tag", "TAG"},
                     {"ID", "IMAGE ID"},
                     {"Size", "SIZE"},
                     {"SharedSize", "SHARED SIZE"},
                     {"UniqueSize", "UNIQUE SIZE"},
                     {"Containers", "CONTAINERS"}});
      std::cout << "\nLayers space usage:\n\n";
      std::vector<nlohmann::json> layers;
      for (const auto& l : u.layers)
        layers.push_back({{"DiffID", short_id(l.diff_id)},
                          {"Size", size_text(l.size)},
                          {"Images", std::to_string(l.images)}});
      print_listing("", "table {{.DiffID}}\t{{.Size}}\t{{.Images}}", layers,
                    {{"DiffID", "DIFF ID"}, {"Size", "SIZE"}, {"Images", "IMAGES"}});
      std::cout << "\nLogical size of all images: " << size_text(u.images_logical)
                << "; on disk: " << size_text(u.images_physical) << "\n";
      std::cout << "\nContainers space usage: " << u.containers_total << " containers, "
                << size_text(u.containers_size) << "\n";
      std::cout << "\nBuild cache usage: " << u.cache_entries << " entries\n";
      return 0;
    };
  });
}

}  // namespace

void register_system_commands(CLI::App& app, GlobalOptions& global) {
  CLI::App* system = app.add_subcommand("system", "Manage layerfs");
  system->require_subcommand(1);
  add_command(*system, "df", "Show layerfs disk usage", global, setup_df);
}

}  // namespace layerfs::cli
