#include "layers/image_inspect.h"

#include <algorithm>

#include "layers/reference.h"

namespace layerfs {

namespace {

std::vector<std::string> familiar_names(const std::vector<std::string>& canonical) {
  std::vector<std::string> names;
  for (const auto& c : canonical) names.push_back(parse_reference(c).familiar());
  return names;
}

std::string join(const std::vector<std::string>& parts, const std::string& sep) {
  std::string out;
  for (const auto& p : parts) out += (out.empty() ? "" : sep) + p;
  return out;
}

}  // namespace

nlohmann::ordered_json inspect_image(const Store& store, const ImageIndex& index,
                                     const Image& image) {
  const auto& config = image.config;
  std::string comment;
  if (config.contains("history") && config["history"].is_array() && !config["history"].empty())
    comment = config["history"].back().value("comment", "");
  std::vector<std::string> repo_digests;
  for (const auto& rd : image.record.repo_digests) {
    Reference ref = parse_reference(rd);
    repo_digests.push_back(ref.familiar_repository() + "@" + ref.digest);
  }
  std::vector<std::string> lowers = layer_dirs_top_first(store, image);
  nlohmann::ordered_json graph = {{"Data", nlohmann::ordered_json::object()}, {"Name", "layerfs"}};
  if (!lowers.empty()) {
    graph["Data"]["UpperDir"] = lowers.front();
    if (lowers.size() > 1)
      graph["Data"]["LowerDir"] = join({lowers.begin() + 1, lowers.end()}, ":");
  }
  std::string last_tag_time = image.tags.empty() ? "0001-01-01T00:00:00Z" : image.record.added;
  (void)index;
  return {
      {"Id", image.id},
      {"RepoTags", familiar_names(image.tags)},
      {"RepoDigests", repo_digests},
      {"Parent", image.record.parent},
      {"Comment", comment},
      {"Created", image.created()},
      {"DockerVersion", config.value("docker_version", "")},
      {"Author", config.value("author", "")},
      {"Config", config.value("config", nlohmann::json::object())},
      {"Architecture", config.value("architecture", "")},
      {"Variant", config.value("variant", "")},
      {"Os", config.value("os", "")},
      {"Size", image.size(store)},
      {"GraphDriver", graph},
      {"RootFS", {{"Type", "layers"}, {"Layers", image.diff_ids()}}},
      {"Metadata", {{"LastTagTime", last_tag_time}}},
  };
}

std::vector<HistoryRow> image_history(const Store& store, const ImageIndex& index,
                                      const Image& image) {
  std::vector<HistoryRow> rows;
  auto diff_ids = image.diff_ids();
  size_t layer = 0;
  if (image.config.contains("history") && image.config["history"].is_array()) {
    for (const auto& h : image.config["history"]) {
      HistoryRow row;
      row.id = "<missing>";
      row.created = h.value("created", "");
      row.created_by = h.value("created_by", "");
      row.comment = h.value("comment", "");
      row.empty_layer = h.value("empty_layer", false);
      if (!row.empty_layer && layer < diff_ids.size()) {
        const auto& diff_id = diff_ids[layer++];
        if (store.has_layer(diff_id)) row.size = store.read_layer_info(diff_id).size;
      }
      rows.push_back(std::move(row));
    }
  }
  // The image and its local ancestors each own the history entry where they end.
  std::string id = image.id;
  while (!id.empty() && index.images.count(id)) {
    Image step = id == image.id ? image : load_image(store, index, id);
    size_t count = step.config.contains("history") ? step.config["history"].size() : 0;
    if (count > 0 && count <= rows.size()) {
      rows[count - 1].id = id;
      rows[count - 1].tags = familiar_names(step.tags);
    }
    id = step.record.parent;
  }
  std::reverse(rows.begin(), rows.end());
  return rows;
}

}  // namespace layerfs
