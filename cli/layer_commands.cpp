// `layerfs layer ls [IMAGE]` and `layerfs layer path DIFF_ID|IMAGE@N`: every layer is a plain
// directory a user can browse.
#include <iostream>
#include <map>
#include <memory>

#include "cli/command.h"
#include "layers/image.h"
#include "util/error.h"
#include "util/humanize.h"
#include "util/sha256.h"

namespace layerfs::cli {

namespace {

// A diff ID or a unique prefix of one (with or without "sha256:").
std::string resolve_layer(const Store& store, const std::string& text) {
  std::string hex = text.rfind("sha256:", 0) == 0 ? text.substr(7) : text;
  std::string found;
  for (const auto& id : store.list_layers()) {
    if (id.compare(7, hex.size(), hex) != 0 || hex.empty()) continue;
    if (!found.empty()) throw UserError("layer ID prefix \"" + text + "\" is ambiguous");
    found = id;
  }
  if (found.empty()) throw UserError("No such layer: " + text);
  return found;
}

std::string layer_path_of(const Store& store, const std::string& text) {
  auto at = text.rfind('@');
  if (at != std::string::npos && at + 1 < text.size() &&
      text.find_first_not_of("0123456789", at + 1) == std::string::npos) {
    ImageIndex index = ImageIndex::load(store);
    Image image = load_image(store, index, resolve_image(index, text.substr(0, at)));
    auto diff_ids = image.diff_ids();
    size_t n = std::stoul(text.substr(at + 1));
    if (n >= diff_ids.size())
      throw UserError(text + ": the image has " + std::to_string(diff_ids.size()) +
                      " layers (0 is the bottom one)");
    return store.layer_diff_path(diff_ids[n]);
  }
  return store.layer_diff_path(resolve_layer(store, text));
}

void setup_layer_ls(CLI::App& cmd, GlobalOptions& global) {
  struct Opts {
    std::string image, format;
    bool no_trunc = false, quiet = false;
  };
  auto o = std::make_shared<Opts>();
  cmd.add_option("IMAGE", o->image, "Only the layers of this image, bottom first");
  cmd.add_flag("--no-trunc", o->no_trunc, "Don't truncate diff IDs");
  cmd.add_flag("-q,--quiet", o->quiet, "Only show diff IDs");
  cmd.add_option("--format", o->format, "Format output using a Go template");
  cmd.callback([o, &global] {
    global.run = [o, &global] {
      Store store(store_root(global));
      ImageIndex index = ImageIndex::load(store);
      std::map<std::string, int> users;
      for (const auto& [id, record] : index.images)
        for (const auto& d : load_image(store, index, id).diff_ids()) ++users[d];
      std::vector<std::string> ids;
      if (o->image.empty())
        ids = store.list_layers();
      else
        ids = load_image(store, index, resolve_image(index, o->image)).diff_ids();
      std::vector<nlohmann::json> rows;
      for (size_t i = 0; i < ids.size(); ++i) {
        LayerInfo info = store.read_layer_info(ids[i]);
        rows.push_back({{"Index", std::to_string(i)},
                        {"DiffID", o->no_trunc || o->quiet ? info.diff_id : short_id(info.diff_id)},
                        {"Size", human_size(static_cast<double>(info.size))},
                        {"Images", std::to_string(users[info.diff_id])},
                        {"Created", info.created},
                        {"Path", store.layer_diff_path(info.diff_id)}});
      }
      std::string default_format =
          o->image.empty() ? "table {{.DiffID}}\t{{.Size}}\t{{.Images}}\t{{.Path}}"
                           : "table {{.Index}}\t{{.DiffID}}\t{{.Size}}\t{{.Images}}\t{{.Path}}";
      print_listing(o->quiet ? "{{.DiffID}}" : o->format, default_format, rows,
                    {{"Index", "#"},
                     {"DiffID", "DIFF ID"},
                     {"Size", "SIZE"},
                     {"Images", "IMAGES"},
                     {"Created", "CREATED"},
                     {"Path", "DIRECTORY"}});
      return 0;
    };
  });
}

void setup_layer_path(CLI::App& cmd, GlobalOptions& global) {
  auto layer = std::make_shared<std::string>();
  cmd.add_option("LAYER", *layer, "DIFF_ID (or a unique prefix), or IMAGE@N (N from 0 = bottom)")
      ->required();
  cmd.callback([=, &global] {
    global.run = [=, &global] {
      std::cout << layer_path_of(Store(store_root(global)), *layer) << "\n";
      return 0;
    };
  });
}

}  // namespace

void register_layer_commands(CLI::App& app, GlobalOptions& global) {
  CLI::App* layer = app.add_subcommand("layer", "Inspect layers as plain directories");
  layer->require_subcommand(1);
  add_command(*layer, "ls", "List layers (all, or one image's from the bottom up)", global,
              setup_layer_ls)
      ->alias("list");
  add_command(*layer, "path", "Print the directory that holds a layer", global, setup_layer_path);
}

}  // namespace layerfs::cli
