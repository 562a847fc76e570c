// WWW-Authenticate challenges (RFC 7235): `Bearer realm="...",service="...",scope="..."` or
// `Basic realm="..."`. The registry's answer to a request it will not serve anonymously.
#pragma once

#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace layerfs::registry {

struct AuthChallenge {
  std::string scheme;                         // lower case: "bearer", "basic"
  std::map<std::string, std::string> params;  // names lower case: realm, service, scope, error

  std::string param(const std::string& name) const {
    auto it = params.find(name);
    return it == params.end() ? std::string() : it->second;
  }
};

// Parses every challenge in one header value (several may be listed, comma separated).
std::vector<AuthChallenge> parse_auth_challenges(std::string_view header);

// The first Bearer challenge among header values, else the first Basic one.
std::optional<AuthChallenge> preferred_challenge(const std::vector<std::string>& header_values);

}  // namespace layerfs::registry
