#include "sandbox/id_map.h"

#include <pwd.h>
#include <spdlog/spdlog.h>
#include <unistd.h>

#include <sstream>
#include <vector>

#include "util/error.h"
#include "util/fs.h"
#include "util/process.h"

namespace layerfs::sandbox {

namespace {

std::optional<SubIdRange> range_from(const std::string& path, const std::string& name,
                                     unsigned long id) {
  auto text = read_file_if_exists(path);
  if (!text) return std::nullopt;
  return find_subid_range(*text, name, id);
}

void write_proc_file(pid_t pid, const std::string& file, const std::string& text) {
  std::string path = "/proc/" + std::to_string(pid) + "/" + file;
  FILE* f = std::fopen(path.c_str(), "w");
  if (f == nullptr) throw_errno("open " + path);
  bool ok = std::fwrite(text.data(), 1, text.size(), f) == text.size();
  ok = (std::fclose(f) == 0) && ok;
  if (!ok) throw_errno("write " + path);
}

std::vector<std::string> helper_command(const std::string& helper, pid_t pid, unsigned long own_id,
                                        const SubIdRange& range) {
  return {helper,
          std::to_string(pid),
          "0",
          std::to_string(own_id),
          "1",
          "1",
          std::to_string(range.start),
          std::to_string(range.count)};
}

}  // namespace

std::optional<SubIdRange> find_subid_range(const std::string& file, const std::string& user_name,
                                           unsigned long user_id) {
  std::istringstream in(file);
  std::string line;
  while (std::getline(in, line)) {
    if (line.empty() || line[0] == '#') continue;
    auto first = line.find(':');
    auto second = line.find(':', first == std::string::npos ? first : first + 1);
    if (first == std::string::npos || second == std::string::npos) continue;
    std::string who = line.substr(0, first);
    if (who != user_name && who != std::to_string(user_id)) continue;
    try {
      SubIdRange range{std::stoul(line.substr(first + 1, second - first - 1)),
                       std::stoul(line.substr(second + 1))};
      if (range.count > 0) return range;
    } catch (const std::exception&) {
      continue;
    }
  }
  return std::nullopt;
}

void write_id_maps(pid_t pid) {
  uid_t uid = ::geteuid();
  gid_t gid = ::getegid();
  std::string name;
  if (struct passwd* pw = ::getpwuid(uid)) name = pw->pw_name;
  auto uids = range_from("/etc/subuid", name, uid);
  auto gids = range_from("/etc/subgid", name, uid);
  if (uids && gids) {
    // The two setuid helpers are independent: run together, they cost one start-up, not two.
    std::vector<std::vector<std::string>> commands = {helper_command("newuidmap", pid, uid, *uids),
                                                      helper_command("newgidmap", pid, gid, *gids)};
    std::vector<int> statuses = run_all_and_wait(commands);
    for (size_t i = 0; i < commands.size(); ++i)
      if (statuses[i] != 0)
        throw UserError(commands[i][0] + " " + std::to_string(pid) + " failed (exit " +
                        std::to_string(statuses[i]) + ")");
    return;
  }
  static bool warned = false;
  if (!warned)
    spdlog::warn(
        "no subuid/subgid range for {}: only root exists in the container (a chown to other "
        "ids is recorded for the layer, not applied)",
        name.empty() ? std::to_string(uid) : name);
  warned = true;
  write_proc_file(pid, "uid_map", "0 " + std::to_string(uid) + " 1\n");
  write_proc_file(pid, "setgroups", "deny\n");
  write_proc_file(pid, "gid_map", "0 " + std::to_string(gid) + " 1\n");
}

}  // namespace layerfs::sandbox
