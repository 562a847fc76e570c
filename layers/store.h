// The on-disk store (DESIGN.md "Store layout"): content-addressed blobs, layer directories keyed
// by diff ID, the image index (refs.json), containers, cache and a staging area. Every write is
// staged in tmp/, fsynced and renamed into place, so a killed command leaves only garbage in tmp/,
// which the next writer removes.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "util/fs.h"

namespace layerfs {

struct LayerInfo {
  std::string diff_id;      // "sha256:..." of the uncompressed tar
  std::string blob_digest;  // the blob as stored (compressed or not)
  std::string media_type;   // OCI media type of the blob
  uint64_t blob_size = 0;   // bytes of the blob
  uint64_t size = 0;        // apparent size of the extracted files
  std::string created;      // RFC 3339
};

// A directory in tmp/ owned by this process while it lives: it holds an flock on the directory so
// that a concurrent writer's garbage collection leaves it alone; removed on destruction unless
// everything in it was moved out.
class StagingDir {
 public:
  StagingDir(const std::string& tmp_dir, const std::string& prefix);
  ~StagingDir();
  StagingDir(const StagingDir&) = delete;
  StagingDir& operator=(const StagingDir&) = delete;
  const std::string& path() const { return path_; }

 private:
  std::string path_;
  int lock_fd_ = -1;
};

class Store;

// Holds images against rmi, prune and garbage collection while it lives, as a container holds its
// image: a build lets other writers in while a RUN step runs, and holds the images it stands on
// meanwhile. Made under the writer lock; a StagingDir (tmp/hold-*/images.json), so it lasts no
// longer than its process.
class ImageHold {
 public:
  ImageHold(const Store& store, const std::vector<std::string>& image_ids);

 private:
  StagingDir dir_;
};

class Store {
 public:
  // Opens (and creates) the store at root.
  explicit Store(std::string root);

  const std::string& root() const { return root_; }
  std::string blobs_dir() const { return root_ + "/blobs/sha256"; }
  std::string layers_dir() const { return root_ + "/layers"; }
  std::string containers_dir() const { return root_ + "/containers"; }
  std::string cache_dir() const { return root_ + "/cache"; }
  std::string tmp_dir() const { return root_ + "/tmp"; }
  std::string refs_path() const { return root_ + "/refs.json"; }

  // The exclusive writer lock. Taking it also removes garbage left in tmp/ by killed commands.
  std::unique_ptr<FileLock> lock_for_writing() const;

  // Blobs.
  std::string blob_path(const std::string& digest) const;
  bool has_blob(const std::string& digest) const;
  // Reads a blob and verifies its digest (throws when the stored bytes do not match).
  std::string read_blob(const std::string& digest) const;
  // Stores bytes as a blob (atomic, idempotent); returns "sha256:...".
  std::string write_blob(std::string_view data) const;
  // Moves a fully written, fsynced file from tmp/ into the blob store under `digest`. Unsynced:
  // the caller makes the rename durable (one fsync for many adoptions).
  void adopt_blob(const std::string& staged_path, const std::string& digest,
                  Durability durability = Durability::Synced) const;
  void remove_blob(const std::string& digest) const;

  // Layers.
  std::string layer_path(const std::string& diff_id) const;       // layers/<hex>
  std::string layer_diff_path(const std::string& diff_id) const;  // layers/<hex>/diff
  bool has_layer(const std::string& diff_id) const;
  LayerInfo read_layer_info(const std::string& diff_id) const;
  std::vector<std::string> list_layers() const;  // diff IDs
  // Moves a staged layer (a directory holding diff/) into place unless that diff ID is already
  // present; caller holds the writer lock. Writes info.json. Returns true when it was added.
  bool adopt_layer(const std::string& staged_layer_dir, const LayerInfo& info) const;
  // Moves a staged layer directory that already holds diff/ and info.json, all durable, into
  // place (the caller checked has_layer). The caller makes the rename durable.
  void adopt_complete_layer(const std::string& staged_layer_dir, const std::string& diff_id) const;
  void remove_layer(const std::string& diff_id) const;

  // Images referenced by containers (containers/<id>/config.json "Image").
  std::vector<std::string> container_image_ids() const;
  // Images held by live ImageHolds (builds in progress).
  std::vector<std::string> held_image_ids() const;

 private:
  std::string root_;
};

// The default store root: LAYERFS_ROOT, else $XDG_DATA_HOME/layerfs (~/.local/share/layerfs), or
// /var/lib/layerfs for root.
std::string default_store_root();

void write_layer_info(const std::string& path, const LayerInfo& info,
                      Durability durability = Durability::Synced);
LayerInfo parse_layer_info(const std::string& json_text, const std::string& where);

}  // namespace layerfs
