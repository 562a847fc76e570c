// `layerfs mount` and `layerfs umount`. The raw form takes fuse-overlayfs's options:
//   layerfs mount -o lowerdir=A:B,upperdir=U,workdir=W MOUNTPOINT
// and, as mount.fuse calls mount programs, `layerfs mount SOURCE MOUNTPOINT -o OPTIONS` (SOURCE
// ignored when the options name the lower directories); containers/storage's form,
// `layerfs -o OPTIONS MOUNTPOINT`, comes here too (main.cpp). The store form mounts an image or a
// container: `layerfs mount [--read-only] [--upper DIR] IMAGE|CONTAINER MOUNTPOINT`.
#include <spdlog/spdlog.h>

#include <iostream>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "cli/command.h"
#include "fuse/mount_lock.h"
#include "fuse/serve.h"
#include "fuse/union_config.h"
#include "layers/image.h"
#include "sandbox/container.h"
#include "sandbox/container_run.h"
#include "util/error.h"
#include "util/fs.h"

namespace layerfs::cli {

namespace {

struct MountArgs {
  std::vector<std::string> positionals;  // [SOURCE] MOUNTPOINT
  std::vector<std::string> options;      // every -o value
  bool foreground = false;
  bool read_only = false;
  std::string upper;  // --upper DIR for the image form
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

// The image form: `mount [--read-only] [--upper DIR] IMAGE|CONTAINER MOUNTPOINT`. A container
// is mounted with its own upper directory; an image gets a new container record (`created`), so
// that diff and commit work on what was written, unless --upper names a directory instead.
fuse::UnionConfig store_union_config(const MountArgs& args, const std::string& root,
                                     std::optional<sandbox::Container>& created) {
  Store store(root);
  const std::string& source = args.positionals[0];
  fuse::UnionConfig config;
  std::optional<sandbox::Container> container;
  try {
    container = sandbox::find_container(store, source);
  } catch (const UserError&) {
  }
  if (container) {
    if (sandbox::supervisor_alive(*container))
      throw UserError("container " + source + " is running: stop it before mounting it");
    if (std::optional<std::string> mountpoint = fuse::mounted_at(container->work_dir()))
      throw UserError("container " + source + " is mounted on " + *mountpoint + " already");
    if (args.read_only) {
      config.lower_dirs = sandbox::container_layers_read_only(store, *container);
      return config;
    }
    config.lower_dirs = sandbox::container_lower_dirs(store, *container);
    config.upper_dir = container->upper_dir();
    config.work_dir = container->work_dir();
    return config;
  }
  ImageIndex index = ImageIndex::load(store);
  Image image = load_image(store, index, resolve_image(index, source));
  config.lower_dirs = layer_dirs_top_first(store, image);
  if (args.read_only) return config;
  if (!args.upper.empty()) {
    // The work directory must be on the upper's file system: a hidden sibling.
    std::string upper = absolute_path(args.upper);
    config.upper_dir = upper;
    config.work_dir = dirname_of(upper) + "/." + basename_of(upper) + ".work";
    make_dirs(config.upper_dir);
    make_dirs(config.work_dir);
    return config;
  }
  sandbox::RunOptions options;
  options.image = source;
  options.command_optional = true;
  created = sandbox::create_container(store, options);
  config.lower_dirs = sandbox::container_lower_dirs(store, *created);
  config.upper_dir = created->upper_dir();
  config.work_dir = created->work_dir();
  return config;
}

// What to stack: the raw form (-o lowerdir=...), or an image or container of the store.
fuse::UnionConfig union_config_for(const MountArgs& args, const std::string& root,
                                   std::optional<sandbox::Container>& created) {
  if (args.positionals.size() == 2 && !names_lower_dirs(joined_options(args.options)))
    return store_union_config(args, root, created);
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
                 "lowerdir=A:B:C (top-most first),upperdir=DIR,workdir=DIR"
                 "[,whiteout=oci|kernel][,volatile]")
      ->allow_extra_args(false);
  cmd.add_option("args", args->positionals, "[SOURCE] MOUNTPOINT")->required()->expected(1, 2);
  cmd.add_flag("-f,--foreground", args->foreground, "Serve in this process until unmounted");
  cmd.add_flag("--read-only", args->read_only, "Mount without a writable upper directory");
  cmd.add_option("--upper", args->upper, "Image form: keep writes in DIR (else a new container)");
  cmd.callback([args, &global] {
    global.run = [args, &global] {
      const std::string& mountpoint = args->positionals.back();
      std::optional<sandbox::Container> created;
      fuse::UnionConfig config = union_config_for(*args, store_root(global), created);
      // The new container's ID is printed once it is mounted (in the foreground: before serving);
      // a mount that fails takes its container away again.
      if (created && args->foreground) std::cout << created->id << std::endl;
      try {
        fuse::mount_union(mountpoint, config, args->foreground);
      } catch (const std::exception&) {
        if (created) sandbox::remove_container(*created, false);
        throw;
      }
      if (created && !args->foreground) std::cout << created->id << "\n";
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
  add_command(app, "mount", "Mount an image, a container or a union of layer directories", options,
              setup_mount);
  add_command(app, "umount", "Unmount a union and wait for its daemon to exit", options,
              setup_umount);
}

}  // namespace layerfs::cli
