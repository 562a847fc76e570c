#include "builder/build_state.h"

namespace layerfs::builder {

Variables StageState::variables() const {
  Variables vars = args;
  const auto& runtime = config["config"];
  if (runtime.contains("Env") && runtime["Env"].is_array())
    for (const auto& item : runtime["Env"]) {
      std::string entry = item.get<std::string>();
      auto eq = entry.find('=');
      vars[entry.substr(0, eq)] = eq == std::string::npos ? "" : entry.substr(eq + 1);
    }
  return vars;
}

std::vector<std::string> StageState::shell() const {
  const auto& runtime = config["config"];
  if (runtime.contains("Shell") && runtime["Shell"].is_array() && !runtime["Shell"].empty())
    return runtime["Shell"].get<std::vector<std::string>>();
  return {"/bin/sh", "-c"};
}

std::string StageState::workdir() const {
  const auto& runtime = config["config"];
  if (runtime.contains("WorkingDir") && runtime["WorkingDir"].is_string()) {
    std::string dir = runtime["WorkingDir"];
    if (!dir.empty()) return dir;
  }
  return "/";
}

void set_env(nlohmann::json& runtime, const std::string& key, const std::string& value) {
  if (!runtime.contains("Env") || !runtime["Env"].is_array())
    runtime["Env"] = nlohmann::json::array();
  for (auto& item : runtime["Env"]) {
    std::string entry = item.get<std::string>();
    if (entry.substr(0, entry.find('=')) == key) {
      item = key + "=" + value;
      return;
    }
  }
  runtime["Env"].push_back(key + "=" + value);
}

}  // namespace layerfs::builder
