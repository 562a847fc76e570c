#include "layers/image.h"

#include <algorithm>

#include "layers/reference.h"
#include "util/error.h"
#include "util/sha256.h"

namespace layerfs {

std::vector<std::string> Image::diff_ids() const {
  std::vector<std::string> ids;
  if (config.contains("rootfs"))
    for (const auto& d : config["rootfs"].value("diff_ids", nlohmann::json::array()))
      ids.push_back(d.get<std::string>());
  return ids;
}

uint64_t Image::size(const Store& store) const {
  uint64_t total = 0;
  for (const auto& diff_id : diff_ids())
    if (store.has_layer(diff_id)) total += store.read_layer_info(diff_id).size;
  return total;
}

Image load_image(const Store& store, const ImageIndex& index, const std::string& image_id) {
  auto it = index.images.find(image_id);
  if (it == index.images.end()) throw UserError("No such image: " + image_id);
  Image image;
  image.id = image_id;
  image.record = it->second;
  try {
    image.manifest = nlohmann::json::parse(store.read_blob(image.record.manifest_digest));
    image.config = nlohmann::json::parse(store.read_blob(image_id));
  } catch (const nlohmann::json::exception& e) {
    throw UserError("image " + image_id + " has malformed JSON: " + e.what());
  }
  image.tags = index.tags_of(image_id);
  return image;
}

std::string short_id(const std::string& digest) {
  auto colon = digest.find(':');
  return digest.substr(colon == std::string::npos ? 0 : colon + 1, 12);
}

std::string resolve_image(const ImageIndex& index, std::string_view text) {
  auto no_such = [&] { return UserError("No such image: " + std::string(text)); };
  std::string_view hex = text.substr(0, 7) == "sha256:" ? text.substr(7) : text;
  bool explicit_id = text.substr(0, 7) == "sha256:" || is_hex64(hex);
  if (explicit_id) {
    if (!looks_like_id_prefix(text)) throw no_such();
  } else {
    Reference ref;
    try {
      ref = parse_reference(text);
    } catch (const UserError&) {
      if (!looks_like_id_prefix(text)) throw;
    }
    if (!ref.path.empty()) {
      if (!ref.digest.empty()) {
        for (const auto& [id, rec] : index.images) {
          if (rec.manifest_digest == ref.digest) return id;
          for (const auto& rd : rec.repo_digests)
            if (rd == ref.repository() + "@" + ref.digest) return id;
        }
      } else if (auto it = index.tags.find(ref.canonical()); it != index.tags.end()) {
        std::string id = index.image_for_manifest(it->second);
        if (!id.empty()) return id;
      }
    }
    if (!looks_like_id_prefix(text)) throw no_such();
  }
  std::string found;
  for (const auto& [id, rec] : index.images) {
    if (id.compare(7, hex.size(), hex) == 0) {
      if (!found.empty())
        throw UserError("image ID prefix \"" + std::string(text) + "\" is ambiguous");
      found = id;
    }
  }
  if (found.empty()) throw no_such();
  return found;
}

std::vector<std::string> layer_dirs_top_first(const Store& store, const Image& image) {
  std::vector<std::string> dirs;
  for (const auto& diff_id : image.diff_ids()) {
    if (!store.has_layer(diff_id))
      throw UserError("image " + short_id(image.id) + " is missing layer " + diff_id);
    dirs.push_back(store.layer_diff_path(diff_id));
  }
  std::reverse(dirs.begin(), dirs.end());
  return dirs;
}

}  // namespace layerfs
