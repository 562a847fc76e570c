#include "registry/search.h"

#include <algorithm>
#include <nlohmann/json.hpp>

#include "registry/client.h"
#include "registry/credentials.h"
#include "util/error.h"

namespace layerfs::registry {

namespace {

struct Filters {
  int min_stars = 0;
  int official = -1;  // -1: either
  int automated = -1;
};

bool parse_bool(const std::string& key, const std::string& value) {
  if (value == "true" || value == "1") return true;
  if (value == "false" || value == "0") return false;
  throw UserError("invalid filter '" + key + "=" + value + "'");
}

Filters parse_filters(const std::vector<std::string>& specs) {
  Filters f;
  for (const auto& spec : specs) {
    auto eq = spec.find('=');
    if (eq == std::string::npos)
      throw UserError("bad format of filter (expected name=value): " + spec);
    std::string key = spec.substr(0, eq), value = spec.substr(eq + 1);
    if (key == "stars") {
      try {
        f.min_stars = std::stoi(value);
      } catch (const std::exception&) {
        throw UserError("invalid filter 'stars=" + value + "'");
      }
    } else if (key == "is-official") {
      f.official = parse_bool(key, value);
    } else if (key == "is-automated") {
      f.automated = parse_bool(key, value);
    } else {
      throw UserError("invalid filter '" + key + "'");
    }
  }
  return f;
}

bool looks_like_registry(const std::string& component) {
  return component.find('.') != std::string::npos || component.find(':') != std::string::npos ||
         component == "localhost";
}

// Hub's search answer: {"results": [{"name", "description", "star_count", "is_official",
// "is_automated"}]}.
std::vector<SearchResult> parse_hub_results(const std::string& body, const std::string& where) {
  auto doc = nlohmann::json::parse(body, nullptr, false);
  if (!doc.is_object() || !doc.contains("results") || !doc["results"].is_array())
    throw UserError(where + ": unexpected search answer");
  std::vector<SearchResult> out;
  for (const auto& r : doc["results"]) {
    if (!r.is_object()) continue;
    SearchResult s;
    s.name = r.value("name", r.value("repo_name", ""));
    s.description = r.value("description", r.value("short_description", ""));
    s.stars = r.value("star_count", 0);
    s.official = r.value("is_official", false);
    s.automated = r.value("is_automated", false);
    out.push_back(std::move(s));
  }
  return out;
}

std::vector<SearchResult> search_catalog(RegistryClient& client, const std::string& registry,
                                         const std::string& term) {
  std::vector<SearchResult> out;
  std::string target = "/v2/_catalog?n=100";
  while (!target.empty()) {
    HttpRequest request;
    request.url = target;
    HttpResponse response = client.request(request);
    if (!response.ok()) throw UserError(registry + ": catalog: " + describe_error(response));
    auto doc = nlohmann::json::parse(response.body, nullptr, false);
    if (!doc.is_object() || !doc["repositories"].is_array())
      throw UserError(registry + ": catalog: unexpected answer");
    for (const auto& repo : doc["repositories"]) {
      std::string name = repo.get<std::string>();
      if (name.find(term) != std::string::npos)
        out.push_back({registry + "/" + name, "", 0, false, false});
    }
    target = next_link(response);
  }
  return out;
}

}  // namespace

std::pair<std::string, std::string> split_search_query(const std::string& query) {
  auto slash = query.find('/');
  if (slash != std::string::npos && looks_like_registry(query.substr(0, slash)))
    return {query.substr(0, slash), query.substr(slash + 1)};
  return {"docker.io", query};
}

std::vector<SearchResult> search_images(const RegistryConfig& config,
                                        const SearchOptions& options) {
  if (options.limit < 1 || options.limit > 100)
    throw UserError("limit " + std::to_string(options.limit) + " is outside the range of [1, 100]");
  Filters filters = parse_filters(options.filters);
  auto [registry, term] = split_search_query(options.query);
  std::vector<SearchResult> results;
  std::string query = "q=" + url_escape(term) + "&n=" + std::to_string(options.limit);
  if (registry == "docker.io") {
    Endpoint hub{registry, "https://index.docker.io", config.tls_for("index.docker.io"), false,
                 false};
    RegistryClient client(hub, find_credentials(registry));
    HttpRequest request;
    request.url = "/v1/search?" + query;
    HttpResponse response = client.request(request);
    if (!response.ok()) throw UserError("search: " + describe_error(response));
    results = parse_hub_results(response.body, "index.docker.io");
  } else {
    RegistryClient client(endpoints_for(config, registry, false).back(),
                          find_credentials(registry));
    client.add_scope("registry:catalog:*");
    client.ping();
    HttpRequest request;
    request.url = "/v1/search?" + query;
    HttpResponse response = client.request(request);
    // A registry with the v1 search API answers it; distribution has only its catalog.
    results = response.ok() ? parse_hub_results(response.body, registry)
                            : search_catalog(client, registry, term);
  }
  std::erase_if(results, [&](const SearchResult& r) {
    return r.stars < filters.min_stars ||
           (filters.official >= 0 && r.official != bool(filters.official)) ||
           (filters.automated >= 0 && r.automated != bool(filters.automated));
  });
  std::stable_sort(results.begin(), results.end(),
                   [](const SearchResult& a, const SearchResult& b) { return a.stars > b.stars; });
  if (results.size() > size_t(options.limit)) results.resize(size_t(options.limit));
  return results;
}

}  // namespace layerfs::registry
