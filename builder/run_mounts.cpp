#include "builder/run_mounts.h"

#include <sstream>

#include "util/error.h"

namespace layerfs::builder {

namespace {

RunMount parse_one(const std::string& spec) {
  RunMount mount;
  bool cache_read_only = false, rw = false;
  std::string type = "bind";
  std::istringstream fields(spec);
  auto invalid = [&](const std::string& why) {
    return UserError("invalid --mount=" + spec + ": " + why);
  };
  std::vector<std::pair<std::string, std::string>> pairs;
  for (std::string field; std::getline(fields, field, ',');) {
    auto eq = field.find('=');
    std::string key = field.substr(0, eq);
    std::string value = eq == std::string::npos ? "" : field.substr(eq + 1);
    if (key == "type") type = value;
    pairs.emplace_back(key, value);
  }
  if (type == "bind") {
    mount.type = RunMount::Type::Bind;
  } else if (type == "cache") {
    mount.type = RunMount::Type::Cache;
  } else if (type == "tmpfs") {
    mount.type = RunMount::Type::Tmpfs;
  } else {
    throw invalid("type=" + type + " is not supported (bind, cache, tmpfs)");
  }
  for (const auto& [key, value] : pairs) {
    if (key == "type") continue;
    if (key == "target" || key == "dst" || key == "destination") {
      mount.target = value;
    } else if ((key == "source" || key == "src") && mount.type != RunMount::Type::Tmpfs) {
      mount.source = value;
    } else if (key == "from") {
      throw invalid("from= (a stage or image as the source) is not supported");
    } else if (key == "id" && mount.type == RunMount::Type::Cache) {
      mount.id = value;
    } else if ((key == "readonly" || key == "ro") && value != "false") {
      cache_read_only = true;
    } else if ((key == "rw" || key == "readwrite") && value != "false") {
      rw = true;
    } else if (key == "mode" && mount.type == RunMount::Type::Cache) {
      try {
        mount.mode = static_cast<mode_t>(std::stoul(value, nullptr, 8) & 07777);
      } catch (const std::exception&) {
        throw invalid("mode must be octal");
      }
    } else if ((key == "sharing" || key == "uid" || key == "gid") &&
               mount.type == RunMount::Type::Cache) {
      // One build at a time uses a cache here (the store lock), so every sharing mode is met;
      // the cache directory is the build user's, root in the container.
    } else if (key == "size" && mount.type == RunMount::Type::Tmpfs) {
      mount.size = value;
    } else {
      throw invalid("unknown key " + key);
    }
  }
  if (mount.target.empty() || mount.target[0] != '/')
    throw invalid("target must be an absolute path");
  mount.read_only = mount.type == RunMount::Type::Bind ? !rw : cache_read_only;
  if (mount.type == RunMount::Type::Cache && mount.id.empty()) mount.id = mount.target;
  return mount;
}

}  // namespace

std::vector<RunMount> parse_run_mounts(const Instruction& instruction) {
  std::vector<RunMount> mounts;
  for (const auto& flag : instruction.flags)
    if (flag.rfind("--mount=", 0) == 0) mounts.push_back(parse_one(flag.substr(8)));
  return mounts;
}

}  // namespace layerfs::builder
