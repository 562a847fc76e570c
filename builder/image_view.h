// Read-only access to an image's merged file tree without mounting it: lookups walk the layer
// directories top-first and honour OCI whiteouts and opaque directories. Used to resolve COPY
// destinations, read /etc/passwd for --chown, and copy files out of other stages.
#pragma once

#include <sys/stat.h>

#include <optional>
#include <string>
#include <vector>

namespace layerfs::builder {

struct ViewEntry {
  std::string host_path;       // where the file lives on disk
  struct stat st;              // the image's view: owner, mode and type from override_stat if any
  std::string symlink_target;  // for symlinks (also those stored as placeholders)
};

class ImageView {
 public:
  explicit ImageView(std::vector<std::string> layers_top_first)
      : layers_(std::move(layers_top_first)) {}

  // `path` is absolute in the image ("/etc/passwd"); symlinks in it are not followed.
  std::optional<ViewEntry> lookup(const std::string& path) const;
  // Follows symlinks (in every component, and in the last one when follow_last), staying inside
  // the image root; returns the resolved absolute path (which may not exist).
  std::string resolve(const std::string& path, bool follow_last) const;
  // Names in a directory, merged over the layers, whiteouts applied, sorted.
  std::vector<std::string> list(const std::string& dir) const;
  std::optional<std::string> read_file(const std::string& path) const;
  bool empty() const { return layers_.empty(); }

 private:
  std::vector<std::string> layers_;
};

// "/a/./b//c/../d" -> "/a/b/d", never above "/".
std::string clean_image_path(const std::string& path);

}  // namespace layerfs::builder
