// `layerfs mount` and `layerfs umount`. The raw form takes fuse-overlayfs's options:
//   layerfs mount -o lowerdir=A:B,upperdir=U,workdir=W MOUNTPOINT
// and, as mount.fuse calls mount programs, `layerfs mount SOURCE MOUNTPOINT -o OPTIONS` (SOURCE
// ignored when the options name the lower directories).
#include <spdlog/spdlog.h>

#include <memory>
#include <string>
#include <vector>

#include "cli/command.h"
#include "fuse/serve.h"
#include "fuse/union_config.h"
#include "util/error.h"

namespace layerfs::cli {

namespace {

struct MountArgs {
  std::vector<std::string> positionals;  // [SOURCE] MOUNTPOINT
  std::vector<std::string> options;      // every -o value
  bool foreground = false;
  bool read_only = false;
};

std::string joined_options(const std::vector<std::string>& options) {
  std::string joined;
  for (const auto& option : options) {
    if (!joined.empty()) joined += ',';
    joined += option;
  }
  return joined;
}

bool names_lower_dirs(const std::string& options) {
  return options.rfind("lowerdir=", 0) == 0 || options.find(",lowerdir=") != std::string::npos;
}

// What to stack. Only the raw form exists so far; a SOURCE that is an image or container would
// be resolved here into its layer directories and an upper directory from the store.
fuse::UnionConfig union_config_for(const MountArgs& args) {
  std::string options = joined_options(args.options);
  if (!names_lower_dirs(options)) {
    throw UserError(args.positionals.size() == 2
                        ? "cannot mount " + args.positionals[0] +
                              ": give the layers with -o lowerdir=DIR[:DIR...]"
                        : "mount needs -o lowerdir=DIR[:DIR...][,upperdir=DIR,workdir=DIR]");
  }
  fuse::UnionConfig config = fuse::parse_mount_options(options);
  for (const auto& unknown : config.extra_options)
    spdlog::warn("ignoring unknown mount option \"{}\"", unknown);
  if (args.read_only) {
    config.upper_dir.clear();
    config.work_dir.clear();
  }
  return config;
}

void setup_mount(CLI::App& cmd, GlobalOptions& global) {
  auto args = std::make_shared<MountArgs>();
  cmd.add_option("-o,--options", args->options,
                 "lowerdir=A:B:C (top-most first),upperdir=DIR,workdir=DIR[,whiteout=oci|kernel]")
      ->allow_extra_args(false);
  cmd.add_option("args", args->positionals, "[SOURCE] MOUNTPOINT")->required()->expected(1, 2);
  cmd.add_flag("-f,--foreground", args->foreground, "Serve in this process until unmounted");
  cmd.add_flag("--read-only", args->read_only, "Mount without a writable upper directory");
  cmd.callback([args, &global] {
    global.run = [args] {
      fuse::UnionConfig config = union_config_for(*args);
      fuse::mount_union(args->positionals.back(), config, args->foreground);
      return 0;
    };
  });
}

void setup_umount(CLI::App& cmd, GlobalOptions& global) {
  auto mountpoint = std::make_shared<std::string>();
  cmd.add_option("MOUNTPOINT", *mountpoint, "Where the union is mounted")->required();
  cmd.callback([mountpoint, &global] {
    global.run = [mountpoint] {
      fuse::unmount_union(*mountpoint);
      return 0;
    };
  });
}

}  // namespace

void register_mount_commands(CLI::App& app, GlobalOptions& options) {
  add_command(app, "mount", "Mount a union of layer directories (fuse-overlayfs options)", options,
              setup_mount);
  add_command(app, "umount", "Unmount a union and wait for its daemon to exit", options,
              setup_umount);
}

}  // namespace layerfs::cli
