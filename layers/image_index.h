// refs.json: every image the store holds and every name pointing at one. Replaced whole and
// atomically under the writer lock, so readers never see a half-updated index.
//   {"tags":   {"docker.io/library/busybox:latest": "sha256:<manifest digest>"},
//    "images": {"sha256:<image id>": {"manifest": "sha256:...", "parent": "sha256:...",
//                                      "repo_digests": [...], "added": "<RFC 3339>"}}}
#pragma once

#include <map>
#include <string>
#include <vector>

namespace layerfs {

class Store;

struct ImageRecord {
  std::string manifest_digest;
  std::string parent;                     // image ID of the build parent, or empty
  std::vector<std::string> repo_digests;  // "docker.io/library/busybox@sha256:..."
  std::string added;                      // when this store got the image
};

struct ImageIndex {
  std::map<std::string, std::string> tags;    // canonical name:tag -> manifest digest
  std::map<std::string, ImageRecord> images;  // image ID -> record

  static ImageIndex load(const Store& store);
  // Caller holds the writer lock.
  void save(const Store& store) const;

  // The image ID a manifest digest belongs to, or empty.
  std::string image_for_manifest(const std::string& manifest_digest) const;
  // Canonical names pointing at the image.
  std::vector<std::string> tags_of(const std::string& image_id) const;
  // Images whose parent is image_id.
  std::vector<std::string> children_of(const std::string& image_id) const;
};

}  // namespace layerfs
