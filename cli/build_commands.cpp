// `layerfs build`: argument parsing and progress output; the work is in builder/.
#include <unistd.h>

#include <iostream>
#include <iterator>
#include <memory>

#include "builder/builder.h"
#include "builder/tty_progress.h"
#include "cli/command.h"
#include "layers/reference.h"
#include "util/error.h"
#include "util/fs.h"

namespace layerfs::cli {

namespace {

void setup_build(CLI::App& cmd, GlobalOptions& global) {
  struct Opts {
    std::string context, file, target, iidfile, progress = "auto", network = "host";
    std::vector<std::string> tags, build_args, labels;
    bool no_cache = false, quiet = false, squash = false;
  };
  auto o = std::make_shared<Opts>();
  cmd.add_option("CONTEXT", o->context, "Build context directory")->required();
  cmd.add_option("-t,--tag", o->tags, "Name and optionally a tag (name:tag); repeatable");
  cmd.add_option("-f,--file", o->file, "Dockerfile (default CONTEXT/Dockerfile; - for stdin)");
  cmd.add_option("--build-arg", o->build_args, "Set a build-time variable (KEY[=VALUE])");
  cmd.add_option("--target", o->target, "Build up to this stage");
  cmd.add_flag("--no-cache", o->no_cache, "Do not use the build cache");
  cmd.add_flag("--squash", o->squash,
               "Merge the layers the final stage's steps add into one layer over its base image");
  cmd.add_option("--label", o->labels, "Set metadata on the image (KEY=VALUE)");
  cmd.add_option("--iidfile", o->iidfile, "Write the image ID to the file");
  cmd.add_option("--network", o->network, "Network of RUN steps: host (default) or none")
      ->check(CLI::IsMember({"host", "none", "default"}));
  cmd.add_flag("-q,--quiet", o->quiet, "Print only the image ID");
  cmd.add_option("--progress", o->progress,
                 "Progress output: auto (tty on a terminal, else plain), plain, tty, quiet")
      ->check(CLI::IsMember({"auto", "plain", "tty", "quiet"}));
  cmd.callback([o, &global] {
    global.run = [o, &global] {
      builder::BuildOptions options;
      options.context_dir = absolute_path(o->context);
      if (!is_directory(options.context_dir))
        throw UserError("build context \"" + o->context + "\" is not a directory");
      options.dockerfile_path = o->file;
      options.network = o->network == "default" ? "host" : o->network;
      if (o->file == "-") {
        options.dockerfile_text.assign(std::istreambuf_iterator<char>(std::cin),
                                       std::istreambuf_iterator<char>());
      } else if (!o->file.empty()) {
        options.dockerfile_path = absolute_path(o->file);
      }
      for (const auto& tag : o->tags) {
        Reference ref = parse_reference(tag);
        if (!ref.digest.empty())
          throw UserError("invalid tag \"" + tag + "\": digests are not tags");
        options.tags.push_back(ref.canonical());
      }
      for (const auto& arg : o->build_args) {
        auto eq = arg.find('=');
        if (eq == std::string::npos)
          options.build_args[arg] = std::nullopt;
        else
          options.build_args[arg.substr(0, eq)] = arg.substr(eq + 1);
      }
      for (const auto& label : o->labels) {
        auto eq = label.find('=');
        options.labels[label.substr(0, eq)] = eq == std::string::npos ? "" : label.substr(eq + 1);
      }
      options.target = o->target;
      options.no_cache = o->no_cache;
      options.squash = o->squash;
      if (const char* epoch = std::getenv("SOURCE_DATE_EPOCH"); epoch && *epoch) {
        try {
          options.source_date_epoch = std::stoll(epoch);
        } catch (const std::exception&) {
          throw UserError("SOURCE_DATE_EPOCH=\"" + std::string(epoch) + "\" is not a number");
        }
      }
      std::unique_ptr<builder::BuildProgress> progress;
      bool tty = o->progress == "tty" || (o->progress == "auto" && ::isatty(STDERR_FILENO));
      if (!o->quiet && o->progress != "quiet")
        progress = tty ? builder::make_tty_progress(STDERR_FILENO)
                       : builder::make_plain_progress(std::cerr);
      options.progress = progress.get();
      Store store(store_root(global));
      auto result = builder::build_image(store, options);
      progress.reset();  // the live view ends before the summary lines
      if (!o->iidfile.empty()) write_file_atomic(absolute_path(o->iidfile), result.image_id);
      if (o->quiet) {
        std::cout << result.image_id << "\n";
      } else {
        std::cerr << "writing image " << result.image_id << " done\n";
        for (const auto& tag : options.tags) std::cerr << "naming to " << tag << " done\n";
      }
      return 0;
    };
  });
}

}  // namespace

void register_build_commands(CLI::App& app, GlobalOptions& global) {
  add_command(app, "build", "Build an image from a Dockerfile", global, setup_build);
}

}  // namespace layerfs::cli
