#include "fuse/union_config.h"

#include <sys/stat.h>

#include <algorithm>
#include <array>
#include <string_view>

#include "util/error.h"
#include "util/fs.h"

namespace layerfs::fuse {

namespace {

// Splits on `separator`, honouring backslash escapes (overlayfs syntax). The option list is split
// with the escapes kept, so that a value can be split again on ':'.
std::vector<std::string> split_escaped(std::string_view text, char separator, bool unescape) {
  std::vector<std::string> parts(1);
  for (size_t i = 0; i < text.size(); ++i) {
    char c = text[i];
    if (c == '\\' && i + 1 < text.size()) {
      if (!unescape) parts.back() += c;
      parts.back() += text[++i];
    } else if (c == separator) {
      parts.emplace_back();
    } else {
      parts.back() += c;
    }
  }
  return parts;
}

// Generic mount options that mount.fuse and containers/storage pass along; they mean nothing to
// the union itself, so they are accepted silently.
bool is_generic_mount_option(std::string_view option) {
  static constexpr std::array<std::string_view, 14> kGeneric = {"rw",
                                                                "dev",
                                                                "nodev",
                                                                "suid",
                                                                "nosuid",
                                                                "exec",
                                                                "noexec",
                                                                "atime",
                                                                "noatime",
                                                                "relatime",
                                                                "default_permissions",
                                                                "allow_other",
                                                                "async",
                                                                "nofail"};
  return std::find(kGeneric.begin(), kGeneric.end(), option) != kGeneric.end();
}

std::string directory_option(std::string_view key, const std::string& value) {
  if (value.empty()) throw UserError("mount option " + std::string(key) + "= needs a directory");
  return absolute_path(value);
}

}  // namespace

UnionConfig parse_mount_options(const std::string& options) {
  UnionConfig config;
  config.whiteouts = WhiteoutStyle::Kernel;
  bool read_only = false;
  for (const std::string& option : split_escaped(options, ',', false)) {
    if (option.empty()) continue;
    auto eq = option.find('=');
    std::string key = option.substr(0, eq);
    std::string value = eq == std::string::npos ? "" : option.substr(eq + 1);
    if (key == "lowerdir") {
      for (const std::string& dir : split_escaped(value, ':', true)) {
        if (dir.empty()) throw UserError("mount option lowerdir= has an empty entry: " + value);
        config.lower_dirs.push_back(directory_option(key, dir));
      }
    } else if (key == "upperdir") {
      config.upper_dir = directory_option(key, split_escaped(value, ':', true).front());
    } else if (key == "workdir") {
      config.work_dir = directory_option(key, split_escaped(value, ':', true).front());
    } else if (key == "whiteout") {
      if (value == "oci") {
        config.whiteouts = WhiteoutStyle::Oci;
      } else if (value == "kernel") {
        config.whiteouts = WhiteoutStyle::Kernel;
      } else {
        throw UserError("mount option whiteout= must be oci or kernel, not \"" + value + "\"");
      }
    } else if (key == "volatile") {
      config.volatile_upper = true;
    } else if (key == "fsync") {
      if (value != "0" && value != "1")
        throw UserError("mount option fsync= must be 0 or 1, not \"" + value + "\"");
      config.volatile_upper = value == "0";
    } else if (key == "ro") {
      read_only = true;
    } else if (!is_generic_mount_option(option)) {
      config.extra_options.push_back(option);
    }
  }
  if (config.lower_dirs.empty()) throw UserError("mount options need lowerdir=DIR[:DIR...]");
  if (!config.upper_dir.empty() && config.work_dir.empty())
    throw UserError("mount option upperdir= needs workdir= as well");
  if (read_only) {
    config.upper_dir.clear();
    config.work_dir.clear();
  }
  return config;
}

void validate_config(const UnionConfig& config) {
  if (config.lower_dirs.empty())
    throw UserError("a union mount needs at least one lower directory");
  auto stat_dir = [](const std::string& dir, const char* role) {
    struct stat st;
    if (::stat(dir.c_str(), &st) != 0) throw_errno(std::string(role) + " " + dir);
    if (!S_ISDIR(st.st_mode))
      throw UserError(std::string(role) + " " + dir + " is not a directory");
    return st;
  };
  std::vector<struct stat> lowers;
  for (const auto& dir : config.lower_dirs) lowers.push_back(stat_dir(dir, "lower directory"));
  if (config.upper_dir.empty()) return;
  struct stat upper = stat_dir(config.upper_dir, "upper directory");
  for (const struct stat& lower : lowers)
    if (lower.st_dev == upper.st_dev && lower.st_ino == upper.st_ino)
      throw UserError("upper directory " + config.upper_dir + " is a lower directory too");
  if (config.work_dir.empty())
    throw UserError("upper directory " + config.upper_dir + " needs a work directory");
  struct stat work = stat_dir(config.work_dir, "work directory");
  if (upper.st_dev == work.st_dev && upper.st_ino == work.st_ino)
    throw UserError("work directory " + config.work_dir + " must not be the upper directory");
  if (upper.st_dev != work.st_dev)
    throw UserError("work directory " + config.work_dir +
                    " is not on the file system of upper directory " + config.upper_dir);
}

}  // namespace layerfs::fuse
