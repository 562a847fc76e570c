// The state of one stage while it builds: the image so far (config, layers, ID) and the
// variables in scope. Internal to builder/.
#pragma once

#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "builder/dockerfile.h"
#include "builder/shell_lexer.h"
#include "layers/store.h"

namespace layerfs::builder {

struct StageState {
  std::string name;  // "AS name" (lower case) or ""
  size_t index = 0;
  nlohmann::json config;  // the whole image config
  std::vector<LayerInfo> layers;
  std::string image_id;  // the current image; "" while a scratch stage has no step yet
  Variables args;        // ARGs declared in this stage, with their values
  bool cmd_set = false;  // CMD given in this stage (ENTRYPOINT keeps it)
  bool built = false;
  // What the stage started from (its FROM, before ONBUILD triggers): what --squash keeps.
  size_t base_layers = 0;
  size_t base_history = 0;
  std::string base_image_id;

  nlohmann::json& runtime() { return config["config"]; }
  // Variables for substitution: args, overridden by ENV.
  Variables variables() const;
  std::vector<std::string> shell() const;
  std::string workdir() const;
};

// What a step produced: the new config and, when files changed, a directory of changes.
struct StepOutput {
  bool empty_layer = true;
  std::string upper_dir;  // changes in OCI layer format (in the store's tmp/), when !empty_layer
};

// The text a step is cached and recorded under: the instruction after substitution.
struct ExpandedStep {
  std::string text;                // "COPY --chown=1:1 a /b"
  std::vector<std::string> words;  // expanded arguments
  std::string sources_digest;
};

// Sets config["config"]["Env"] entry K=V (replacing an existing K).
void set_env(nlohmann::json& runtime, const std::string& key, const std::string& value);

}  // namespace layerfs::builder
