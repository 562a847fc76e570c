// docker inspect, image inspect and container inspect: one command, three scopes.
#include <iostream>
#include <memory>
#include <optional>

#include "cli/command.h"
#include "layers/image.h"
#include "layers/image_index.h"
#include "layers/image_inspect.h"
#include "sandbox/container.h"
#include "util/error.h"
#include "util/go_template.h"

namespace layerfs::cli {

namespace {

// What `name` is, as docker looks: a container first, then an image.
nlohmann::ordered_json inspect_object(const Store& store, const std::string& name,
                                      const std::string& type) {
  auto image = [&] {
    ImageIndex index = ImageIndex::load(store);
    return inspect_image(store, index, load_image(store, index, resolve_image(index, name)));
  };
  auto container = [&] { return sandbox::find_container(store, name).record; };
  if (type == "image") return image();
  if (type == "container") return container();
  try {
    return container();
  } catch (const UserError&) {
  }
  try {
    return image();
  } catch (const UserError&) {
    throw UserError("No such object: " + name);
  }
}

void setup_inspect(CLI::App& cmd, GlobalOptions& global, const std::string& scope) {
  struct Opts {
    std::vector<std::string> names;
    std::string format, type;
  };
  auto o = std::make_shared<Opts>();
  o->type = scope;
  std::string what = scope.empty() ? "NAME|ID" : scope == "image" ? "IMAGE" : "CONTAINER";
  cmd.add_option(what, o->names, "Objects to inspect")->required();
  cmd.add_option("-f,--format", o->format, "Format output using a Go template");
  if (scope.empty())
    cmd.add_option("--type", o->type, "Only this type of object: image or container")
        ->check(CLI::IsMember({"image", "container"}));
  cmd.callback([o, &global] {
    global.run = [o, &global] {
      Store store(store_root(global));
      std::optional<GoTemplate> tmpl;
      if (!o->format.empty()) tmpl = GoTemplate::parse_raw(o->format);
      nlohmann::ordered_json all = nlohmann::ordered_json::array();
      int status = 0;
      for (const auto& name : o->names) {
        try {
          auto value = inspect_object(store, name, o->type);
          if (tmpl)
            std::cout << tmpl->render(nlohmann::json::parse(value.dump()),
                                      GoTemplate::MissingField::kNoValue)
                      << "\n";
          else
            all.push_back(std::move(value));
        } catch (const UserError& e) {
          std::cerr << "Error: " << e.what() << "\n";
          status = 1;
        }
      }
      if (!tmpl) std::cout << all.dump(4) << "\n";
      return status;
    };
  });
}

}  // namespace

void register_inspect_commands(CLI::App& app, GlobalOptions& global) {
  add_command(app, "inspect", "Return low-level information on containers and images", global,
              [](CLI::App& cmd, GlobalOptions& g) { setup_inspect(cmd, g, ""); });
  for (const char* scope : {"image", "container"}) {
    CLI::App* parent = app.get_subcommand(scope);
    std::string help = std::string("Display detailed information on ") + scope + "s";
    add_command(*parent, "inspect", help, global,
                [scope](CLI::App& cmd, GlobalOptions& g) { setup_inspect(cmd, g, scope); });
  }
}

}  // namespace layerfs::cli
