// Dockerfile-style changes to an image config, as `import -c` and `commit -c` take them:
// CMD, ENTRYPOINT, ENV, EXPOSE, LABEL, ONBUILD, USER, VOLUME, WORKDIR, STOPSIGNAL.
#pragma once

#include <nlohmann/json.hpp>
#include <string>
#include <string_view>
#include <vector>

namespace layerfs {

// Applies one instruction to config["config"]; throws UserError naming the instruction.
void apply_config_change(nlohmann::json& config, std::string_view instruction);

// Splits words the way Dockerfile key=value instructions do: whitespace separates, single and
// double quotes group, backslash escapes.
std::vector<std::string> split_dockerfile_words(std::string_view text);

// ["a", "b"] when text is a JSON array of strings; nullopt-like empty result flag otherwise.
bool parse_json_string_array(std::string_view text, std::vector<std::string>& out);

}  // namespace layerfs
