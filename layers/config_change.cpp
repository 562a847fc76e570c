#include "layers/config_change.h"

#include <algorithm>
#include <cctype>

#include "util/error.h"

namespace layerfs {

namespace {

std::string_view trim(std::string_view s) {
  while (!s.empty() && std::isspace(static_cast<unsigned char>(s.front()))) s.remove_prefix(1);
  while (!s.empty() && std::isspace(static_cast<unsigned char>(s.back()))) s.remove_suffix(1);
  return s;
}

std::string upper(std::string_view s) {
  std::string out(s);
  std::transform(out.begin(), out.end(), out.begin(),
                 [](unsigned char c) { return std::toupper(c); });
  return out;
}

// Exec form stays as given; shell form runs through /bin/sh -c.
nlohmann::json command_value(std::string_view args) {
  std::vector<std::string> words;
  if (parse_json_string_array(args, words)) return words;
  return nlohmann::json::array({"/bin/sh", "-c", std::string(args)});
}

// KEY=VALUE pairs, or the legacy "KEY VALUE" form with one pair.
std::vector<std::pair<std::string, std::string>> key_values(std::string_view instruction,
                                                            std::string_view args) {
  std::vector<std::pair<std::string, std::string>> pairs;
  auto words = split_dockerfile_words(args);
  if (words.empty()) throw UserError(std::string(instruction) + " requires at least one argument");
  if (words[0].find('=') == std::string::npos) {
    auto space = args.find_first_of(" \t");
    if (space == std::string_view::npos)
      throw UserError(std::string(instruction) + " " + std::string(args) + ": missing value");
    auto value = split_dockerfile_words(trim(args.substr(space)));
    std::string joined;
    for (const auto& w : value) joined += (joined.empty() ? "" : " ") + w;
    pairs.emplace_back(words[0], joined);
    return pairs;
  }
  for (const auto& w : words) {
    auto eq = w.find('=');
    if (eq == std::string::npos || eq == 0)
      throw UserError(std::string(instruction) + ": \"" + w + "\" is not KEY=VALUE");
    pairs.emplace_back(w.substr(0, eq), w.substr(eq + 1));
  }
  return pairs;
}

}  // namespace

bool parse_json_string_array(std::string_view text, std::vector<std::string>& out) {
  text = trim(text);
  if (text.empty() || text.front() != '[') return false;
  auto j = nlohmann::json::parse(text, nullptr, false);
  if (!j.is_array()) return false;
  std::vector<std::string> words;
  for (const auto& e : j) {
    if (!e.is_string()) return false;
    words.push_back(e.get<std::string>());
  }
  out = std::move(words);
  return true;
}

std::vector<std::string> split_dockerfile_words(std::string_view text) {
  std::vector<std::string> words;
  std::string word;
  bool in_word = false;
  char quote = 0;
  for (size_t i = 0; i < text.size(); ++i) {
    char c = text[i];
    if (c == '\\' && i + 1 < text.size() && quote != '\'') {
      word.push_back(text[++i]);
      in_word = true;
    } else if (quote) {
      if (c == quote)
        quote = 0;
      else
        word.push_back(c);
    } else if (c == '"' || c == '\'') {
      quote = c;
      in_word = true;
    } else if (std::isspace(static_cast<unsigned char>(c))) {
      if (in_word) words.push_back(std::move(word));
      word.clear();
      in_word = false;
    } else {
      word.push_back(c);
      in_word = true;
    }
  }
  if (quote) throw UserError("unterminated quote in \"" + std::string(text) + "\"");
  if (in_word) words.push_back(std::move(word));
  return words;
}

void apply_config_change(nlohmann::json& image_config, std::string_view instruction) {
  instruction = trim(instruction);
  auto space = instruction.find_first_of(" \t");
  std::string keyword = upper(instruction.substr(0, space));
  std::string_view args = space == std::string_view::npos ? "" : trim(instruction.substr(space));
  if (!image_config.contains("config") || !image_config["config"].is_object())
    image_config["config"] = nlohmann::json::object();
  nlohmann::json& config = image_config["config"];
  auto need_args = [&] {
    if (args.empty()) throw UserError(keyword + " requires an argument");
  };

  if (keyword == "CMD") {
    need_args();
    config["Cmd"] = command_value(args);
  } else if (keyword == "ENTRYPOINT") {
    need_args();
    config["Entrypoint"] = command_value(args);
  } else if (keyword == "ENV") {
    auto& env = config["Env"];
    if (!env.is_array()) env = nlohmann::json::array();
    for (auto& [key, value] : key_values(keyword, args)) {
      std::string entry = key + "=" + value;
      auto same = std::find_if(env.begin(), env.end(), [&](const nlohmann::json& e) {
        return e.get<std::string>().rfind(key + "=", 0) == 0;
      });
      if (same != env.end())
        *same = entry;
      else
        env.push_back(entry);
    }
  } else if (keyword == "LABEL") {
    for (auto& [key, value] : key_values(keyword, args)) config["Labels"][key] = value;
  } else if (keyword == "EXPOSE") {
    need_args();
    for (auto port : split_dockerfile_words(args)) {
      if (port.find('/') == std::string::npos) port += "/tcp";
      auto slash = port.find('/');
      std::string number = port.substr(0, slash);
      if (number.empty() || number.find_first_not_of("0123456789-") != std::string::npos)
        throw UserError("EXPOSE: invalid port \"" + port + "\"");
      config["ExposedPorts"][port] = nlohmann::json::object();
    }
  } else if (keyword == "VOLUME") {
    need_args();
    std::vector<std::string> paths;
    if (!parse_json_string_array(args, paths)) paths = split_dockerfile_words(args);
    for (const auto& p : paths) config["Volumes"][p] = nlohmann::json::object();
  } else if (keyword == "USER") {
    need_args();
    config["User"] = std::string(args);
  } else if (keyword == "WORKDIR") {
    need_args();
    std::string dir(args);
    std::string current = config.value("WorkingDir", "");
    if (dir.front() != '/') dir = (current.empty() ? "/" : current + "/") + dir;
    config["WorkingDir"] = dir;
  } else if (keyword == "STOPSIGNAL") {
    need_args();
    config["StopSignal"] = std::string(args);
  } else if (keyword == "ONBUILD") {
    need_args();
    config["OnBuild"].push_back(std::string(args));
  } else {
    throw UserError("unsupported change instruction \"" + std::string(instruction) +
                    "\" (want CMD, ENTRYPOINT, ENV, EXPOSE, LABEL, ONBUILD, USER, VOLUME, "
                    "WORKDIR or STOPSIGNAL)");
  }
}

}  // namespace layerfs
