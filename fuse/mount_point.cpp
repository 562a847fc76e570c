#include "fuse/mount_point.h"

#include <sys/stat.h>

#include <fstream>
#include <sstream>
#include <vector>

#include "util/error.h"
#include "util/fs.h"

namespace layerfs::fuse {

namespace {

struct DirId {
  dev_t dev;
  ino_t ino;
  std::string path;
};

std::string without_trailing_slash(std::string path) {
  while (path.size() > 1 && path.back() == '/') path.pop_back();
  return path;
}

bool is_octal(char c) { return c >= '0' && c <= '7'; }

// mountinfo writes space, tab, newline and backslash in paths as \ooo.
std::string unescape_octal(const std::string& field) {
  std::string out;
  for (size_t i = 0; i < field.size(); ++i) {
    if (field[i] == '\\' && i + 3 < field.size() && is_octal(field[i + 1]) &&
        is_octal(field[i + 2]) && is_octal(field[i + 3])) {
      out += static_cast<char>((field[i + 1] - '0') * 64 + (field[i + 2] - '0') * 8 +
                               (field[i + 3] - '0'));
      i += 3;
    } else {
      out += field[i];
    }
  }
  return out;
}

}  // namespace

void check_mount_point(const std::string& target, const UnionConfig& config) {
  std::vector<DirId> layers;
  std::vector<std::string> dirs = config.lower_dirs;
  for (const std::string* dir : {&config.upper_dir, &config.work_dir})
    if (!dir->empty()) dirs.push_back(*dir);
  for (const std::string& dir : dirs) {
    struct stat st;
    if (::stat(dir.c_str(), &st) == 0) layers.push_back({st.st_dev, st.st_ino, dir});
  }
  // Compared by device and inode, so that another path to a layer (a symlink, a bind mount)
  // counts as well.
  std::string ancestor = without_trailing_slash(target);
  while (ancestor.size() > 1 && ancestor.front() == '/') {
    ancestor = dirname_of(ancestor);
    struct stat st;
    if (::stat(ancestor.c_str(), &st) != 0) continue;
    for (const DirId& layer : layers)
      if (layer.dev == st.st_dev && layer.ino == st.st_ino)
        throw UserError("cannot mount on " + target + ": it is inside the layer directory " +
                        layer.path + ", which the union would then reach through itself");
  }
}

std::optional<std::string> mount_type(const std::string& target) {
  const std::string wanted = without_trailing_slash(target);
  std::ifstream mountinfo("/proc/self/mountinfo");
  std::optional<std::string> type;
  std::string line;
  // Fields: id, parent id, device, root, mount point, options, optional fields, "-", type, ...
  while (std::getline(mountinfo, line)) {
    std::istringstream fields(line);
    std::string id, parent, device, root, mount_point, field;
    if (!(fields >> id >> parent >> device >> root >> mount_point) ||
        unescape_octal(mount_point) != wanted)
      continue;
    while (fields >> field && field != "-") {
    }
    if (fields >> field) type = field;  // later lines are mounts stacked on earlier ones
  }
  return type;
}

}  // namespace layerfs::fuse
