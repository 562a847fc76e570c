#include "builder/image_view.h"

#include <dirent.h>
#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <set>

#include "util/fs.h"
#include "util/override_stat.h"
#include "util/unique_fd.h"

namespace layerfs::builder {

namespace {

std::vector<std::string> components(const std::string& path) {
  std::vector<std::string> parts;
  size_t i = 0;
  while (i < path.size()) {
    size_t j = path.find('/', i);
    if (j == std::string::npos) j = path.size();
    if (j > i) parts.push_back(path.substr(i, j - i));
    i = j + 1;
  }
  return parts;
}

bool exists(const std::string& path) {
  struct stat st;
  return ::lstat(path.c_str(), &st) == 0;
}

// The image's view of a stored file.
std::optional<ViewEntry> describe(const std::string& host_path) {
  struct stat native;
  if (::lstat(host_path.c_str(), &native) != 0) return std::nullopt;
  auto slash = host_path.rfind('/');
  UniqueFd dir(::open(host_path.substr(0, slash).c_str(), O_PATH | O_DIRECTORY | O_CLOEXEC));
  auto override = dir ? read_override_stat(dir.get(), host_path.substr(slash + 1))
                      : std::optional<OverrideStat>();
  ViewEntry entry{host_path, apply_override_stat(native, override), {}};
  if (S_ISLNK(entry.st.st_mode)) {
    if (S_ISLNK(native.st_mode)) {
      char buf[4096];
      ssize_t n = ::readlink(host_path.c_str(), buf, sizeof buf);
      if (n > 0) entry.symlink_target.assign(buf, static_cast<size_t>(n));
    } else {
      entry.symlink_target = layerfs::read_file(host_path);  // placeholder holds the target
    }
  }
  return entry;
}

}  // namespace

std::string clean_image_path(const std::string& path) {
  std::vector<std::string> out;
  for (auto& part : components(path)) {
    if (part == ".") continue;
    if (part == "..") {
      if (!out.empty()) out.pop_back();
      continue;
    }
    out.push_back(part);
  }
  std::string result;
  for (auto& part : out) result += "/" + part;
  return result.empty() ? "/" : result;
}

std::optional<ViewEntry> ImageView::lookup(const std::string& path) const {
  auto parts = components(clean_image_path(path));
  if (parts.empty()) {
    for (const auto& layer : layers_)
      if (auto e = describe(layer)) return e;
    return std::nullopt;
  }
  for (const auto& layer : layers_) {
    // A whiteout of the path or of any ancestor in this layer hides everything below it; an
    // opaque ancestor lets this layer answer but no lower one.
    std::string dir = layer;
    bool opaque = false;
    for (size_t i = 0; i < parts.size(); ++i) {
      if (exists(dir + "/.wh." + parts[i])) return std::nullopt;
      if (i + 1 < parts.size()) {
        dir += "/" + parts[i];
        if (exists(dir + "/.wh..wh..opq")) opaque = true;
      }
    }
    if (auto e = describe(dir + "/" + parts.back())) return e;
    if (opaque) return std::nullopt;
  }
  return std::nullopt;
}

std::string ImageView::resolve(const std::string& path, bool follow_last) const {
  auto pending = components(clean_image_path(path));
  std::reverse(pending.begin(), pending.end());
  std::string current;
  int hops = 0;
  while (!pending.empty()) {
    std::string part = pending.back();
    pending.pop_back();
    if (part == ".") continue;
    if (part == "..") {
      current = current.empty() ? "" : current.substr(0, current.rfind('/'));
      continue;
    }
    std::string candidate = current + "/" + part;
    bool last = pending.empty();
    if (last && !follow_last) return candidate;
    auto entry = lookup(candidate);
    if (!entry || !S_ISLNK(entry->st.st_mode) || ++hops > 40) {
      current = candidate;
      continue;
    }
    auto target = components(entry->symlink_target);
    if (!entry->symlink_target.empty() && entry->symlink_target[0] == '/') current.clear();
    for (auto it = target.rbegin(); it != target.rend(); ++it) pending.push_back(*it);
  }
  return current.empty() ? "/" : current;
}

std::vector<std::string> ImageView::list(const std::string& dir) const {
  std::set<std::string> names, hidden;
  auto parts = components(clean_image_path(dir));
  for (const auto& layer : layers_) {
    std::string host = layer;
    bool stop = false;
    for (size_t i = 0; i < parts.size(); ++i) {
      if (exists(host + "/.wh." + parts[i])) stop = true;
      host += "/" + parts[i];
    }
    if (stop) break;
    DIR* d = ::opendir(host.c_str());
    if (!d) {
      if (exists(host)) break;  // a non-directory here shadows lower directories
      continue;
    }
    bool opaque = false;
    std::vector<std::string> whiteouts;
    while (auto* ent = ::readdir(d)) {
      std::string name = ent->d_name;
      if (name == "." || name == "..") continue;
      if (name == ".wh..wh..opq") {
        opaque = true;
        continue;
      }
      if (name.rfind(".wh.", 0) == 0) {
        whiteouts.push_back(name.substr(4));
        continue;
      }
      if (!hidden.count(name)) names.insert(name);
    }
    ::closedir(d);
    for (auto& w : whiteouts) hidden.insert(w);
    if (opaque) break;
  }
  return {names.begin(), names.end()};
}

std::optional<std::string> ImageView::read_file(const std::string& path) const {
  auto entry = lookup(resolve(path, true));
  if (!entry || !S_ISREG(entry->st.st_mode)) return std::nullopt;
  return layerfs::read_file(entry->host_path);
}

}  // namespace layerfs::builder
