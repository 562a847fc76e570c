#include "layers/image_index.h"

#include <nlohmann/json.hpp>

#include "layers/store.h"
#include "util/error.h"

namespace layerfs {

ImageIndex ImageIndex::load(const Store& store) {
  ImageIndex index;
  auto text = read_file_if_exists(store.refs_path());
  if (!text) return index;
  try {
    auto j = nlohmann::json::parse(*text);
    auto tags = j.value("tags", nlohmann::json::object());
    auto images = j.value("images", nlohmann::json::object());
    for (auto& [name, digest] : tags.items()) index.tags[name] = digest.get<std::string>();
    for (auto& [id, rec] : images.items()) {
      ImageRecord r;
      r.manifest_digest = rec.at("manifest").get<std::string>();
      r.parent = rec.value("parent", "");
      r.repo_digests = rec.value("repo_digests", std::vector<std::string>{});
      r.added = rec.value("added", "");
      index.images[id] = std::move(r);
    }
  } catch (const nlohmann::json::exception& e) {
    throw UserError(store.refs_path() + " is corrupt: " + e.what());
  }
  return index;
}

void ImageIndex::save(const Store& store) const {
  nlohmann::json j = {{"tags", nlohmann::json::object()}, {"images", nlohmann::json::object()}};
  for (const auto& [name, digest] : tags) j["tags"][name] = digest;
  for (const auto& [id, r] : images) {
    nlohmann::json rec = {{"manifest", r.manifest_digest}, {"added", r.added}};
    if (!r.parent.empty()) rec["parent"] = r.parent;
    if (!r.repo_digests.empty()) rec["repo_digests"] = r.repo_digests;
    j["images"][id] = std::move(rec);
  }
  AtomicFile file(store.refs_path(), store.tmp_dir(), 0644);
  file.write(j.dump(1) + "\n");
  file.commit();
}

std::string ImageIndex::image_for_manifest(const std::string& manifest_digest) const {
  for (const auto& [id, r] : images)
    if (r.manifest_digest == manifest_digest) return id;
  return {};
}

std::vector<std::string> ImageIndex::tags_of(const std::string& image_id) const {
  std::vector<std::string> names;
  auto it = images.find(image_id);
  if (it == images.end()) return names;
  for (const auto& [name, digest] : tags)
    if (digest == it->second.manifest_digest) names.push_back(name);
  return names;
}

std::vector<std::string> ImageIndex::children_of(const std::string& image_id) const {
  std::vector<std::string> ids;
  for (const auto& [id, r] : images)
    if (r.parent == image_id) ids.push_back(id);
  return ids;
}

}  // namespace layerfs
