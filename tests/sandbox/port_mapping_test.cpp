#include "sandbox/port_mapping.h"

#include <gtest/gtest.h>

#include "util/error.h"

namespace layerfs::sandbox {
namespace {

TEST(PortMapping, DockersForms) {
  auto only_container = parse_port_mapping("80");
  EXPECT_EQ(only_container.host_ip, "0.0.0.0");
  EXPECT_EQ(only_container.host_port, 0);
  EXPECT_EQ(only_container.container_port, 80);
  EXPECT_EQ(only_container.proto, "tcp");

  auto both = parse_port_mapping("8080:80");
  EXPECT_EQ(both.host_port, 8080);
  EXPECT_EQ(both.describe(), "0.0.0.0:8080->80/tcp");

  auto with_ip = parse_port_mapping("127.0.0.1:5353:53/udp");
  EXPECT_EQ(with_ip.host_ip, "127.0.0.1");
  EXPECT_EQ(with_ip.container_key(), "53/udp");
  EXPECT_EQ(with_ip.describe(), "127.0.0.1:5353->53/udp");

  auto any_port = parse_port_mapping("127.0.0.1::80");
  EXPECT_EQ(any_port.host_ip, "127.0.0.1");
  EXPECT_EQ(any_port.host_port, 0);
}

TEST(PortMapping, BadSpecsNameThemselves) {
  for (const char* bad : {"", "http", "80:http", "0", "70000", "8080:80/sctp", "1.2.3:80:80",
                          "8000-8010:80", "-1:80"}) {
    try {
      parse_port_mapping(bad);
      ADD_FAILURE() << bad;
    } catch (const UserError& e) {
      EXPECT_NE(std::string(e.what()).find(std::string("\"") + bad + "\""), std::string::npos)
          << e.what();
    }
  }
}

TEST(PortMapping, FreeHostPortIsBindable) {
  EXPECT_GT(free_host_port("127.0.0.1", "tcp"), 0);
  EXPECT_GT(free_host_port("0.0.0.0", "udp"), 0);
}

}  // namespace
}  // namespace layerfs::sandbox
