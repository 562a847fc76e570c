#include "layers/image_remove.h"

#include <dirent.h>
#include <sys/file.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <nlohmann/json.hpp>
#include <optional>
#include <set>

#include "layers/image.h"
#include "layers/image_list.h"
#include "layers/reference.h"
#include "util/dir_lock.h"
#include "util/error.h"
#include "util/humanize.h"

namespace layerfs {

namespace {

std::string familiar_name(const std::string& canonical) {
  return parse_reference(canonical).familiar();
}

bool used_by_container(const Store& store, const std::string& image_id) {
  auto ids = store.container_image_ids();
  return std::find(ids.begin(), ids.end(), image_id) != ids.end();
}

bool held_by_build(const Store& store, const std::string& image_id) {
  auto ids = store.held_image_ids();
  return std::find(ids.begin(), ids.end(), image_id) != ids.end();
}

void untag(ImageIndex& index, const std::string& canonical, RemovalReport& report) {
  index.tags.erase(canonical);
  report.untagged.push_back(familiar_name(canonical));
}

// Deletes the image and then its parents that became untagged leaves.
void delete_with_parents(const Store& store, ImageIndex& index, std::string image_id,
                         const RemoveOptions& options, RemovalReport& report) {
  while (!image_id.empty()) {
    std::string parent = index.images.at(image_id).parent;
    forget_image(index, image_id, report);
    if (options.no_prune || parent.empty() || !index.images.count(parent)) break;
    if (!index.tags_of(parent).empty() || !index.children_of(parent).empty() ||
        used_by_container(store, parent) || held_by_build(store, parent))
      break;
    image_id = parent;
  }
}

}  // namespace

void forget_image(ImageIndex& index, const std::string& image_id, RemovalReport& report) {
  for (const auto& name : index.tags_of(image_id)) untag(index, name, report);
  index.images.erase(image_id);
  report.deleted.push_back(image_id);
}

std::vector<CacheEntry> cache_entries(const Store& store) {
  std::vector<CacheEntry> entries;
  DIR* d = ::opendir(store.cache_dir().c_str());
  if (d == nullptr) return entries;
  while (struct dirent* e = ::readdir(d)) {
    std::string name = e->d_name;
    if (name.size() < 6 || name.substr(name.size() - 5) != ".json") continue;
    std::string path = store.cache_dir() + "/" + name;
    auto text = read_file_if_exists(path);
    if (!text) continue;
    auto j = nlohmann::json::parse(*text, nullptr, false);
    if (j.is_object() && j.contains("image") && j["image"].is_string())
      entries.push_back({path, j["image"].get<std::string>()});
  }
  ::closedir(d);
  return entries;
}

void remove_image(const Store& store, ImageIndex& index, const std::string& text,
                  const RemoveOptions& options, RemovalReport& report) {
  std::string image_id = resolve_image(index, text);
  auto tags = index.tags_of(image_id);
  // Did the user name a tag (untag) or the image itself (delete)? A name that exists comes
  // before an ID prefix, as in resolve_image ("cafe" may be both).
  std::string named_tag;
  if (text.rfind("sha256:", 0) != 0) {
    try {
      Reference ref = parse_reference(text);
      if (ref.digest.empty() && index.tags.count(ref.canonical())) named_tag = ref.canonical();
    } catch (const UserError&) {
    }
  }
  if (!named_tag.empty() && tags.size() > 1) {
    untag(index, named_tag, report);
    index.save(store);
    return;
  }
  std::string short_image = short_id(image_id);
  if (named_tag.empty() && tags.size() > 1 && !options.force)
    throw UserError("conflict: unable to delete " + short_image +
                    " (must be forced) - image is referenced in multiple repositories");
  if (!index.children_of(image_id).empty())
    throw UserError("conflict: unable to delete " + short_image +
                    " (cannot be forced) - image has dependent child images");
  if (held_by_build(store, image_id))
    throw UserError("conflict: unable to delete " + short_image +
                    " (cannot be forced) - image is being used by a running build");
  if (used_by_container(store, image_id)) {
    if (!options.force) {
      std::string what = named_tag.empty() ? short_image : familiar_name(named_tag);
      throw UserError("conflict: unable to remove " + what + " (must force) - image " +
                      short_image + " is being used by a container");
    }
    // Forced: the names go, the image stays for the container (docker keeps it as <none>).
    for (const auto& name : tags) untag(index, name, report);
    index.save(store);
    return;
  }
  delete_with_parents(store, index, image_id, options, report);
  index.save(store);
  report.reclaimed_bytes += collect_garbage(store, index);
}

namespace {

struct PruneFilter {
  std::optional<int64_t> until;
  std::vector<std::pair<bool, std::string>> labels;  // (negated, K[=V])
};

PruneFilter parse_prune_filters(const PruneOptions& options) {
  PruneFilter f;
  for (const auto& spec : options.filters) {
    auto eq = spec.find('=');
    if (eq == std::string::npos)
      throw UserError("bad format of filter (expected name=value): " + spec);
    std::string key = spec.substr(0, eq), value = spec.substr(eq + 1);
    if (key == "until") {
      auto t =
          parse_duration_or_timestamp(value, TimePoint(std::chrono::seconds(options.now_unix)));
      f.until = std::chrono::duration_cast<std::chrono::seconds>(t.time_since_epoch()).count();
    } else if (key == "label" || key == "label!") {
      f.labels.emplace_back(key == "label!", value);
    } else {
      throw UserError("invalid filter '" + key + "'");
    }
  }
  return f;
}

bool label_matches(const nlohmann::json& config, const std::string& spec) {
  auto labels =
      config.value("config", nlohmann::json::object()).value("Labels", nlohmann::json::object());
  if (!labels.is_object()) return false;
  auto eq = spec.find('=');
  std::string key = spec.substr(0, eq);
  if (!labels.contains(key)) return false;
  return eq == std::string::npos ||
         (labels[key].is_string() && labels[key].get<std::string>() == spec.substr(eq + 1));
}

}  // namespace

RemovalReport prune_images(const Store& store, const PruneOptions& options) {
  PruneFilter filter = parse_prune_filters(options);
  auto lock = store.lock_for_writing();
  ImageIndex index = ImageIndex::load(store);
  auto in_use = store.container_image_ids();
  for (auto& id : store.held_image_ids()) in_use.push_back(std::move(id));
  RemovalReport report;
  for (bool removed = true; removed;) {
    removed = false;
    std::vector<std::string> ids;
    for (const auto& [id, record] : index.images) ids.push_back(id);
    for (const auto& id : ids) {
      if (!index.children_of(id).empty()) continue;
      if (std::find(in_use.begin(), in_use.end(), id) != in_use.end()) continue;
      if (!options.all && !index.tags_of(id).empty()) continue;
      Image image = load_image(store, index, id);
      if (filter.until && parse_rfc3339_seconds(image.created()) >= *filter.until) continue;
      bool labels_ok = std::all_of(filter.labels.begin(), filter.labels.end(), [&](const auto& l) {
        return label_matches(image.config, l.second) != l.first;
      });
      if (!labels_ok) continue;
      forget_image(index, id, report);
      removed = true;
    }
  }
  index.save(store);
  report.reclaimed_bytes += collect_garbage(store, index);
  return report;
}

uint64_t collect_garbage(const Store& store, const ImageIndex& index) {
  std::set<std::string> live_layers;
  std::set<std::string> live_blobs;
  std::vector<std::string> image_ids;
  for (const auto& [id, record] : index.images) image_ids.push_back(id);
  for (const auto& id : store.container_image_ids()) image_ids.push_back(id);
  for (const auto& id : store.held_image_ids()) image_ids.push_back(id);
  // A cache entry serves a build only while its image is in the index (builder/build_cache.h):
  // one whose image was deleted keeps nothing alive, and goes.
  for (const CacheEntry& entry : cache_entries(store)) {
    if (index.images.count(entry.image_id))
      image_ids.push_back(entry.image_id);
    else
      ::unlink(entry.path.c_str());
  }
  for (const auto& id : image_ids) {
    auto record = index.images.find(id);
    live_blobs.insert(id);
    if (record != index.images.end()) {
      live_blobs.insert(record->second.manifest_digest);
      auto manifest_text = read_file_if_exists(store.blob_path(record->second.manifest_digest));
      auto manifest = nlohmann::json::parse(manifest_text.value_or(""), nullptr, false);
      if (manifest.is_object() && manifest.contains("layers"))
        for (const auto& layer : manifest["layers"])
          if (layer.is_object() && layer.contains("digest"))
            live_blobs.insert(layer["digest"].get<std::string>());
    }
    auto config_text = read_file_if_exists(store.blob_path(id));
    if (!config_text) continue;
    auto config = nlohmann::json::parse(*config_text, nullptr, false);
    if (!config.is_object() || !config.contains("rootfs")) continue;
    for (const auto& d : config["rootfs"].value("diff_ids", nlohmann::json::array())) {
      std::string diff_id = d.get<std::string>();
      live_layers.insert(diff_id);
      if (store.has_layer(diff_id)) live_blobs.insert(store.read_layer_info(diff_id).blob_digest);
    }
  }
  uint64_t freed = 0;
  for (const auto& diff_id : store.list_layers()) {
    if (live_layers.count(diff_id)) continue;
    // A layer that a union still stacks (that of an image deleted while mounted) stays until it
    // is unmounted; a later collection frees it. The lock is held while the layer goes, so that no
    // union starts on it meanwhile (fuse/mount_lock.h).
    UniqueFd unused = try_lock_dir(store.layer_diff_path(diff_id), LOCK_EX);
    if (!unused && errno == EWOULDBLOCK) continue;
    LayerInfo info = store.read_layer_info(diff_id);
    freed += info.size;
    store.remove_layer(diff_id);
  }
  DIR* d = ::opendir(store.blobs_dir().c_str());
  if (d == nullptr) return freed;
  std::vector<std::string> dead;
  while (struct dirent* e = ::readdir(d)) {
    std::string name = e->d_name;
    if (name.size() == 64 && !live_blobs.count("sha256:" + name)) dead.push_back("sha256:" + name);
  }
  ::closedir(d);
  for (const auto& digest : dead) store.remove_blob(digest);
  return freed;
}

}  // namespace layerfs
