// Writing files into a build step's upper directory with the owners and modes the image should
// show: natively as root; rootless, through user.containers.override_stat (and placeholders for
// owned symlinks), the convention the layer writer and the union mount read.
#pragma once

#include <sys/stat.h>

#include <string>

#include "builder/source_tree.h"

namespace layerfs::builder {

struct CopyOwnership {
  bool set_owner = false;  // --chown given (else: root for context files, kept for images)
  uid_t uid = 0;
  gid_t gid = 0;
  bool set_mode = false;  // --chmod given
  mode_t mode = 0;
};

// Copies `source_path` of `tree` (a file, symlink or a whole directory) to `dest` on the host.
// An existing directory at dest is merged into; anything else there is replaced.
void copy_into(const SourceTree& tree, const std::string& source_path, const std::string& dest,
               const CopyOwnership& ownership);

// Creates the directory `dest` (parents must exist) as the image should show it.
void make_image_directory(const std::string& dest, uid_t uid, gid_t gid, mode_t mode,
                          const struct timespec* mtime = nullptr);

// Writes a regular file with content (heredocs).
void write_image_file(const std::string& dest, const std::string& content, uid_t uid, gid_t gid,
                      mode_t mode);

}  // namespace layerfs::builder
