#include "registry/credentials.h"

#include <nlohmann/json.hpp>

#include "util/base64.h"
#include "util/error.h"
#include "util/fs.h"
#include "util/process.h"

namespace layerfs::registry {

namespace {

std::string home_dir() {
  const char* home = std::getenv("HOME");
  return home && *home ? home : "/";
}

// "https://index.docker.io/v1/" -> "docker.io", "http://h:5000/v2/" -> "h:5000".
std::string normalize_key(std::string key) {
  for (const char* scheme : {"https://", "http://"})
    if (key.rfind(scheme, 0) == 0) key.erase(0, std::string_view(scheme).size());
  if (auto slash = key.find('/'); slash != std::string::npos) key.erase(slash);
  if (key == "index.docker.io" || key == "registry-1.docker.io" || key == "registry.hub.docker.com")
    key = "docker.io";
  return key;
}

nlohmann::json read_json_file(const std::string& file) {
  auto text = read_file_if_exists(file);
  if (!text || text->empty()) return nlohmann::json::object();
  auto doc = nlohmann::json::parse(*text, nullptr, false);
  if (!doc.is_object()) throw UserError(file + ": not a JSON object");
  return doc;
}

std::string docker_config_file() {
  if (const char* dir = std::getenv("DOCKER_CONFIG"); dir && *dir)
    return std::string(dir) + "/config.json";
  return home_dir() + "/.docker/config.json";
}

}  // namespace

std::string layerfs_config_dir() {
  if (const char* xdg = std::getenv("XDG_CONFIG_HOME"); xdg && *xdg)
    return std::string(xdg) + "/layerfs";
  return home_dir() + "/.config/layerfs";
}

std::string auth_file_path() { return layerfs_config_dir() + "/auth.json"; }

std::string auth_key_for(const std::string& registry) {
  return normalize_key(registry) == "docker.io" ? "https://index.docker.io/v1/" : registry;
}

namespace {

// docker's credential helper protocol: `docker-credential-NAME get`, the server on stdin,
// {"ServerURL", "Username", "Secret"} on stdout; a failure means it holds nothing for the server.
std::optional<Credentials> from_helper(const std::string& file, const std::string& helper,
                                       const std::string& registry) {
  std::string program = "docker-credential-" + helper;
  ProgramOutput result = run_with_input({program, "get"}, auth_key_for(registry));
  if (result.status == 127)
    throw UserError(file + ": credential helper " + program + " is not installed");
  if (result.status != 0) return std::nullopt;
  auto answer = nlohmann::json::parse(result.output, nullptr, false);
  if (!answer.is_object() || !answer.contains("Username") || !answer.contains("Secret"))
    throw UserError(program + " answered something other than {Username, Secret}");
  return Credentials{answer.value("Username", ""), answer.value("Secret", "")};
}

}  // namespace

std::optional<Credentials> find_credentials_in(const std::string& file,
                                               const std::string& registry) {
  nlohmann::json doc = read_json_file(file);
  // As docker: a helper for this registry, else the store for all of them, else "auths".
  std::string wanted = normalize_key(registry);
  if (auto helpers = doc.find("credHelpers"); helpers != doc.end() && helpers->is_object())
    for (const auto& [key, helper] : helpers->items())
      if (normalize_key(key) == wanted && helper.is_string())
        return from_helper(file, helper.get<std::string>(), registry);
  if (auto store = doc.find("credsStore");
      store != doc.end() && store->is_string() && !store->get<std::string>().empty())
    if (auto found = from_helper(file, store->get<std::string>(), registry)) return found;
  auto auths = doc.find("auths");
  if (auths == doc.end() || !auths->is_object()) return std::nullopt;
  for (const auto& [key, entry] : auths->items()) {
    if (normalize_key(key) != wanted || !entry.is_object()) continue;
    if (entry.contains("auth") && entry["auth"].is_string()) {
      std::string plain = base64_decode(entry["auth"].get<std::string>());
      auto colon = plain.find(':');
      if (colon == std::string::npos)
        throw UserError(file + ": the auth entry for " + key + " is not base64(user:password)");
      return Credentials{plain.substr(0, colon), plain.substr(colon + 1)};
    }
    if (entry.contains("username") && entry.contains("password"))
      return Credentials{entry.value("username", ""), entry.value("password", "")};
  }
  return std::nullopt;
}

std::optional<Credentials> find_credentials(const std::string& registry) {
  if (auto found = find_credentials_in(auth_file_path(), registry)) return found;
  return find_credentials_in(docker_config_file(), registry);
}

void store_credentials(const std::string& file, const std::string& registry,
                       const Credentials& credentials) {
  nlohmann::json doc = read_json_file(file);
  if (!doc.contains("auths") || !doc["auths"].is_object()) doc["auths"] = nlohmann::json::object();
  // Drop other spellings of the same registry so that one entry remains.
  std::string wanted = normalize_key(registry);
  for (auto it = doc["auths"].begin(); it != doc["auths"].end();)
    it = normalize_key(it.key()) == wanted ? doc["auths"].erase(it) : std::next(it);
  doc["auths"][auth_key_for(registry)] = {
      {"auth", base64_encode(credentials.username + ":" + credentials.password)}};
  make_dirs(dirname_of(file), 0700);
  write_file_atomic(file, doc.dump(1, '\t') + "\n", 0600);
}

bool remove_credentials(const std::string& file, const std::string& registry) {
  nlohmann::json doc = read_json_file(file);
  if (!doc.contains("auths") || !doc["auths"].is_object()) return false;
  std::string wanted = normalize_key(registry);
  bool removed = false;
  for (auto it = doc["auths"].begin(); it != doc["auths"].end();) {
    if (normalize_key(it.key()) == wanted) {
      it = doc["auths"].erase(it);
      removed = true;
    } else {
      ++it;
    }
  }
  if (removed) write_file_atomic(file, doc.dump(1, '\t') + "\n", 0600);
  return removed;
}

}  // namespace layerfs::registry
