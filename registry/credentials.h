// Registry credentials: $XDG_CONFIG_HOME/layerfs/auth.json (mode 0600) in the shape of docker's
// config.json, {"auths": {"<registry>": {"auth": base64("user:password")}}}; docker's own
// ~/.docker/config.json (or $DOCKER_CONFIG/config.json) is read when ours has no entry. In either,
// "credHelpers" (per registry) and "credsStore" (all) name docker-credential-* programs, which
// are asked first, as docker does.
#pragma once

#include <optional>
#include <string>

namespace layerfs::registry {

struct Credentials {
  std::string username;
  std::string password;
};

// $XDG_CONFIG_HOME/layerfs (~/.config/layerfs): auth.json, config.json and certs.d live here.
std::string layerfs_config_dir();
std::string auth_file_path();

// The key docker writes for a registry: "https://index.docker.io/v1/" for Docker Hub, else
// "host[:port]".
std::string auth_key_for(const std::string& registry);

// Looks in auth_file (our file), then in docker's config.json.
std::optional<Credentials> find_credentials(const std::string& registry);
std::optional<Credentials> find_credentials_in(const std::string& file,
                                               const std::string& registry);

// Stores or replaces the entry atomically with mode 0600.
void store_credentials(const std::string& file, const std::string& registry,
                       const Credentials& credentials);
// Returns false when the file held no entry for the registry.
bool remove_credentials(const std::string& file, const std::string& registry);

}  // namespace layerfs::registry
