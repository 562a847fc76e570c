#include "registry/registry_config.h"

#include <arpa/inet.h>

#include <nlohmann/json.hpp>

#include "registry/credentials.h"
#include "util/error.h"
#include "util/fs.h"

namespace layerfs::registry {

namespace {

std::vector<std::string> string_list(const nlohmann::json& doc, const char* key,
                                     const std::string& where) {
  std::vector<std::string> out;
  auto it = doc.find(key);
  if (it == doc.end()) return out;
  if (!it->is_array()) throw UserError(where + ": \"" + key + "\" must be a list of strings");
  for (const auto& v : *it) {
    if (!v.is_string()) throw UserError(where + ": \"" + key + "\" must be a list of strings");
    out.push_back(v.get<std::string>());
  }
  return out;
}

std::string host_only(const std::string& host) {
  if (!host.empty() && host.front() == '[') return host.substr(1, host.find(']') - 1);
  auto colon = host.rfind(':');
  return colon == std::string::npos ? host : host.substr(0, colon);
}

bool in_cidr(const std::string& host, const std::string& cidr) {
  auto slash = cidr.find('/');
  in_addr addr{}, net{};
  if (inet_pton(AF_INET, host_only(host).c_str(), &addr) != 1 ||
      inet_pton(AF_INET, cidr.substr(0, slash).c_str(), &net) != 1)
    return false;
  int bits = std::stoi(cidr.substr(slash + 1));
  if (bits < 0 || bits > 32) return false;
  uint32_t mask = bits == 0 ? 0 : ~uint32_t(0) << (32 - bits);
  return (ntohl(addr.s_addr) & mask) == (ntohl(net.s_addr) & mask);
}

// "https://h:5000/path/" -> "h:5000"
std::string url_host(const std::string& url) {
  auto start = url.find("://");
  start = start == std::string::npos ? 0 : start + 3;
  auto end = url.find('/', start);
  return url.substr(start, end == std::string::npos ? std::string::npos : end - start);
}

}  // namespace

RegistryConfig RegistryConfig::parse(const std::string& json_text, const std::string& where) {
  RegistryConfig config;
  auto doc = nlohmann::json::parse(json_text, nullptr, false);
  if (!doc.is_object()) throw UserError(where + ": not a JSON object");
  config.mirrors = string_list(doc, "registry-mirrors", where);
  config.insecure = string_list(doc, "insecure-registries", where);
  for (auto& m : config.mirrors) {
    while (!m.empty() && m.back() == '/') m.pop_back();
    if (m.find("://") == std::string::npos) m = "https://" + m;
  }
  return config;
}

RegistryConfig RegistryConfig::load() {
  std::string dir = layerfs_config_dir();
  std::string file = dir + "/config.json";
  auto text = read_file_if_exists(file);
  RegistryConfig config = text ? parse(*text, file) : RegistryConfig{};
  config.certs_dirs = {dir + "/certs.d", "/etc/layerfs/certs.d"};
  return config;
}

bool RegistryConfig::is_insecure(const std::string& host) const {
  for (const auto& entry : insecure) {
    std::string e = url_host(entry);
    if (e == host) return true;
    if (e.find('/') == std::string::npos && entry.find('/') != std::string::npos &&
        entry.find("://") == std::string::npos && in_cidr(host, entry))
      return true;
  }
  return false;
}

TlsSettings RegistryConfig::tls_for(const std::string& host) const {
  TlsSettings tls;
  for (const auto& dir : certs_dirs) {
    std::string d = dir + "/" + host;
    if (!is_directory(d)) continue;
    if (path_exists(d + "/ca.crt")) tls.ca_file = d + "/ca.crt";
    if (path_exists(d + "/client.cert") && path_exists(d + "/client.key")) {
      tls.client_cert = d + "/client.cert";
      tls.client_key = d + "/client.key";
    }
    if (!tls.ca_file.empty() || !tls.client_cert.empty()) break;
  }
  return tls;
}

std::vector<Endpoint> endpoints_for(const RegistryConfig& config, const std::string& registry,
                                    bool pulling) {
  std::vector<Endpoint> out;
  if (pulling && registry == "docker.io") {
    for (const auto& mirror : config.mirrors) {
      std::string host = url_host(mirror);
      Endpoint e{registry, mirror, config.tls_for(host), config.is_insecure(host), true};
      e.tls.verify = !e.insecure;
      out.push_back(std::move(e));
    }
  }
  std::string api_host = registry == "docker.io" ? "registry-1.docker.io" : registry;
  Endpoint e{registry, "https://" + api_host, config.tls_for(registry),
             config.is_insecure(registry), false};
  e.tls.verify = !e.insecure;
  out.push_back(std::move(e));
  return out;
}

}  // namespace layerfs::registry
