#include "util/override_stat.h"

#include <fcntl.h>
#include <sys/sysmacros.h>
#include <sys/xattr.h>
#include <unistd.h>

#include <cerrno>
#include <charconv>
#include <vector>

namespace layerfs {

namespace {

std::vector<std::string_view> split_colon(std::string_view s) {
  std::vector<std::string_view> parts;
  size_t start = 0;
  for (;;) {
    size_t pos = s.find(':', start);
    parts.push_back(s.substr(start, pos == std::string_view::npos ? pos : pos - start));
    if (pos == std::string_view::npos) break;
    start = pos + 1;
  }
  return parts;
}

template <typename T>
bool parse_number(std::string_view s, T& out, int base = 10) {
  if (s.empty()) return false;
  auto [ptr, ec] = std::from_chars(s.data(), s.data() + s.size(), out, base);
  return ec == std::errc() && ptr == s.data() + s.size();
}

bool parse_device(std::string_view spec, dev_t& rdev) {
  // "MAJ-MIN"
  auto dash = spec.find('-');
  if (dash == std::string_view::npos) return false;
  unsigned major_num = 0, minor_num = 0;
  if (!parse_number(spec.substr(0, dash), major_num) ||
      !parse_number(spec.substr(dash + 1), minor_num))
    return false;
  rdev = makedev(major_num, minor_num);
  return true;
}

std::string read_xattr_value(int fd_or_dirfd, const std::string* name) {
  char buf[256];
  ssize_t n;
  if (name == nullptr) {
    n = ::fgetxattr(fd_or_dirfd, kOverrideStatXattr, buf, sizeof buf);
  } else {
    std::string path = "/proc/self/fd/" + std::to_string(fd_or_dirfd) + "/" + *name;
    n = ::lgetxattr(path.c_str(), kOverrideStatXattr, buf, sizeof buf);
  }
  if (n <= 0) return {};
  return std::string(buf, static_cast<size_t>(n));
}

}  // namespace

std::optional<OverrideStat> parse_override_stat(std::string_view value) {
  while (!value.empty() && (value.back() == '\0' || value.back() == '\n')) value.remove_suffix(1);
  auto parts = split_colon(value);
  if (parts.size() != 3 && parts.size() != 4) return std::nullopt;
  OverrideStat st;
  unsigned mode = 0;
  if (!parse_number(parts[0], st.uid) || !parse_number(parts[1], st.gid) ||
      !parse_number(parts[2], mode, 8) || mode > 07777)
    return std::nullopt;
  st.mode = mode;
  if (parts.size() == 4) {
    std::string_view type = parts[3];
    if (type == "file") {
      st.type = S_IFREG;
    } else if (type == "dir") {
      st.type = S_IFDIR;
    } else if (type == "symlink") {
      st.type = S_IFLNK;
    } else if (type == "pipe") {
      st.type = S_IFIFO;
    } else if (type == "socket") {
      st.type = S_IFSOCK;
    } else if (type.starts_with("block-")) {
      st.type = S_IFBLK;
      if (!parse_device(type.substr(6), st.rdev)) return std::nullopt;
    } else if (type.starts_with("char-")) {
      st.type = S_IFCHR;
      if (!parse_device(type.substr(5), st.rdev)) return std::nullopt;
    } else {
      return std::nullopt;
    }
  }
  return st;
}

std::string format_override_stat(const OverrideStat& st) {
  char mode[8];
  std::snprintf(mode, sizeof mode, "%04o", static_cast<unsigned>(st.mode & 07777));
  std::string out = std::to_string(st.uid) + ":" + std::to_string(st.gid) + ":" + mode;
  switch (st.type) {
    case 0:
      break;
    case S_IFREG:
      out += ":file";
      break;
    case S_IFDIR:
      out += ":dir";
      break;
    case S_IFLNK:
      out += ":symlink";
      break;
    case S_IFIFO:
      out += ":pipe";
      break;
    case S_IFSOCK:
      out += ":socket";
      break;
    case S_IFBLK:
    case S_IFCHR:
      out += st.type == S_IFBLK ? ":block-" : ":char-";
      out += std::to_string(major(st.rdev)) + "-" + std::to_string(minor(st.rdev));
      break;
  }
  return out;
}

std::optional<OverrideStat> read_override_stat(int dirfd, const std::string& name) {
  std::string value = read_xattr_value(dirfd, &name);
  if (value.empty()) return std::nullopt;
  return parse_override_stat(value);
}

std::optional<OverrideStat> read_override_stat_fd(int fd) {
  std::string value = read_xattr_value(fd, nullptr);
  if (value.empty()) return std::nullopt;
  return parse_override_stat(value);
}

int write_override_stat(int dirfd, const std::string& name, const OverrideStat& st) {
  std::string path = "/proc/self/fd/" + std::to_string(dirfd) + "/" + name;
  std::string value = format_override_stat(st);
  if (::lsetxattr(path.c_str(), kOverrideStatXattr, value.data(), value.size(), 0) != 0)
    return errno;
  return 0;
}

int write_override_stat_fd(int fd, const OverrideStat& st) {
  std::string value = format_override_stat(st);
  if (::fsetxattr(fd, kOverrideStatXattr, value.data(), value.size(), 0) != 0) return errno;
  return 0;
}

struct stat apply_override_stat(struct stat native, const std::optional<OverrideStat>& override) {
  if (override) {
    native.st_uid = override->uid;
    native.st_gid = override->gid;
    mode_t type = override->type != 0 ? override->type : (native.st_mode & S_IFMT);
    native.st_mode = type | (override->mode & 07777);
    if (type == S_IFBLK || type == S_IFCHR) native.st_rdev = override->rdev;
    return native;
  }
  if (running_rootless()) {
    if (native.st_uid == ::geteuid()) native.st_uid = 0;
    if (native.st_gid == ::getegid()) native.st_gid = 0;
  }
  return native;
}

bool running_rootless() {
  static const bool rootless = [] {
    if (::geteuid() != 0) return true;
    // Root inside a user namespace whose uid map is not the full identity map is not real root.
    auto map = std::string();
    if (FILE* f = std::fopen("/proc/self/uid_map", "r")) {
      char line[128];
      if (std::fgets(line, sizeof line, f)) map = line;
      std::fclose(f);
    }
    unsigned inside = 1, outside = 1, count = 0;
    if (std::sscanf(map.c_str(), "%u %u %u", &inside, &outside, &count) == 3)
      return !(inside == 0 && outside == 0 && count == 4294967295u);
    return false;
  }();
  return rootless;
}

}  // namespace layerfs
