// docker's image commands: images/image ls, tag, rmi/image rm, image prune, image inspect/inspect,
// history, import, save, load. Argument parsing and printing only; the work is in layers/.
#include <fcntl.h>
#include <unistd.h>

#include <chrono>
#include <iostream>
#include <memory>
#include <set>

#include "cli/command.h"
#include "layers/image.h"
#include "layers/image_inspect.h"
#include "layers/image_list.h"
#include "layers/image_load.h"
#include "layers/image_remove.h"
#include "layers/image_save.h"
#include "layers/image_tag.h"
#include "layers/import.h"
#include "layers/reference.h"
#include "util/error.h"
#include "util/go_template.h"
#include "util/humanize.h"
#include "util/unique_fd.h"

namespace layerfs::cli {

namespace {

int64_t now_unix() {
  return std::chrono::duration_cast<std::chrono::seconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

std::string display_id(const std::string& id, bool no_trunc) {
  return no_trunc ? id : short_id(id);
}

std::string created_since(const std::string& created) {
  if (created.empty()) return "N/A";
  int64_t seconds = now_unix() - parse_rfc3339_seconds(created);
  return human_duration_seconds(static_cast<double>(seconds)) + " ago";
}

std::string created_at(const std::string& created) {
  if (created.empty()) return "";
  return format_go_time(parse_rfc3339(created));
}

// Reads "y"/"yes" from stdin after a warning, as docker's prune prompts do.
bool confirm(const std::string& warning) {
  std::cout << warning << "\nAre you sure you want to continue? [y/N] " << std::flush;
  std::string answer;
  std::getline(std::cin, answer);
  return answer == "y" || answer == "Y" || answer == "yes";
}

void setup_images(CLI::App& cmd, GlobalOptions& global) {
  struct Opts {
    bool all = false, quiet = false, digests = false, no_trunc = false;
    std::vector<std::string> filters;
    std::string format, repository;
  };
  auto o = std::make_shared<Opts>();
  cmd.add_option("REPOSITORY", o->repository, "Only images of this repository[:tag]");
  cmd.add_flag("-a,--all", o->all, "Show all images (default hides intermediate images)");
  cmd.add_flag("-q,--quiet", o->quiet, "Only show image IDs");
  cmd.add_flag("--digests", o->digests, "Show digests");
  cmd.add_flag("--no-trunc", o->no_trunc, "Don't truncate output");
  cmd.add_option("-f,--filter", o->filters,
                 "Filter output: dangling=true|false, since=IMG, before=IMG, reference=PATTERN, "
                 "label=K[=V]");
  cmd.add_option("--format", o->format, "Format output using a Go template");
  cmd.callback([o, &global] {
    global.run = [o, &global] {
      Store store(store_root(global));
      ImageListOptions options{o->all, o->repository, o->filters};
      auto rows = list_images(store, options);
      std::vector<nlohmann::json> values;
      std::set<std::string> seen;
      for (const auto& r : rows) {
        if (o->quiet && !seen.insert(r.id).second) continue;
        nlohmann::json labels = nlohmann::json::object();
        std::string label_text;
        for (const auto& [k, v] : r.labels) {
          labels[k] = v;
          label_text += (label_text.empty() ? "" : ",") + k + "=" + v;
        }
        values.push_back({{"ID", display_id(r.id, o->no_trunc)},
                          {"Repository", r.repository},
                          {"Tag", r.tag},
                          {"Digest", r.digest},
                          {"CreatedSince", created_since(r.created)},
                          {"CreatedAt", created_at(r.created)},
                          {"Size", human_size(static_cast<double>(r.size))},
                          {"VirtualSize", human_size(static_cast<double>(r.size))},
                          {"SharedSize", "N/A"},
                          {"UniqueSize", "N/A"},
                          {"Containers", std::to_string(r.containers)},
                          {"Labels", label_text}});
      }
      std::string default_format =
          o->quiet ? "{{.ID}}"
          : o->digests
              ? "table "
                "{{.Repository}}\t{{.Tag}}\t{{.Digest}}\t{{.ID}}\t{{.CreatedSince}}\t{{.Size}}"
              : "table {{.Repository}}\t{{.Tag}}\t{{.ID}}\t{{.CreatedSince}}\t{{.Size}}";
      print_listing(o->quiet ? "" : o->format, default_format, values,
                    {{"ID", "IMAGE ID"},
                     {"Repository", "REPOSITORY"},
                     {"Tag", "TAG"},
                     {"Digest", "DIGEST"},
                     {"CreatedSince", "CREATED"},
                     {"CreatedAt", "CREATED AT"},
                     {"Size", "SIZE"},
                     {"VirtualSize", "VIRTUAL SIZE"},
                     {"SharedSize", "SHARED SIZE"},
                     {"UniqueSize", "UNIQUE SIZE"},
                     {"Containers", "CONTAINERS"},
                     {"Labels", "LABELS"}});
      return 0;
    };
  });
}

void setup_tag(CLI::App& cmd, GlobalOptions& global) {
  auto source = std::make_shared<std::string>();
  auto target = std::make_shared<std::string>();
  cmd.add_option("SOURCE_IMAGE", *source, "Image to name (name[:tag] or ID)")->required();
  cmd.add_option("TARGET_IMAGE", *target, "New name[:tag]")->required();
  cmd.callback([=, &global] {
    global.run = [=, &global] {
      tag_image(Store(store_root(global)), *source, *target);
      return 0;
    };
  });
}

void setup_rmi(CLI::App& cmd, GlobalOptions& global) {
  auto names = std::make_shared<std::vector<std::string>>();
  auto options = std::make_shared<RemoveOptions>();
  cmd.add_option("IMAGE", *names, "Images to remove (names untag, IDs delete)")->required();
  cmd.add_flag("-f,--force", options->force, "Force removal of the image");
  cmd.add_flag("--no-prune", options->no_prune, "Do not delete untagged parents");
  cmd.callback([=, &global] {
    global.run = [=, &global] {
      Store store(store_root(global));
      int status = 0;
      for (const auto& name : *names) {
        RemovalReport report;
        try {
          auto lock = store.lock_for_writing();
          ImageIndex index = ImageIndex::load(store);
          remove_image(store, index, name, *options, report);
        } catch (const UserError& e) {
          std::cerr << "Error: " << e.what() << "\n";
          status = 1;
        }
        for (const auto& u : report.untagged) std::cout << "Untagged: " << u << "\n";
        for (const auto& d : report.deleted) std::cout << "Deleted: " << d << "\n";
      }
      return status;
    };
  });
}

void setup_prune(CLI::App& cmd, GlobalOptions& global) {
  struct Opts {
    bool all = false, force = false;
    std::vector<std::string> filters;
  };
  auto o = std::make_shared<Opts>();
  cmd.add_flag("-a,--all", o->all,
               "Remove all images not used by a container, not just dangling ones");
  cmd.add_flag("-f,--force", o->force, "Do not prompt for confirmation");
  cmd.add_option("--filter", o->filters,
                 "Filter: until=DURATION|TIMESTAMP, label=K[=V], label!=K[=V]");
  cmd.callback([o, &global] {
    global.run = [o, &global] {
      std::string warning = o->all ? "WARNING! This will remove all images without at least one "
                                     "container associated to them."
                                   : "WARNING! This will remove all dangling images.";
      if (!o->force && !confirm(warning)) return 0;
      Store store(store_root(global));
      RemovalReport report = prune_images(store, {o->all, o->filters, now_unix()});
      if (!report.untagged.empty() || !report.deleted.empty()) {
        std::cout << "Deleted Images:\n";
        for (const auto& u : report.untagged) std::cout << "untagged: " << u << "\n";
        for (const auto& d : report.deleted) std::cout << "deleted: " << d << "\n";
        std::cout << "\n";
      }
      std::cout << "Total reclaimed space: "
                << human_size(static_cast<double>(report.reclaimed_bytes), 4) << "\n";
      return 0;
    };
  });
}

void setup_history(CLI::App& cmd, GlobalOptions& global) {
  struct Opts {
    std::string image, format;
    bool no_trunc = false, quiet = false, human = true;
  };
  auto o = std::make_shared<Opts>();
  cmd.add_option("IMAGE", o->image, "Image")->required();
  cmd.add_flag("--no-trunc", o->no_trunc, "Don't truncate output");
  cmd.add_flag("-q,--quiet", o->quiet, "Only show image IDs");
  cmd.add_option("-H,--human", o->human, "Print sizes and dates in human readable format")
      ->capture_default_str();
  cmd.add_option("--format", o->format, "Format output using a Go template");
  cmd.callback([o, &global] {
    global.run = [o, &global] {
      Store store(store_root(global));
      ImageIndex index = ImageIndex::load(store);
      Image image = load_image(store, index, resolve_image(index, o->image));
      std::vector<nlohmann::json> values;
      for (const auto& row : image_history(store, index, image)) {
        std::string id = row.id == "<missing>" ? row.id : display_id(row.id, o->no_trunc);
        std::string created_by = row.created_by;
        for (auto& c : created_by)
          if (c == '\t') c = ' ';
        if (!o->no_trunc && created_by.size() > 45) created_by = created_by.substr(0, 44) + "…";
        values.push_back({{"ID", id},
                          {"CreatedSince", o->human ? created_since(row.created) : row.created},
                          {"CreatedAt", row.created},
                          {"CreatedBy", created_by},
                          {"Size", o->human ? human_size(static_cast<double>(row.size))
                                            : std::to_string(row.size)},
                          {"Comment", row.comment}});
      }
      print_listing(o->quiet ? "{{.ID}}" : o->format,
                    "table {{.ID}}\t{{.CreatedSince}}\t{{.CreatedBy}}\t{{.Size}}\t{{.Comment}}",
                    values,
                    {{"ID", "IMAGE"},
                     {"CreatedSince", "CREATED"},
                     {"CreatedAt", "CREATED AT"},
                     {"CreatedBy", "CREATED BY"},
                     {"Size", "SIZE"},
                     {"Comment", "COMMENT"}});
      return 0;
    };
  });
}

// Opens FILE for reading, or stdin for "-"/empty.
UniqueFd open_input(const std::string& path) {
  if (path.empty() || path == "-") return UniqueFd(::dup(STDIN_FILENO));
  UniqueFd fd(::open(path.c_str(), O_RDONLY | O_CLOEXEC));
  if (!fd) throw UserError("open " + path + ": " + std::strerror(errno));
  return fd;
}

void setup_import(CLI::App& cmd, GlobalOptions& global) {
  struct Opts {
    std::string file, repository, message;
    std::vector<std::string> changes;
  };
  auto o = std::make_shared<Opts>();
  cmd.add_option("FILE", o->file, "Root file system tarball (any compression), or - for stdin")
      ->required();
  cmd.add_option("REPOSITORY", o->repository, "Name[:tag] for the new image");
  cmd.add_option("-c,--change", o->changes, "Apply a Dockerfile instruction to the image");
  cmd.add_option("-m,--message", o->message, "Commit message for the imported image");
  cmd.callback([o, &global] {
    global.run = [o, &global] {
      ImportOptions options;
      options.source_name = o->file == "-" ? "-" : o->file;
      if (!o->repository.empty()) {
        Reference ref = parse_reference(o->repository);
        if (!ref.digest.empty()) throw UserError("cannot import to a digest reference");
        options.tag = ref.canonical();
      }
      options.changes = o->changes;
      options.message = o->message;
      Store store(store_root(global));
      UniqueFd in = open_input(o->file);
      if (o->file == "-" && ::isatty(in.get()))
        throw UserError("import from stdin, but stdin is a terminal");
      std::cout << import_rootfs(store, in.get(), options) << "\n";
      return 0;
    };
  });
}

void setup_save(CLI::App& cmd, GlobalOptions& global) {
  auto names = std::make_shared<std::vector<std::string>>();
  auto output = std::make_shared<std::string>();
  cmd.add_option("IMAGE", *names, "Images to save")->required();
  cmd.add_option("-o,--output", *output, "Write to a file, instead of STDOUT");
  cmd.callback([=, &global] {
    global.run = [=, &global] {
      Store store(store_root(global));
      if (output->empty()) {
        if (::isatty(STDOUT_FILENO))
          throw UserError("cowardly refusing to save to a terminal. Use the -o flag or redirect");
        save_images(store, *names, STDOUT_FILENO);
        return 0;
      }
      std::string path = absolute_path(*output);
      AtomicFile file(path, dirname_of(path), 0644);
      save_images(store, *names, file.fd());
      file.commit();
      return 0;
    };
  });
}

void setup_load(CLI::App& cmd, GlobalOptions& global) {
  auto input = std::make_shared<std::string>();
  auto quiet = std::make_shared<bool>(false);
  cmd.add_option("-i,--input", *input, "Read from a tar archive file, instead of STDIN");
  cmd.add_flag("-q,--quiet", *quiet, "Suppress the load output");
  cmd.callback([=, &global] {
    global.run = [=, &global] {
      Store store(store_root(global));
      UniqueFd in = open_input(*input);
      if (input->empty() && ::isatty(in.get()))
        throw UserError("requested load from stdin, but stdin is a terminal");
      auto loaded = load_images(store, in.get(), input->empty() ? "stdin" : *input);
      for (const auto& image : loaded) {
        if (image.tags.empty()) std::cout << "Loaded image ID: " << image.id << "\n";
        for (const auto& tag : image.tags) std::cout << "Loaded image: " << tag << "\n";
      }
      return 0;
    };
  });
}

}  // namespace

void register_image_commands(CLI::App& app, GlobalOptions& global) {
  CLI::App* image = app.add_subcommand("image", "Manage images");
  image->require_subcommand(1);

  add_command(app, "images", "List images", global, setup_images);
  add_command(*image, "ls", "List images", global, setup_images)->alias("list");
  add_command(app, "tag", "Create a tag TARGET_IMAGE that refers to SOURCE_IMAGE", global,
              setup_tag);
  add_command(*image, "tag", "Create a tag TARGET_IMAGE that refers to SOURCE_IMAGE", global,
              setup_tag);
  add_command(app, "rmi", "Remove one or more images", global, setup_rmi);
  add_command(*image, "rm", "Remove one or more images", global, setup_rmi)->alias("remove");
  add_command(*image, "prune", "Remove unused images", global, setup_prune);
  add_command(app, "history", "Show the history of an image", global, setup_history);
  add_command(*image, "history", "Show the history of an image", global, setup_history);
  add_command(app, "import", "Import a root file system tarball as an image", global, setup_import);
  add_command(*image, "import", "Import a root file system tarball as an image", global,
              setup_import);
  add_command(app, "save", "Save images to a tar archive (docker-archive + OCI layout)", global,
              setup_save);
  add_command(*image, "save", "Save images to a tar archive (docker-archive + OCI layout)", global,
              setup_save);
  add_command(app, "load", "Load images from a tar archive or STDIN", global, setup_load);
  add_command(*image, "load", "Load images from a tar archive or STDIN", global, setup_load);
}

}  // namespace layerfs::cli
