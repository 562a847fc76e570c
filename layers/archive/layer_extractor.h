// Writes archive entries into a layer directory, one at a time, securely: names are checked
// (entry_path.h), parents are opened without following symlinks (beneath_root.h), and ownership is
// native as root or recorded in user.containers.override_stat when rootless (rootless_storage.h).
#pragma once

#include <sys/stat.h>

#include <string>
#include <vector>

#include "layers/archive/beneath_root.h"
#include "util/direct_writer.h"

struct archive;
struct archive_entry;

namespace layerfs {

class LayerExtractor {
 public:
  // target_dir must exist. rootless: record what cannot be set natively instead of setting it.
  LayerExtractor(const std::string& target_dir, bool rootless);

  // Writes one entry; its data is read from `reader`. Throws UserError naming the entry for a
  // hostile entry or unreadable data.
  void extract(struct archive* reader, struct archive_entry* entry);
  // Sets directory times last, deepest first, so writing children does not disturb them.
  void finish();

 private:
  struct Target;
  void extract_hard_link(struct archive_entry* entry, const std::string& path);
  void write_data(struct archive* reader, int fd, const std::string& path, int64_t size,
                  bool sparse);
  void apply_attributes(const Target& target, struct archive_entry* entry);
  void apply_xattrs(const Target& target, struct archive_entry* entry);
  void replace_existing(int parent_fd, const std::string& name, const std::string& path,
                        bool keep_directory);

  // Regular files from this size on are written with O_DIRECT; smaller ones are cheaper through
  // the page cache (a direct write waits for the disk).
  static constexpr int64_t kDirectMinimum = 128 << 10;

  BeneathRoot root_;
  bool rootless_;
  DirectWriter direct_;
  struct DirTimes {
    std::string path;
    struct timespec times[2];
  };
  std::vector<DirTimes> dir_times_;
};

}  // namespace layerfs
