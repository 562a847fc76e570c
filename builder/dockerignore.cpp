#include "builder/dockerignore.h"

#include <fnmatch.h>

#include "builder/image_view.h"
#include "util/fs.h"

namespace layerfs::builder {

namespace {

std::vector<std::string> split_path(const std::string& path) {
  std::vector<std::string> parts;
  size_t i = 0;
  while (i <= path.size()) {
    size_t j = path.find('/', i);
    if (j == std::string::npos) j = path.size();
    if (j > i) parts.push_back(path.substr(i, j - i));
    i = j + 1;
  }
  return parts;
}

// Whether pattern parts [p..] match path parts [s..end) exactly.
bool match_parts(const std::vector<std::string>& pattern, size_t p,
                 const std::vector<std::string>& path, size_t s, size_t end) {
  if (p == pattern.size()) return s == end;
  if (pattern[p] == "**") {
    for (size_t k = s; k <= end; ++k)
      if (match_parts(pattern, p + 1, path, k, end)) return true;
    return false;
  }
  return s < end && ::fnmatch(pattern[p].c_str(), path[s].c_str(), 0) == 0 &&
         match_parts(pattern, p + 1, path, s + 1, end);
}

std::string_view trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t' || s.front() == '\r'))
    s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t' || s.back() == '\r'))
    s.remove_suffix(1);
  return s;
}

}  // namespace

IgnoreRules::IgnoreRules(std::string_view text) {
  size_t pos = 0;
  while (pos < text.size()) {
    size_t end = text.find('\n', pos);
    if (end == std::string_view::npos) end = text.size();
    std::string_view line = text.substr(pos, end - pos);
    pos = end + 1;
    if (!line.empty() && line[0] == '#') continue;
    line = trim(line);
    if (line.empty()) continue;
    bool negate = line[0] == '!';
    if (negate) line = trim(line.substr(1));
    std::string cleaned = clean_image_path("/" + std::string(line));
    if (cleaned == "/") continue;
    rules_.push_back({split_path(cleaned), negate});
    has_exceptions_ = has_exceptions_ || negate;
  }
}

IgnoreRules IgnoreRules::load(const std::string& context_dir) {
  auto text = read_file_if_exists(context_dir + "/.dockerignore");
  return text ? IgnoreRules(*text) : IgnoreRules();
}

bool IgnoreRules::excluded(const std::string& path) const {
  auto parts = split_path(path);
  bool result = false;
  for (const auto& rule : rules_) {
    // A rule matches the path itself or one of its parent directories.
    bool matched = false;
    for (size_t end = parts.size(); end >= 1 && !matched; --end)
      matched = match_parts(rule.parts, 0, parts, 0, end);
    if (matched) result = !rule.negate;
  }
  return result;
}

}  // namespace layerfs::builder
