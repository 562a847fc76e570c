// Where and how to reach a registry: $XDG_CONFIG_HOME/layerfs/config.json with docker's
// daemon.json keys "registry-mirrors" (tried first for docker.io) and "insecure-registries"
// (plain HTTP or unverified TLS, only for the hosts listed), and certs.d/<host:port>/ca.crt
// (under the config dir and /etc/layerfs) as docker's certs.d.
#pragma once

#include <string>
#include <vector>

#include "registry/http.h"

namespace layerfs::registry {

struct RegistryConfig {
  std::vector<std::string> mirrors;   // URLs, e.g. "https://mirror.example:5000"
  std::vector<std::string> insecure;  // "host[:port]" or an IPv4 CIDR such as "10.0.0.0/8"
  std::vector<std::string> certs_dirs;

  // Reads layerfs_config_dir()/config.json (missing file: defaults).
  static RegistryConfig load();
  static RegistryConfig parse(const std::string& json_text, const std::string& where);

  bool is_insecure(const std::string& host) const;
  // CA and client certificate files from certs.d/<host>/ (the first directory that has one).
  TlsSettings tls_for(const std::string& host) const;
};

// One way to reach a registry's API.
struct Endpoint {
  std::string registry;  // the name in references: "docker.io", "127.0.0.1:5000"
  std::string base_url;  // "https://registry-1.docker.io"
  TlsSettings tls;
  bool insecure = false;  // may fall back to plain HTTP
  bool mirror = false;
};

// The endpoints to try, in order: mirrors first when pulling from docker.io.
std::vector<Endpoint> endpoints_for(const RegistryConfig& config, const std::string& registry,
                                    bool pulling);

}  // namespace layerfs::registry
