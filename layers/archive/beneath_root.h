// Directories under an extraction root, opened without ever following a symlink, so an archive
// cannot redirect a write outside the root (the classic "a -> /etc" followed by "a/passwd").
#pragma once

#include <optional>
#include <string>

#include "util/unique_fd.h"

namespace layerfs {

class BeneathRoot {
 public:
  explicit BeneathRoot(const std::string& root_dir);

  int root_fd() const { return root_.get(); }

  // An O_PATH fd of the directory `relative` ("" is the root), creating missing directories
  // (mode 0755, as docker does for parents a tar leaves out). Throws UserError naming `entry`
  // when a component is a symlink or not a directory. The fd is borrowed: it stays valid until
  // the next call or forget_cached_under().
  int parent_dir(const std::string& relative, const std::string& entry);
  // Like parent_dir, but owned and without creating anything; nullopt when a component is
  // missing, a symlink or not a directory.
  std::optional<UniqueFd> existing_dir(const std::string& relative) const;
  // Must be called before the directory `removed` (relative) is removed or replaced: the cached
  // fd might name it or a directory inside it.
  void forget_cached_under(const std::string& removed);

 private:
  UniqueFd open_dir(const std::string& relative, bool create, const std::string& entry) const;

  UniqueFd root_;
  std::string cached_path_;
  UniqueFd cached_fd_;
};

}  // namespace layerfs
