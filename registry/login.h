// `layerfs login` / `logout`: credentials checked against the registry's /v2/, then kept in
// auth.json.
#pragma once

#include <string>

#include "registry/credentials.h"
#include "registry/registry_config.h"

namespace layerfs::registry {

// "https://host:5000/v2/" -> "host:5000"; "" and Docker Hub's spellings -> "docker.io".
std::string normalize_registry_name(const std::string& text);

// Throws UserError ("login to HOST failed: unauthorized: ...") when the registry refuses.
void verify_credentials(const RegistryConfig& config, const std::string& registry,
                        const Credentials& credentials);

}  // namespace layerfs::registry
