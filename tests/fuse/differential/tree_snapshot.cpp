#include "tests/fuse/differential/tree_snapshot.h"

#include <dirent.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <sys/xattr.h>
#include <unistd.h>

#include <algorithm>
#include <cstring>
#include <sstream>

#include "util/error.h"
#include "util/sha256.h"
#include "util/unique_fd.h"

namespace layerfs::differential {
namespace {

char type_of(mode_t mode) {
  switch (mode & S_IFMT) {
    case S_IFDIR:
      return 'd';
    case S_IFREG:
      return 'f';
    case S_IFLNK:
      return 'l';
    case S_IFIFO:
      return 'p';
    case S_IFSOCK:
      return 's';
    case S_IFCHR:
      return 'c';
    case S_IFBLK:
      return 'b';
  }
  return '?';
}

std::string hash_file(int dir_fd, const char* name) {
  UniqueFd fd(::openat(dir_fd, name, O_RDONLY | O_NOFOLLOW | O_CLOEXEC));
  if (!fd) return "<open failed: " + std::string(strerror(errno)) + ">";
  Sha256 hasher;
  char buffer[65536];
  for (;;) {
    ssize_t got = retry_eintr([&] { return ::read(fd.get(), buffer, sizeof buffer); });
    if (got < 0) return "<read failed: " + std::string(strerror(errno)) + ">";
    if (got == 0) break;
    hasher.update(buffer, static_cast<size_t>(got));
  }
  return hasher.finish_hex();
}

std::map<std::string, std::string> read_xattrs(const std::string& path,
                                               const SnapshotOptions& options) {
  std::map<std::string, std::string> out;
  std::string names(4096, '\0');
  ssize_t length = ::llistxattr(path.c_str(), names.data(), names.size());
  if (length < 0) {
    if (errno != ENOTSUP) out["<listxattr>"] = strerror(errno);
    return out;
  }
  for (size_t start = 0; start < static_cast<size_t>(length);) {
    std::string name(names.c_str() + start);
    start += name.size() + 1;
    bool ignored =
        std::any_of(options.ignored_xattr_prefixes.begin(), options.ignored_xattr_prefixes.end(),
                    [&](const std::string& prefix) { return name.starts_with(prefix); });
    if (ignored) continue;
    std::string value(65536, '\0');
    ssize_t got = ::lgetxattr(path.c_str(), name.c_str(), value.data(), value.size());
    out[name] = got < 0 ? "<getxattr: " + std::string(strerror(errno)) + ">"
                        : value.substr(0, static_cast<size_t>(got));
  }
  return out;
}

class Walker {
 public:
  Walker(std::string root, const SnapshotOptions& options)
      : root_(std::move(root)), options_(options) {}

  TreeSnapshot run() {
    UniqueFd fd(::open(root_.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC));
    if (!fd) throw_errno("open " + root_);
    struct stat st;
    if (::fstat(fd.get(), &st) != 0) throw_errno("stat " + root_);
    record("", st, fd.get(), ".");
    walk(fd.get(), "");
    link_peers();
    return std::move(tree_);
  }

 private:
  void walk(int dir_fd, const std::string& prefix) {
    int dup_fd = ::dup(dir_fd);
    DIR* dir = ::fdopendir(dup_fd);
    if (dir == nullptr) {
      ::close(dup_fd);
      tree_[prefix].content = "<opendir: " + std::string(strerror(errno)) + ">";
      return;
    }
    std::vector<std::string> names;
    while (struct dirent* entry = ::readdir(dir)) {
      std::string name = entry->d_name;
      if (name != "." && name != "..") names.push_back(std::move(name));
    }
    ::closedir(dir);
    std::sort(names.begin(), names.end());
    for (const auto& name : names) {
      std::string path = prefix.empty() ? name : prefix + "/" + name;
      struct stat st;
      if (::fstatat(dir_fd, name.c_str(), &st, AT_SYMLINK_NOFOLLOW) != 0) {
        // Listed but not there: itself a divergence worth showing.
        tree_[path].content = "<stat: " + std::string(strerror(errno)) + ">";
        continue;
      }
      record(path, st, dir_fd, name.c_str());
      if (S_ISDIR(st.st_mode)) {
        UniqueFd child(
            ::openat(dir_fd, name.c_str(), O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC));
        if (!child) {
          tree_[path].content = "<open: " + std::string(strerror(errno)) + ">";
          continue;
        }
        walk(child.get(), path);
      }
    }
  }

  void record(const std::string& path, const struct stat& st, int dir_fd, const char* name) {
    NodeInfo& node = tree_[path];
    node.type = type_of(st.st_mode);
    node.permissions = st.st_mode & 07777;
    bool is_dir = S_ISDIR(st.st_mode);
    if (!is_dir) node.size = static_cast<uint64_t>(st.st_size);
    if (!options_.details) return;
    node.uid = st.st_uid;
    node.gid = st.st_gid;
    if (!is_dir && options_.nlink) node.nlink = st.st_nlink;
    if (S_ISREG(st.st_mode)) node.content = hash_file(dir_fd, name);
    if (S_ISLNK(st.st_mode)) {
      char target[4096];
      ssize_t got = ::readlinkat(dir_fd, name, target, sizeof target);
      node.content = got < 0 ? "<readlink failed>" : std::string(target, static_cast<size_t>(got));
    }
    node.xattrs = read_xattrs(root_ + "/" + path, options_);
    if (options_.link_identity && !is_dir && st.st_nlink > 1)
      inodes_[{st.st_dev, st.st_ino}].push_back(path);
  }

  void link_peers() {
    for (const auto& [inode, paths] : inodes_)
      for (const auto& path : paths)
        for (const auto& peer : paths)
          if (peer != path) tree_[path].hard_link_peers.push_back(peer);
  }

  std::string root_;
  const SnapshotOptions& options_;
  TreeSnapshot tree_;
  std::map<std::pair<dev_t, ino_t>, std::vector<std::string>> inodes_;
};

}  // namespace

TreeSnapshot snapshot_tree(const std::string& root, const SnapshotOptions& options) {
  return Walker(root, options).run();
}

std::string describe(const NodeInfo& node) {
  std::ostringstream out;
  out << node.type << " mode=" << std::oct << node.permissions << std::dec << " owner=" << node.uid
      << ":" << node.gid;
  if (node.type != 'd') out << " size=" << node.size << " nlink=" << node.nlink;
  if (!node.content.empty())
    out << (node.type == 'f' ? " sha256=" : " content=") << node.content.substr(0, 64);
  for (const auto& [name, value] : node.xattrs) out << " " << name << "=" << value;
  if (!node.hard_link_peers.empty()) {
    out << " linked-with=";
    for (const auto& peer : node.hard_link_peers) out << peer << ",";
  }
  return out.str();
}

std::vector<std::string> diff_trees(const TreeSnapshot& oracle, const TreeSnapshot& subject,
                                    size_t limit) {
  std::vector<std::string> out;
  auto shown = [](const std::string& path) { return path.empty() ? std::string("/") : path; };
  auto a = oracle.begin();
  auto b = subject.begin();
  while ((a != oracle.end() || b != subject.end()) && out.size() < limit) {
    if (b == subject.end() || (a != oracle.end() && a->first < b->first)) {
      out.push_back(shown(a->first) + ": only in oracle: " + describe(a->second));
      ++a;
    } else if (a == oracle.end() || b->first < a->first) {
      out.push_back(shown(b->first) + ": only in subject: " + describe(b->second));
      ++b;
    } else {
      if (!(a->second == b->second))
        out.push_back(shown(a->first) + ":\n    oracle:  " + describe(a->second) +
                      "\n    subject: " + describe(b->second));
      ++a;
      ++b;
    }
  }
  return out;
}

}  // namespace layerfs::differential
