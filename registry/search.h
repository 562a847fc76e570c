// `layerfs search`: Docker Hub's /v1/search for a bare term; for REGISTRY/TERM the registry's own
// /v1/search when it has one, else its catalog (/v2/_catalog, paged) filtered by the term.
#pragma once

#include <string>
#include <vector>

#include "registry/registry_config.h"

namespace layerfs::registry {

struct SearchResult {
  std::string name;
  std::string description;
  int stars = 0;
  bool official = false;
  bool automated = false;
};

struct SearchOptions {
  std::string query;                 // [REGISTRY/]TERM
  int limit = 25;                    // 1..100
  std::vector<std::string> filters;  // stars=N, is-official=BOOL, is-automated=BOOL
};

// Results sorted by stars (most first), filtered and limited.
std::vector<SearchResult> search_images(const RegistryConfig& config, const SearchOptions& options);

// "127.0.0.1:5000/busy" -> {"127.0.0.1:5000", "busy"}; "busy" -> {"docker.io", "busy"}.
std::pair<std::string, std::string> split_search_query(const std::string& query);

}  // namespace layerfs::registry
