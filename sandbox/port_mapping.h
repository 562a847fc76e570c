// Published ports (`run -p`, `-P`): docker's spec forms, and how ps/inspect show them.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace layerfs::sandbox {

struct PortMapping {
  std::string host_ip = "0.0.0.0";
  uint16_t host_port = 0;  // 0: any free port, chosen when the container starts
  uint16_t container_port = 0;
  std::string proto = "tcp";  // tcp | udp

  std::string container_key() const;  // "80/tcp", docker's key in ExposedPorts and Ports
  std::string describe() const;       // "0.0.0.0:8080->80/tcp", as `docker ps` shows it
};

// CTR, HOST:CTR, IP:HOST:CTR or IP::CTR, each with an optional /tcp or /udp (so an ExposedPorts
// key such as "80/tcp" is a mapping to any free host port). Throws UserError naming the spec.
PortMapping parse_port_mapping(const std::string& spec);

// A host port nobody listens on now (the kernel's choice) for `proto` on `host_ip`.
uint16_t free_host_port(const std::string& host_ip, const std::string& proto);

}  // namespace layerfs::sandbox
