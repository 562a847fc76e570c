#include "layers/image_list.h"

#include <fnmatch.h>

#include <algorithm>
#include <ctime>

#include "layers/image.h"
#include "layers/reference.h"
#include "util/error.h"

namespace layerfs {

int64_t parse_rfc3339_seconds(const std::string& text) {
  struct tm tm = {};
  const char* rest = ::strptime(text.c_str(), "%Y-%m-%dT%H:%M:%S", &tm);
  if (rest == nullptr) return 0;
  int64_t seconds = ::timegm(&tm);
  while (*rest == '.' || (*rest >= '0' && *rest <= '9')) ++rest;
  int sign = 0;
  if (*rest == '+') sign = 1;
  if (*rest == '-') sign = -1;
  if (sign != 0) {
    int hours = 0, minutes = 0;
    if (std::sscanf(rest + 1, "%d:%d", &hours, &minutes) >= 1)
      seconds -= sign * (hours * 3600 + minutes * 60);
  }
  return seconds;
}

namespace {

struct Filters {
  std::vector<std::string> dangling, since, before, reference, label;
};

Filters parse_filters(const std::vector<std::string>& specs) {
  Filters f;
  for (const auto& spec : specs) {
    auto eq = spec.find('=');
    if (eq == std::string::npos)
      throw UserError("bad format of filter (expected name=value): " + spec);
    std::string key = spec.substr(0, eq), value = spec.substr(eq + 1);
    if (key == "dangling") {
      if (value != "true" && value != "false" && value != "1" && value != "0")
        throw UserError("invalid filter 'dangling=" + value + "'");
      f.dangling.push_back(value == "1" ? "true" : value == "0" ? "false" : value);
    } else if (key == "since") {
      f.since.push_back(value);
    } else if (key == "before") {
      f.before.push_back(value);
    } else if (key == "reference") {
      f.reference.push_back(value);
    } else if (key == "label") {
      f.label.push_back(value);
    } else {
      throw UserError("invalid filter '" + key + "'");
    }
  }
  return f;
}

// docker matches reference patterns against the familiar name, with and without the tag.
bool matches_reference(const std::string& pattern, const ImageRow& row) {
  if (row.repository == "<none>") return false;
  std::string full = row.repository + ":" + row.tag;
  return ::fnmatch(pattern.c_str(), full.c_str(), FNM_PATHNAME) == 0 ||
         ::fnmatch(pattern.c_str(), row.repository.c_str(), FNM_PATHNAME) == 0;
}

bool matches_label(const std::string& spec, const std::map<std::string, std::string>& labels) {
  auto eq = spec.find('=');
  auto it = labels.find(spec.substr(0, eq));
  if (it == labels.end()) return false;
  return eq == std::string::npos || it->second == spec.substr(eq + 1);
}

}  // namespace

std::vector<ImageRow> list_images(const Store& store, const ImageListOptions& options) {
  Filters filters = parse_filters(options.filters);
  ImageIndex index = ImageIndex::load(store);

  auto created_of = [&](const std::string& text) {
    std::string id = resolve_image(index, text);
    return parse_rfc3339_seconds(load_image(store, index, id).created());
  };
  std::vector<int64_t> since, before;
  for (const auto& s : filters.since) since.push_back(created_of(s));
  for (const auto& b : filters.before) before.push_back(created_of(b));

  std::optional<Reference> wanted;
  if (!options.repository_filter.empty())
    wanted = parse_reference(options.repository_filter, /*default_tag=*/false);

  auto container_images = store.container_image_ids();
  std::vector<ImageRow> rows;
  for (const auto& [id, record] : index.images) {
    Image image = load_image(store, index, id);
    bool dangling = image.tags.empty();
    bool intermediate = dangling && !index.children_of(id).empty();
    if (intermediate && !options.all) continue;
    if (!filters.dangling.empty() && (filters.dangling.back() == "true") != dangling) continue;

    ImageRow base;
    base.id = id;
    base.created = image.created();
    base.created_unix = parse_rfc3339_seconds(base.created);
    base.size = image.size(store);
    base.containers =
        static_cast<int>(std::count(container_images.begin(), container_images.end(), id));
    if (image.config.contains("config") && image.config["config"].is_object()) {
      auto labels = image.config["config"].value("Labels", nlohmann::json::object());
      if (labels.is_object())
        for (auto& [k, v] : labels.items())
          if (v.is_string()) base.labels[k] = v.get<std::string>();
    }
    if (std::any_of(since.begin(), since.end(), [&](int64_t t) { return base.created_unix <= t; }))
      continue;
    if (std::any_of(before.begin(), before.end(),
                    [&](int64_t t) { return base.created_unix >= t; }))
      continue;
    if (!std::all_of(filters.label.begin(), filters.label.end(),
                     [&](const std::string& l) { return matches_label(l, base.labels); }))
      continue;

    std::vector<ImageRow> image_rows;
    for (const auto& name : image.tags) {
      Reference ref = parse_reference(name);
      ImageRow row = base;
      row.repository = ref.familiar_repository();
      row.tag = ref.tag;
      row.digest = "<none>";
      for (const auto& rd : record.repo_digests) {
        auto at = rd.find('@');
        if (rd.substr(0, at) == ref.repository()) row.digest = rd.substr(at + 1);
      }
      if (wanted && (ref.repository() != wanted->repository() ||
                     (!wanted->tag.empty() && ref.tag != wanted->tag)))
        continue;
      image_rows.push_back(std::move(row));
    }
    if (image.tags.empty() && !wanted) {
      ImageRow row = base;
      row.repository = "<none>";
      row.tag = "<none>";
      row.digest = "<none>";
      image_rows.push_back(std::move(row));
    }
    for (auto& row : image_rows) {
      if (!filters.reference.empty() &&
          std::none_of(filters.reference.begin(), filters.reference.end(),
                       [&](const std::string& p) { return matches_reference(p, row); }))
        continue;
      rows.push_back(std::move(row));
    }
  }
  // Newest first, as docker lists them.
  std::stable_sort(rows.begin(), rows.end(), [](const ImageRow& a, const ImageRow& b) {
    if (a.created_unix != b.created_unix) return a.created_unix > b.created_unix;
    return std::tie(a.repository, a.tag) < std::tie(b.repository, b.tag);
  });
  return rows;
}

}  // namespace layerfs
