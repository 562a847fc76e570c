#include "tests/fuse/differential/layer_spec.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <sys/xattr.h>
#include <unistd.h>

#include <map>
#include <set>

#include "tests/fuse/differential/random.h"
#include "util/error.h"
#include "util/fs.h"
#include "util/unique_fd.h"

namespace layerfs::differential {
namespace {

std::string join(const std::string& dir, const std::string& name) {
  return dir.empty() ? name : dir + "/" + name;
}

std::string parent_of(const std::string& path) {
  auto slash = path.rfind('/');
  return slash == std::string::npos ? "" : path.substr(0, slash);
}

// The merged view after the layers written so far: what the next layer may shadow or delete.
class MergedModel {
 public:
  struct Node {
    bool is_dir;
    mode_t mode;
  };

  void apply(const LayerEntry& entry) {
    switch (entry.kind) {
      case EntryKind::Dir: {
        auto it = nodes_.find(entry.path);
        // An upper directory merges with a lower directory and hides anything else.
        if (it != nodes_.end() && !it->second.is_dir) remove(entry.path);
        nodes_[entry.path] = {true, entry.mode};
        break;
      }
      case EntryKind::Opaque:
        remove_children(entry.path);
        break;
      case EntryKind::Whiteout:
        remove(entry.path);
        break;
      default:
        remove(entry.path);
        nodes_[entry.path] = {false, entry.mode};
    }
  }
  std::vector<std::string> paths(bool dirs) const {
    std::vector<std::string> out;
    for (const auto& [path, node] : nodes_)
      if (node.is_dir == dirs) out.push_back(path);
    return out;
  }
  const Node* find(const std::string& path) const {
    auto it = nodes_.find(path);
    return it == nodes_.end() ? nullptr : &it->second;
  }

 private:
  void remove_children(const std::string& dir) {
    std::string prefix = dir + "/";
    for (auto it = nodes_.lower_bound(prefix); it != nodes_.end() && it->first.starts_with(prefix);)
      it = nodes_.erase(it);
  }
  void remove(const std::string& path) {
    remove_children(path);
    nodes_.erase(path);
  }
  std::map<std::string, Node> nodes_;
};

class LayerGenerator {
 public:
  LayerGenerator(Random& random, MergedModel& model, const LayerOptions& options)
      : random_(random), model_(model), options_(options) {}

  Layer bottom() {
    Layer layer;
    std::vector<std::string> dirs = {""};
    for (int top = 0; top < 6; ++top) {
      std::string dir = "d" + std::to_string(top);
      add_dir(layer, dir);
      dirs.push_back(dir);
      for (int sub = 0, subs = static_cast<int>(random_.between(0, 3)); sub < subs; ++sub) {
        std::string child = dir + "/s" + std::to_string(sub);
        add_dir(layer, child);
        dirs.push_back(child);
        if (random_.percent(30)) {
          add_dir(layer, child + "/deep");
          dirs.push_back(child + "/deep");
        }
      }
    }
    add_dir(layer, "empty");
    std::vector<std::string> files;
    for (const auto& dir : dirs) {
      for (int i = 0, count = static_cast<int>(random_.between(1, 5)); i < count; ++i) {
        std::string file = join(dir, "f" + std::to_string(i));
        add_file(layer, file);
        files.push_back(file);
      }
    }
    for (int i = 0; i < 8; ++i) {
      std::string dir = random_.pick(dirs);
      std::string target = random_.percent(70) ? relative_target(dir, random_.pick(files))
                                               : "missing" + std::to_string(i);
      add(layer, {.kind = EntryKind::Symlink,
                  .path = join(dir, "l" + std::to_string(i)),
                  .mode = 0777,
                  .target = target});
    }
    add(layer, {.kind = EntryKind::Symlink, .path = "dirlink", .mode = 0777, .target = "d0"});
    if (options_.hard_links) {
      for (int i = 0; i < 4; ++i) {
        const auto& source = random_.pick(files);
        add(layer, {.kind = EntryKind::HardLink,
                    .path = join(random_.pick(dirs), "h" + std::to_string(i)),
                    .mode = 0,
                    .target = source});
      }
    }
    add(layer, {.kind = EntryKind::Fifo, .path = join(random_.pick(dirs), "fifo"), .mode = 0644});
    return layer;
  }

  // A layer above: overrides, deletions (whiteouts), opaque directories, type changes, and new
  // entries, each chosen from the merged view below it.
  Layer upper(unsigned index) {
    Layer layer;
    std::string tag = "u" + std::to_string(index);
    auto files = model_.paths(false);
    auto dirs = model_.paths(true);
    std::set<std::string> touched;  // one change per path per layer keeps the layer well-formed
    auto fresh = [&](const std::vector<std::string>& from) -> std::string {
      for (int attempt = 0; attempt < 8 && !from.empty(); ++attempt) {
        const auto& path = random_.pick(from);
        bool clash = false;
        for (const auto& t : touched)
          if (path == t || path.starts_with(t + "/") || t.starts_with(path + "/")) clash = true;
        if (!clash) {
          touched.insert(path);
          return path;
        }
      }
      return {};
    };
    for (int i = 0; i < 4; ++i)
      if (auto path = fresh(files); !path.empty()) {
        ensure_parents(layer, path);
        add_file(layer, path);
      }
    for (int i = 0; i < 4; ++i)
      if (auto path = fresh(files); !path.empty()) whiteout(layer, path);
    for (int i = 0; i < 2; ++i)
      if (auto path = fresh(dirs); !path.empty()) whiteout(layer, path);
    for (int i = 0; i < 2; ++i)
      if (auto path = fresh(dirs); !path.empty()) {
        // Opaque: the directory keeps its name, loses everything below it, gets new children.
        ensure_parents(layer, path);
        add_dir(layer, path);
        add(layer, {.kind = EntryKind::Opaque, .path = path});
        add_file(layer, path + "/" + tag + "-inside");
      }
    if (auto path = fresh(files); !path.empty()) {
      ensure_parents(layer, path);
      add_dir(layer, path);  // a directory replaces a file
      add_file(layer, path + "/" + tag + "-was-file");
    }
    if (auto path = fresh(dirs); !path.empty()) {
      ensure_parents(layer, path);
      add_file(layer, path);  // a file replaces a directory
    }
    dirs = model_.paths(true);
    for (int i = 0; i < 3; ++i) {
      std::string dir = random_.pick(dirs);
      if (touched.contains(dir)) continue;
      ensure_parents(layer, join(dir, "x"));
      if (!model_.find(dir)) add_dir(layer, dir);
      add_file(layer, join(dir, tag + "-new" + std::to_string(i)));
    }
    std::string dir = tag + "-dir";
    add_dir(layer, dir);
    add_file(layer, dir + "/a");
    add(layer, {.kind = EntryKind::Symlink, .path = dir + "/up", .mode = 0777, .target = "../d1"});
    return layer;
  }

 private:
  void add(Layer& layer, LayerEntry entry) {
    if (entry.kind == EntryKind::HardLink) {
      // The model sees a hard link as the file it shares an inode with.
      entry.mode = model_.find(entry.target) ? model_.find(entry.target)->mode : 0644;
    }
    model_.apply(entry);
    layer.entries.push_back(std::move(entry));
    in_layer_.insert(layer.entries.back().path);
  }
  void add_dir(Layer& layer, const std::string& path) {
    static const mode_t modes[] = {0755, 0755, 0755, 0700, 0775, 0555};
    LayerEntry entry{.kind = EntryKind::Dir, .path = path, .mode = modes[random_.between(0, 5)]};
    maybe_xattrs(entry);
    add(layer, std::move(entry));
  }
  void add_file(Layer& layer, const std::string& path) {
    static const mode_t modes[] = {0644, 0644, 0600, 0755, 0444, 0640};
    // Mostly small files, a few spanning many pages so that offsets inside them matter.
    size_t size = random_.percent(10) ? random_.between(65536, 300000) : random_.between(0, 6000);
    LayerEntry entry{.kind = EntryKind::File,
                     .path = path,
                     .mode = modes[random_.between(0, 5)],
                     .content_seed = random_.next_seed(),
                     .size = size};
    maybe_xattrs(entry);
    add(layer, std::move(entry));
  }
  void maybe_xattrs(LayerEntry& entry) {
    if (!random_.percent(25)) return;
    for (int i = 0, n = static_cast<int>(random_.between(1, 2)); i < n; ++i)
      entry.xattrs.emplace_back("user.test" + std::to_string(i),
                                "v" + std::to_string(random_.between(0, 999)));
  }
  // Parent directories must exist in this layer too; they take the mode of the merged view so
  // that adding them changes nothing but the layer's shape.
  void ensure_parents(Layer& layer, const std::string& path) {
    std::string parent = parent_of(path);
    if (parent.empty() || in_layer_.contains(parent)) return;
    ensure_parents(layer, parent);
    const auto* node = model_.find(parent);
    LayerEntry entry{.kind = EntryKind::Dir, .path = parent, .mode = node ? node->mode : 0755};
    model_.apply(entry);
    layer.entries.push_back(std::move(entry));
    in_layer_.insert(parent);
  }
  void whiteout(Layer& layer, const std::string& path) {
    ensure_parents(layer, path);
    add(layer, {.kind = EntryKind::Whiteout, .path = path});
  }
  static std::string relative_target(const std::string& from_dir, const std::string& to) {
    std::string up;
    for (char c : from_dir + (from_dir.empty() ? "" : "/"))
      if (c == '/') up += "../";
    return up + to;
  }

  Random& random_;
  MergedModel& model_;
  const LayerOptions& options_;
  std::set<std::string> in_layer_;
};

void write_entry(int root_fd, const LayerEntry& entry, WhiteoutForm form,
                 const std::string& opaque_xattr) {
  const char* path = entry.path.c_str();
  auto fail = [&](const char* what) { throw_errno(std::string(what) + " " + entry.path); };
  switch (entry.kind) {
    case EntryKind::Dir:
      if (::mkdirat(root_fd, path, 0700) != 0 && errno != EEXIST) fail("mkdir");
      break;
    case EntryKind::File: {
      UniqueFd fd(::openat(root_fd, path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600));
      if (!fd) fail("create");
      std::string bytes = pattern_bytes(entry.content_seed, entry.size);
      if (::write(fd.get(), bytes.data(), bytes.size()) != static_cast<ssize_t>(bytes.size()))
        fail("write");
      break;
    }
    case EntryKind::Symlink:
      if (::symlinkat(entry.target.c_str(), root_fd, path) != 0) fail("symlink");
      return;
    case EntryKind::HardLink:
      if (::linkat(root_fd, entry.target.c_str(), root_fd, path, 0) != 0) fail("link");
      return;
    case EntryKind::Fifo:
      if (::mkfifoat(root_fd, path, 0600) != 0) fail("mkfifo");
      break;
    case EntryKind::Whiteout: {
      if (form == WhiteoutForm::Kernel) {
        if (::mknodat(root_fd, path, S_IFCHR | 0600, makedev(0, 0)) != 0) fail("mknod whiteout");
      } else {
        std::string parent = parent_of(entry.path);
        std::string marker =
            join(parent, ".wh." + entry.path.substr(parent.empty() ? 0 : parent.size() + 1));
        UniqueFd fd(
            ::openat(root_fd, marker.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600));
        if (!fd) fail("create whiteout for");
      }
      return;
    }
    case EntryKind::Opaque: {
      if (form == WhiteoutForm::Kernel) {
        std::string proc = "/proc/self/fd/" + std::to_string(root_fd) + "/" + entry.path;
        if (::setxattr(proc.c_str(), opaque_xattr.c_str(), "y", 1, 0) != 0) fail("mark opaque");
      } else {
        std::string marker = entry.path + "/.wh..wh..opq";
        UniqueFd fd(
            ::openat(root_fd, marker.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600));
        if (!fd) fail("create opaque marker in");
      }
      return;
    }
  }
  std::string proc = "/proc/self/fd/" + std::to_string(root_fd) + "/" + entry.path;
  for (const auto& [name, value] : entry.xattrs)
    if (::lsetxattr(proc.c_str(), name.c_str(), value.data(), value.size(), 0) != 0)
      fail(("setxattr " + name + " on").c_str());
}

}  // namespace

std::vector<Layer> generate_layers(uint64_t seed, const LayerOptions& options) {
  Random random(seed);
  MergedModel model;
  std::vector<Layer> layers;
  layers.push_back(LayerGenerator(random, model, options).bottom());
  for (unsigned i = 1; i < options.layer_count; ++i)
    layers.push_back(LayerGenerator(random, model, options).upper(i));
  return layers;
}

void write_layer(const Layer& layer, const std::string& dir, WhiteoutForm form,
                 const std::string& opaque_xattr) {
  make_dirs(dir);
  UniqueFd root(::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC));
  if (!root) throw_errno("open " + dir);
  for (const auto& entry : layer.entries) write_entry(root.get(), entry, form, opaque_xattr);
  // Modes last: a 0555 directory must not stop its own children from being written.
  for (auto it = layer.entries.rbegin(); it != layer.entries.rend(); ++it) {
    bool has_mode =
        it->kind == EntryKind::Dir || it->kind == EntryKind::File || it->kind == EntryKind::Fifo;
    if (has_mode && ::fchmodat(root.get(), it->path.c_str(), it->mode, 0) != 0)
      throw_errno("chmod " + it->path);
  }
}

}  // namespace layerfs::differential
