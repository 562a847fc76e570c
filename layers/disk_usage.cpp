#include "layers/disk_usage.h"

#include <dirent.h>

#include <algorithm>
#include <map>
#include <set>

#include "layers/image.h"
#include "layers/image_remove.h"
#include "layers/reference.h"

namespace layerfs {

DiskUsage disk_usage_report(const Store& store) {
  DiskUsage usage;
  ImageIndex index = ImageIndex::load(store);
  auto container_images = store.container_image_ids();
  std::map<std::string, int> layer_users;
  std::map<std::string, uint64_t> layer_size;
  std::set<std::string> active_layers;
  std::vector<std::pair<ImageUsage, std::vector<std::string>>> images;
  for (const auto& [id, record] : index.images) {
    Image image = load_image(store, index, id);
    ImageUsage iu;
    iu.id = id;
    for (const auto& tag : image.tags) iu.names.push_back(parse_reference(tag).familiar());
    iu.created = image.created();
    iu.containers =
        static_cast<int>(std::count(container_images.begin(), container_images.end(), id));
    auto diff_ids = image.diff_ids();
    std::set<std::string> distinct(diff_ids.begin(), diff_ids.end());
    for (const auto& d : distinct) {
      ++layer_users[d];
      if (!layer_size.count(d))
        layer_size[d] = store.has_layer(d) ? store.read_layer_info(d).size : 0;
      iu.size += layer_size[d];
      if (iu.containers > 0) active_layers.insert(d);
    }
    if (iu.containers > 0) ++usage.images_active;
    images.emplace_back(std::move(iu), std::vector<std::string>(distinct.begin(), distinct.end()));
  }
  for (auto& [iu, layers] : images) {
    for (const auto& d : layers)
      if (layer_users[d] > 1) iu.shared_size += layer_size[d];
    usage.images_logical += iu.size;
    usage.images.push_back(iu);
  }
  for (const auto& [d, users] : layer_users) {
    usage.layers.push_back({d, layer_size[d], users});
    usage.images_physical += layer_size[d];
    if (!active_layers.count(d)) usage.images_reclaimable += layer_size[d];
  }
  if (DIR* dir = ::opendir(store.containers_dir().c_str())) {
    while (struct dirent* e = ::readdir(dir)) {
      std::string name = e->d_name;
      if (name == "." || name == "..") continue;
      ++usage.containers_total;
      usage.containers_size += apparent_size(store.containers_dir() + "/" + name + "/upper");
    }
    ::closedir(dir);
  }
  usage.cache_entries = static_cast<int>(cache_entries(store).size());
  return usage;
}

}  // namespace layerfs
