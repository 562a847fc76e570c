#include "layers/config_change.h"

#include <gtest/gtest.h>

#include "util/error.h"

namespace layerfs {
namespace {

TEST(ConfigChange, CommandForms) {
  nlohmann::json config = nlohmann::json::object();
  apply_config_change(config, R"(CMD ["sh", "-c", "echo hi"])");
  EXPECT_EQ(config["config"]["Cmd"], nlohmann::json({"sh", "-c", "echo hi"}));
  apply_config_change(config, "ENTRYPOINT echo hello world");
  EXPECT_EQ(config["config"]["Entrypoint"], nlohmann::json({"/bin/sh", "-c", "echo hello world"}));
}

TEST(ConfigChange, EnvReplacesAndAppends) {
  nlohmann::json config = nlohmann::json::object();
  apply_config_change(config, "ENV A=1 B=\"two words\"");
  apply_config_change(config, "env A=3");
  apply_config_change(config, "ENV C legacy form");
  EXPECT_EQ(config["config"]["Env"], nlohmann::json({"A=3", "B=two words", "C=legacy form"}));
}

TEST(ConfigChange, PortsVolumesLabelsAndScalars) {
  nlohmann::json config = nlohmann::json::object();
  apply_config_change(config, "EXPOSE 80 53/udp");
  apply_config_change(config, R"(VOLUME ["/data", "/logs"])");
  apply_config_change(config, "LABEL a=b \"c d\"=e");
  apply_config_change(config, "USER www-data");
  apply_config_change(config, "WORKDIR /srv");
  apply_config_change(config, "WORKDIR app");
  apply_config_change(config, "STOPSIGNAL SIGQUIT");
  const auto& c = config["config"];
  EXPECT_TRUE(c["ExposedPorts"].contains("80/tcp"));
  EXPECT_TRUE(c["ExposedPorts"].contains("53/udp"));
  EXPECT_TRUE(c["Volumes"].contains("/logs"));
  EXPECT_EQ(c["Labels"]["c d"], "e");
  EXPECT_EQ(c["User"], "www-data");
  EXPECT_EQ(c["WorkingDir"], "/srv/app");
  EXPECT_EQ(c["StopSignal"], "SIGQUIT");
}

TEST(ConfigChange, RejectsUnknownAndMalformed) {
  nlohmann::json config = nlohmann::json::object();
  EXPECT_THROW(apply_config_change(config, "RUN echo"), UserError);
  EXPECT_THROW(apply_config_change(config, "EXPOSE http"), UserError);
  EXPECT_THROW(apply_config_change(config, "ENV"), UserError);
  EXPECT_THROW(apply_config_change(config, "LABEL \"unterminated"), UserError);
}

}  // namespace
}  // namespace layerfs
