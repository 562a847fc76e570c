#include "registry/login.h"

#include "registry/client.h"
#include "util/error.h"

namespace layerfs::registry {

std::string normalize_registry_name(const std::string& text) {
  std::string name = text;
  for (const char* scheme : {"https://", "http://"})
    if (name.rfind(scheme, 0) == 0) name.erase(0, std::string_view(scheme).size());
  if (auto slash = name.find('/'); slash != std::string::npos) name.erase(slash);
  if (name.empty() || name == "index.docker.io" || name == "registry-1.docker.io" ||
      name == "registry.hub.docker.com")
    name = "docker.io";
  return name;
}

void verify_credentials(const RegistryConfig& config, const std::string& registry,
                        const Credentials& credentials) {
  RegistryClient client(endpoints_for(config, registry, false).back(), credentials);
  long status = client.ping();
  if (status == 401 || status == 403)
    throw UserError("login to " + registry +
                    " failed: unauthorized: incorrect username or password");
  if (status != 200)
    throw UserError("login to " + registry + " failed: /v2/ answered HTTP " +
                    std::to_string(status));
}

}  // namespace layerfs::registry
