// The rows of `layerfs images`: one per name (or one <none> row per untagged image), filtered
// the way docker filters them.
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "layers/store.h"

namespace layerfs {

struct ImageRow {
  std::string repository;  // familiar, or "<none>"
  std::string tag;         // or "<none>"
  std::string digest;      // manifest digest from a registry (repo digest), or "<none>"
  std::string id;          // sha256:...
  std::string created;     // RFC 3339
  int64_t created_unix = 0;
  uint64_t size = 0;
  std::map<std::string, std::string> labels;
  int containers = 0;
};

struct ImageListOptions {
  bool all = false;                  // -a: intermediate images too
  std::string repository_filter;     // positional REPO[:TAG]
  std::vector<std::string> filters;  // -f key=value
};

// Throws UserError for an unknown filter key or a malformed value.
std::vector<ImageRow> list_images(const Store& store, const ImageListOptions& options);

// Seconds since the epoch for an RFC 3339 timestamp (0 when unparsable).
int64_t parse_rfc3339_seconds(const std::string& text);

}  // namespace layerfs
