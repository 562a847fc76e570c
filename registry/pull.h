// `layerfs pull`: a manifest (or the platform's entry of an index) and its config and layers come
// from a registry into the store. Every blob is digest-verified before anything references it;
// layers already in the store are not fetched again; a layer is adopted as soon as it is complete,
// so that an interrupted pull's next attempt only fetches what is missing.
#pragma once

#include <string>
#include <vector>

#include "layers/reference.h"
#include "layers/store.h"
#include "registry/progress.h"
#include "registry/registry_config.h"

namespace layerfs::registry {

struct PullOptions {
  std::string platform;  // "os/arch[/variant]"; empty means linux/amd64
  int parallel = 6;      // layers transferred at once
};

struct PullResult {
  std::string image_id;
  std::string name;         // canonical name:tag, or repository@digest when pulled by digest
  std::string digest;       // the manifest (or index) digest the reference resolved to
  bool downloaded = false;  // false: everything was already in the store
};

PullResult pull_image(const Store& store, const RegistryConfig& config, const Reference& ref,
                      const PullOptions& options, Progress& progress);

// `pull -a`: every tag of the repository.
std::vector<PullResult> pull_all_tags(const Store& store, const RegistryConfig& config,
                                      const Reference& repository, const PullOptions& options,
                                      Progress& progress);

}  // namespace layerfs::registry
