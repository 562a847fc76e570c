#include "builder/source_tree.h"

#include <dirent.h>
#include <fnmatch.h>
#include <unistd.h>

#include <algorithm>

#include "util/error.h"

namespace layerfs::builder {

namespace {

bool has_wildcard(const std::string& s) { return s.find_first_of("*?[") != std::string::npos; }

std::string join(const std::string& dir, const std::string& name) {
  return dir.empty() ? name : dir + "/" + name;
}

}  // namespace

std::string clean_relative_path(const std::string& path) {
  std::string cleaned = clean_image_path("/" + path);
  return cleaned == "/" ? "" : cleaned.substr(1);
}

std::vector<std::string> SourceTree::expand(const std::string& pattern) const {
  std::string cleaned = clean_relative_path(pattern);
  if (!has_wildcard(cleaned)) {
    if (!lookup(cleaned)) throw UserError("\"" + pattern + "\": not found");
    return {cleaned};
  }
  std::vector<std::string> parts;
  size_t i = 0;
  while (i <= cleaned.size()) {
    size_t j = cleaned.find('/', i);
    if (j == std::string::npos) j = cleaned.size();
    parts.push_back(cleaned.substr(i, j - i));
    i = j + 1;
  }
  std::vector<std::string> current = {""};
  for (const auto& part : parts) {
    std::vector<std::string> next;
    for (const auto& dir : current) {
      if (!has_wildcard(part)) {
        if (lookup(join(dir, part))) next.push_back(join(dir, part));
        continue;
      }
      for (const auto& name : list(dir))
        if (::fnmatch(part.c_str(), name.c_str(), 0) == 0) next.push_back(join(dir, name));
    }
    current = std::move(next);
  }
  if (current.empty()) throw UserError("\"" + pattern + "\": no source files were specified");
  std::sort(current.begin(), current.end());
  return current;
}

std::optional<ViewEntry> ContextTree::lookup(const std::string& path) const {
  if (!path.empty() && rules_.excluded(path)) return std::nullopt;
  std::string host = path.empty() ? dir_ : dir_ + "/" + path;
  ViewEntry entry{host, {}, {}};
  if (::lstat(host.c_str(), &entry.st) != 0) return std::nullopt;
  entry.st.st_uid = 0;
  entry.st.st_gid = 0;
  if (S_ISLNK(entry.st.st_mode)) {
    char buf[4096];
    ssize_t n = ::readlink(host.c_str(), buf, sizeof buf);
    if (n > 0) entry.symlink_target.assign(buf, static_cast<size_t>(n));
  }
  return entry;
}

std::vector<std::string> ContextTree::list(const std::string& dir) const {
  std::vector<std::string> names;
  std::string host = dir.empty() ? dir_ : dir_ + "/" + dir;
  DIR* d = ::opendir(host.c_str());
  if (!d) return names;
  while (auto* ent = ::readdir(d)) {
    std::string name = ent->d_name;
    if (name == "." || name == "..") continue;
    std::string rel = join(dir, name);
    // An excluded directory may still hold re-included paths ("!dir/keep").
    if (rules_.excluded(rel) && !rules_.has_exceptions()) continue;
    names.push_back(name);
  }
  ::closedir(d);
  std::sort(names.begin(), names.end());
  return names;
}

std::optional<ViewEntry> ImageTree::lookup(const std::string& path) const {
  return view_.lookup("/" + path);
}

std::vector<std::string> ImageTree::list(const std::string& dir) const {
  return view_.list("/" + dir);
}

}  // namespace layerfs::builder
