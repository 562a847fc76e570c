#include "sandbox/container_changes.h"

#include <dirent.h>
#include <sys/stat.h>

#include <algorithm>
#include <optional>

#include "fuse/metacopy.h"
#include "fuse/serve.h"
#include "layers/archive/layer_writer.h"
#include "layers/config_change.h"
#include "layers/image.h"
#include "layers/new_image.h"
#include "layers/snapshot.h"
#include "sandbox/container_freeze.h"
#include "sandbox/user_namespace.h"
#include "util/error.h"
#include "util/fs.h"

namespace layerfs::sandbox {

namespace {

constexpr std::string_view kWhiteoutPrefix = ".wh.";
constexpr std::string_view kOpaqueMarker = ".wh..wh..opq";

// Whether `path` is visible in the stack of lower directories (top first), honouring
// whiteouts of the name itself in the layers above the one that has it.
bool in_lowers(const std::vector<std::string>& lowers, const std::string& path) {
  std::string parent = dirname_of(path), name = basename_of(path);
  for (const auto& lower : lowers) {
    struct stat st;
    if (::lstat((lower + path).c_str(), &st) == 0) return true;
    if (::lstat((lower + parent + "/" + std::string(kWhiteoutPrefix) + name).c_str(), &st) == 0)
      return false;
  }
  return false;
}

void walk(const std::string& upper, const std::string& rel, const std::vector<std::string>& lowers,
          std::vector<Change>& out) {
  for (const auto& name : directory_entries(upper + rel)) {
    if (name == kOpaqueMarker) continue;
    std::string path = rel + "/" + name;
    if (name.rfind(kWhiteoutPrefix, 0) == 0) {
      out.push_back({'D', rel + "/" + name.substr(kWhiteoutPrefix.size())});
      continue;
    }
    out.push_back({in_lowers(lowers, path) ? 'C' : 'A', path});
    struct stat st;
    if (::lstat((upper + path).c_str(), &st) == 0 && S_ISDIR(st.st_mode))
      walk(upper, path, lowers, out);
  }
}

nlohmann::json string_array(const nlohmann::json& value) {
  return value.is_array() ? value : nlohmann::json::array();
}

}  // namespace

std::vector<Change> upper_changes(const std::string& upper,
                                  const std::vector<std::string>& lowers) {
  std::vector<Change> changes;
  walk(upper, "", lowers, changes);
  std::sort(changes.begin(), changes.end(),
            [](const Change& a, const Change& b) { return a.path < b.path; });
  return changes;
}

std::string commit_container(const Store& store, const Container& container,
                             const CommitOptions& options) {
  auto lock = store.lock_for_writing();
  ImageIndex index = ImageIndex::load(store);
  Image base = load_image(store, index, container.image_id());
  nlohmann::json config = base.config;
  // docker: the new image's config is the container's (its command, env, user, workdir...).
  const auto& c = container.record["Config"];
  auto& image_config = config["config"];
  if (!image_config.is_object()) image_config = nlohmann::json::object();
  image_config["Env"] = string_array(c.value("Env", nlohmann::json()));
  image_config["Cmd"] = string_array(c.value("Cmd", nlohmann::json()));
  image_config["Entrypoint"] = c.value("Entrypoint", nlohmann::json());
  image_config["User"] = c.value("User", "");
  image_config["WorkingDir"] = c.value("WorkingDir", "");
  for (const auto& change : options.changes) apply_config_change(config, change);

  LayerInfo layer = [&] {
    std::optional<FrozenContainer> frozen;
    if (options.pause) frozen.emplace(container);
    // A layer stands alone: data still taken from below (metacopy.h) goes in it.
    fuse::complete_metacopies(container.upper_dir(), container_lower_dirs(store, container));
    return snapshot_directory(store, container.upper_dir(), {std::nullopt, true});
  }();
  std::string created = now_rfc3339();
  config["created"] = created;
  config["container"] = container.id;
  if (!options.author.empty()) config["author"] = options.author;
  config["rootfs"]["type"] = "layers";
  config["rootfs"]["diff_ids"].push_back(layer.diff_id);
  std::string command = container.record.value("Path", "");
  for (const auto& arg : container.record["Args"]) command += " " + arg.get<std::string>();
  nlohmann::json history = {{"created", created}, {"created_by", command}};
  if (!options.author.empty()) history["author"] = options.author;
  if (!options.message.empty()) history["comment"] = options.message;
  config["history"].push_back(history);

  NewImage image;
  image.config = config;
  for (const auto& diff_id : base.diff_ids())
    image.layers.push_back(store.read_layer_info(diff_id));
  image.layers.push_back(layer);
  image.parent = base.id;
  if (!options.tag.empty()) image.tags.push_back(options.tag);
  return register_image(store, index, image);
}

void export_container(const Store& store, const Container& container, int fd) {
  StagingDir mountpoint(store.tmp_dir(), "export-");
  fuse::UnionConfig config;
  // Read-only: the upper directory is simply the top lower layer (it is an OCI layer).
  config.lower_dirs = container_layers_read_only(store, container);
  config.for_archiving = true;
  // Mounted in a user namespace where we are root: the image's root-owned files (such as
  // /etc/shadow) are readable there, and owners are presented as the image has them.
  int status = run_in_user_namespace([&] {
    fuse::mount_union(mountpoint.path(), config, false);
    try {
      write_layer_tar(mountpoint.path(), fd, {});
    } catch (...) {
      fuse::unmount_union(mountpoint.path());
      throw;
    }
    fuse::unmount_union(mountpoint.path());
    return 0;
  });
  if (status != 0) throw UserError("export of container " + container.name() + " failed");
}

}  // namespace layerfs::sandbox
