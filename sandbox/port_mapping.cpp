#include "sandbox/port_mapping.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>

#include <charconv>

#include "util/error.h"
#include "util/unique_fd.h"

namespace layerfs::sandbox {

namespace {

bool parse_port(const std::string& text, uint16_t& port, bool zero_allowed) {
  unsigned value = 0;
  auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (ec != std::errc() || end != text.data() + text.size() || text.empty() || value > 65535)
    return false;
  if (value == 0 && !zero_allowed) return false;
  port = static_cast<uint16_t>(value);
  return true;
}

}  // namespace

std::string PortMapping::container_key() const {
  return std::to_string(container_port) + "/" + proto;
}

std::string PortMapping::describe() const {
  return host_ip + ":" + std::to_string(host_port) + "->" + container_key();
}

PortMapping parse_port_mapping(const std::string& spec) {
  auto invalid = [&](const std::string& why) {
    return UserError("invalid port mapping \"" + spec + "\": " + why);
  };
  PortMapping mapping;
  std::string rest = spec;
  if (auto slash = rest.rfind('/'); slash != std::string::npos) {
    mapping.proto = rest.substr(slash + 1);
    rest.resize(slash);
    if (mapping.proto != "tcp" && mapping.proto != "udp")
      throw invalid("protocol must be tcp or udp");
  }
  auto last = rest.rfind(':');
  std::string container = last == std::string::npos ? rest : rest.substr(last + 1);
  if (container.find('-') != std::string::npos) throw invalid("port ranges are not supported");
  if (!parse_port(container, mapping.container_port, false))
    throw invalid("invalid container port \"" + container + "\"");
  if (last == std::string::npos) return mapping;
  std::string host = rest.substr(0, last);
  auto ip_end = host.rfind(':');
  if (ip_end != std::string::npos) {
    mapping.host_ip = host.substr(0, ip_end);
    host = host.substr(ip_end + 1);
    in_addr address;
    if (::inet_pton(AF_INET, mapping.host_ip.c_str(), &address) != 1)
      throw invalid("invalid IPv4 address \"" + mapping.host_ip + "\"");
  }
  if (!host.empty() && !parse_port(host, mapping.host_port, false))
    throw invalid("invalid host port \"" + host + "\"");
  return mapping;
}

uint16_t free_host_port(const std::string& host_ip, const std::string& proto) {
  UniqueFd sock(::socket(AF_INET, (proto == "udp" ? SOCK_DGRAM : SOCK_STREAM) | SOCK_CLOEXEC, 0));
  if (!sock) throw_errno("socket");
  sockaddr_in address{};
  address.sin_family = AF_INET;
  if (::inet_pton(AF_INET, host_ip.c_str(), &address.sin_addr) != 1)
    address.sin_addr.s_addr = htonl(INADDR_ANY);
  if (::bind(sock.get(), reinterpret_cast<sockaddr*>(&address), sizeof address) != 0)
    throw_errno("find a free port");
  socklen_t length = sizeof address;
  if (::getsockname(sock.get(), reinterpret_cast<sockaddr*>(&address), &length) != 0)
    throw_errno("getsockname");
  return ntohs(address.sin_port);
}

}  // namespace layerfs::sandbox
