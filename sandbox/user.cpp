#include "sandbox/user.h"

#include <charconv>
#include <optional>
#include <sstream>

#include "sandbox/sandbox.h"

namespace layerfs::sandbox {

namespace {

std::vector<std::string> split(const std::string& text, char separator) {
  std::vector<std::string> parts;
  std::string part;
  std::istringstream in(text);
  while (std::getline(in, part, separator)) parts.push_back(part);
  if (!text.empty() && text.back() == separator) parts.emplace_back();
  return parts;
}

std::optional<unsigned> parse_id(const std::string& text) {
  unsigned value = 0;
  auto [end, err] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (text.empty() || err != std::errc() || end != text.data() + text.size()) return std::nullopt;
  return value;
}

// The lines of a passwd/group file split into fields, skipping comments and short lines.
std::vector<std::vector<std::string>> entries(const std::string& file, size_t min_fields) {
  std::vector<std::vector<std::string>> result;
  std::istringstream in(file);
  std::string line;
  while (std::getline(in, line)) {
    if (line.empty() || line[0] == '#') continue;
    auto fields = split(line, ':');
    if (fields.size() >= min_fields) result.push_back(std::move(fields));
  }
  return result;
}

}  // namespace

ResolvedUser resolve_user(const std::string& spec, const std::string& passwd,
                          const std::string& group) {
  ResolvedUser user;
  if (spec.empty()) return resolve_user("0", passwd, group);
  std::string name = spec, group_name;
  if (auto colon = spec.find(':'); colon != std::string::npos) {
    name = spec.substr(0, colon);
    group_name = spec.substr(colon + 1);
  }
  std::string user_name;
  bool found = false;
  auto uid = parse_id(name);
  for (const auto& fields : entries(passwd, 7)) {
    if (uid ? parse_id(fields[2]) != uid : fields[0] != name) continue;
    auto pw_uid = parse_id(fields[2]);
    auto pw_gid = parse_id(fields[3]);
    if (!pw_uid || !pw_gid) continue;
    user.uid = *pw_uid;
    user.gid = *pw_gid;
    user.home = fields[5].empty() ? "/" : fields[5];
    user_name = fields[0];
    found = true;
    break;
  }
  if (!found) {
    if (!uid)
      throw StartError("unable to find user " + name + ": no matching entries in passwd file", 126);
    user.uid = *uid;  // a numeric uid need not exist in passwd (docker: gid 0, home /)
  }
  auto group_entries = entries(group, 3);
  if (!group_name.empty()) {
    auto gid = parse_id(group_name);
    bool group_found = gid.has_value();
    for (const auto& fields : group_entries) {
      if (!gid && fields[0] == group_name) {
        if (auto g = parse_id(fields[2])) gid = *g, group_found = true;
        break;
      }
    }
    if (!group_found)
      throw StartError("unable to find group " + group_name + ": no matching entries in group file",
                       126);
    user.gid = *gid;
  }
  user.groups.push_back(user.gid);
  if (!user_name.empty()) {
    for (const auto& fields : group_entries) {
      if (fields.size() < 4) continue;
      for (const auto& member : split(fields[3], ',')) {
        auto g = parse_id(fields[2]);
        if (member == user_name && g && *g != user.gid) user.groups.push_back(*g);
      }
    }
  }
  return user;
}

}  // namespace layerfs::sandbox
