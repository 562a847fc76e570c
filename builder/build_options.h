// What `layerfs build` was asked to do.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "builder/build_progress.h"

namespace layerfs::builder {

struct BuildOptions {
  std::string context_dir;
  std::string dockerfile_path;    // empty: CONTEXT/Dockerfile; "-": dockerfile_text holds it
  std::string dockerfile_text;    // when read from stdin
  std::vector<std::string> tags;  // canonical names
  std::map<std::string, std::optional<std::string>> build_args;  // --build-arg K[=V]
  std::string target;
  bool no_cache = false;
  bool squash = false;
  std::map<std::string, std::string> labels;  // --label
  std::string network = "host";
  std::optional<int64_t> source_date_epoch;
  // Where progress goes (build_progress.h); null = silent.
  BuildProgress* progress = nullptr;
};

struct BuildResult {
  std::string image_id;
  int steps = 0;
  int cached_steps = 0;
};

}  // namespace layerfs::builder
