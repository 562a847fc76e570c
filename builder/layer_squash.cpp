#include "builder/layer_squash.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <sys/xattr.h>
#include <unistd.h>

#include <map>

#include "util/error.h"
#include "util/fs.h"
#include "util/override_stat.h"
#include "util/unique_fd.h"
#include "util/xattrs.h"

namespace layerfs::builder {

namespace {

constexpr std::string_view kWhiteoutPrefix = ".wh.";
constexpr const char* kOpaqueMarker = ".wh..wh..opq";

class Squasher {
 public:
  Squasher(const ImageView& base, std::string out_dir)
      : base_(base), out_dir_(std::move(out_dir)) {}

  void apply_layer(const std::string& layer_dir) { merge_directory(layer_dir, ""); }

  // Directory times go last: creating and removing entries changes them.
  void finish() const {
    for (const auto& [path, mtime] : dir_mtimes_) {
      if (!is_directory_entry(path)) continue;  // removed or replaced by a later layer
      struct timespec times[2] = {{0, UTIME_OMIT}, mtime};
      if (::utimensat(AT_FDCWD, path.c_str(), times, AT_SYMLINK_NOFOLLOW) != 0)
        throw_errno("set times of " + path);
    }
  }

 private:
  // `image_path` is "" for the root, else "/a/b".
  void merge_directory(const std::string& from, const std::string& image_path) {
    std::string to = out_dir_ + image_path;
    auto names = directory_entries(from);
    for (const auto& name : names)
      if (name == kOpaqueMarker) make_opaque(to, image_path);
    for (const auto& name : names)
      if (name.starts_with(kWhiteoutPrefix) && name != kOpaqueMarker)
        remove_entry(to, image_path, name.substr(kWhiteoutPrefix.size()));
    for (const auto& name : names)
      if (!name.starts_with(kWhiteoutPrefix)) merge_entry(from + "/" + name, image_path, name);
  }

  // The layer's directory hides everything below it: what earlier added layers put there goes,
  // and the marker stays when a base directory is there to hide.
  void make_opaque(const std::string& to, const std::string& image_path) {
    for (const auto& name : directory_entries(to)) remove_tree(to + "/" + name);
    if (base_has_directory(image_path)) write_marker(to + "/" + kOpaqueMarker);
  }

  void remove_entry(const std::string& to, const std::string& image_path, const std::string& name) {
    std::string path = to + "/" + name;
    if (path_present(path)) remove_tree(path);
    if (base_.lookup(image_path + "/" + name))
      write_marker(to + "/" + std::string(kWhiteoutPrefix) + name);
  }

  void merge_entry(const std::string& source, const std::string& parent_path,
                   const std::string& name) {
    std::string image_path = parent_path + "/" + name;
    std::string dest = out_dir_ + image_path;
    // Something this entry replaces hid the base's file: a whiteout, or another type of entry.
    bool replaces = false;
    std::string whiteout = out_dir_ + parent_path + "/" + std::string(kWhiteoutPrefix) + name;
    if (path_present(whiteout)) {
      remove_tree(whiteout);
      replaces = true;
    }
    struct stat src, existing;
    if (::lstat(source.c_str(), &src) != 0) throw_errno("stat " + source);
    bool exists = ::lstat(dest.c_str(), &existing) == 0;
    if (!S_ISDIR(src.st_mode)) {
      if (exists) remove_tree(dest);
      if (::link(source.c_str(), dest.c_str()) != 0) throw_errno("link " + source);
      return;
    }
    if (exists && !S_ISDIR(existing.st_mode)) {
      remove_tree(dest);
      exists = false;
      replaces = true;
    }
    if (!exists && ::mkdir(dest.c_str(), 0700) != 0) throw_errno("mkdir " + dest);
    // In a layer stack the upper directory's attributes are the ones shown.
    copy_directory_attributes(source, src, dest);
    dir_mtimes_[dest] = src.st_mtim;
    if (replaces && base_has_directory(image_path)) write_marker(dest + "/" + kOpaqueMarker);
    merge_directory(source, image_path);
  }

  bool base_has_directory(const std::string& image_path) const {
    auto entry = base_.lookup(image_path.empty() ? "/" : image_path);
    return entry && S_ISDIR(entry->st.st_mode);
  }

  static bool path_present(const std::string& path) {
    struct stat st;
    return ::lstat(path.c_str(), &st) == 0;
  }
  static bool is_directory_entry(const std::string& path) {
    struct stat st;
    return ::lstat(path.c_str(), &st) == 0 && S_ISDIR(st.st_mode);
  }

  static void write_marker(const std::string& path) {
    if (path_present(path)) return;
    UniqueFd fd(::open(path.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644));
    if (!fd) throw_errno("create " + path);
  }

  // Owner, mode and xattrs (user.containers.override_stat among them, when rootless).
  static void copy_directory_attributes(const std::string& source, const struct stat& st,
                                        const std::string& dest) {
    if (!running_rootless() && ::lchown(dest.c_str(), st.st_uid, st.st_gid) != 0)
      throw_errno("chown " + dest);
    if (::chmod(dest.c_str(), st.st_mode & 07777) != 0) throw_errno("chmod " + dest);
    for (const auto& old : list_xattrs(dest))
      if (::lremovexattr(dest.c_str(), old.name.c_str()) != 0) throw_errno("removexattr " + dest);
    for (const auto& x : list_xattrs(source))
      if (::lsetxattr(dest.c_str(), x.name.c_str(), x.value.data(), x.value.size(), 0) != 0)
        throw_errno("set xattr " + x.name + " of " + dest);
  }

  const ImageView& base_;
  std::string out_dir_;
  std::map<std::string, struct timespec> dir_mtimes_;
};

}  // namespace

void squash_layers(const std::vector<std::string>& added_bottom_first, const ImageView& base,
                   const std::string& out_dir) {
  Squasher squasher(base, out_dir);
  for (const auto& layer : added_bottom_first) squasher.apply_layer(layer);
  squasher.finish();
}

void mark_history_squashed(nlohmann::json& config, size_t base_entries, const std::string& created,
                           const std::string& comment) {
  auto& history = config["history"];
  if (!history.is_array()) history = nlohmann::json::array();
  for (size_t i = base_entries; i < history.size(); ++i) history[i]["empty_layer"] = true;
  history.push_back({{"created", created}, {"comment", comment}});
}

}  // namespace layerfs::builder
