// Where COPY and ADD read from: the build context (a host directory seen through .dockerignore,
// symlinks never followed, owners reset to root) or another stage's or image's file tree.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "builder/dockerignore.h"
#include "builder/image_view.h"

namespace layerfs::builder {

class SourceTree {
 public:
  virtual ~SourceTree() = default;
  // `path` is relative to the tree root: "" is the root, "a/b" a file below it.
  virtual std::optional<ViewEntry> lookup(const std::string& path) const = 0;
  virtual std::vector<std::string> list(const std::string& dir) const = 0;
  // Context files become root's; files from images keep their owners.
  virtual bool resets_owner() const = 0;
  // Expands a source argument (wildcards * ? [..] per component) to the paths it names, sorted;
  // a literal path names itself if it exists. Throws UserError when nothing matches.
  std::vector<std::string> expand(const std::string& pattern) const;
};

class ContextTree : public SourceTree {
 public:
  ContextTree(std::string dir, IgnoreRules rules)
      : dir_(std::move(dir)), rules_(std::move(rules)) {}
  std::optional<ViewEntry> lookup(const std::string& path) const override;
  std::vector<std::string> list(const std::string& dir) const override;
  bool resets_owner() const override { return true; }
  const std::string& dir() const { return dir_; }

 private:
  std::string dir_;
  IgnoreRules rules_;
};

class ImageTree : public SourceTree {
 public:
  explicit ImageTree(ImageView view) : view_(std::move(view)) {}
  std::optional<ViewEntry> lookup(const std::string& path) const override;
  std::vector<std::string> list(const std::string& dir) const override;
  bool resets_owner() const override { return false; }

 private:
  ImageView view_;
};

// "a/./b/" -> "a/b"; leading "/" and "../" cannot climb out of the tree.
std::string clean_relative_path(const std::string& path);

}  // namespace layerfs::builder
