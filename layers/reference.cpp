#include "layers/reference.h"

#include <cctype>

#include "util/error.h"
#include "util/sha256.h"

namespace layerfs {

namespace {

constexpr std::string_view kDefaultDomain = "docker.io";
constexpr std::string_view kOfficialPrefix = "library/";

bool is_lower_alnum(char c) { return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9'); }

// A path component: [a-z0-9]+((\.|_|__|-+)[a-z0-9]+)*
bool valid_path_component(std::string_view c) {
  if (c.empty() || !is_lower_alnum(c.front()) || !is_lower_alnum(c.back())) return false;
  size_t i = 0;
  while (i < c.size()) {
    if (is_lower_alnum(c[i])) {
      ++i;
      continue;
    }
    size_t start = i;
    while (i < c.size() && !is_lower_alnum(c[i])) ++i;
    std::string_view sep = c.substr(start, i - start);
    bool dashes = sep.find_first_not_of('-') == std::string_view::npos;
    if (!(sep == "." || sep == "_" || sep == "__" || dashes)) return false;
  }
  return true;
}

// A domain: host components [a-zA-Z0-9]([a-zA-Z0-9-]*[a-zA-Z0-9])? joined by dots, optional :port,
// or a bracketed IPv6 address.
bool valid_domain(std::string_view d) {
  std::string_view host = d;
  if (auto colon = d.rfind(':'); colon != std::string_view::npos && d.front() != '[') {
    std::string_view port = d.substr(colon + 1);
    if (port.empty() || port.find_first_not_of("0123456789") != std::string_view::npos)
      return false;
    host = d.substr(0, colon);
  }
  if (host.empty()) return false;
  if (host.front() == '[') return host.back() == ']' || d.find("]:") != std::string_view::npos;
  size_t start = 0;
  while (start <= host.size()) {
    size_t dot = host.find('.', start);
    std::string_view label = host.substr(start, dot == std::string_view::npos ? dot : dot - start);
    if (label.empty() || !std::isalnum(static_cast<unsigned char>(label.front())) ||
        !std::isalnum(static_cast<unsigned char>(label.back())))
      return false;
    for (char c : label)
      if (!std::isalnum(static_cast<unsigned char>(c)) && c != '-') return false;
    if (dot == std::string_view::npos) break;
    start = dot + 1;
  }
  return true;
}

// A tag: [\w][\w.-]{0,127}
bool valid_tag(std::string_view t) {
  if (t.empty() || t.size() > 128) return false;
  auto word = [](char c) { return std::isalnum(static_cast<unsigned char>(c)) || c == '_'; };
  if (!word(t.front())) return false;
  for (char c : t)
    if (!word(c) && c != '.' && c != '-') return false;
  return true;
}

[[noreturn]] void invalid(std::string_view text, const std::string& why) {
  throw UserError("invalid reference format \"" + std::string(text) + "\": " + why);
}

}  // namespace

Reference parse_reference(std::string_view text, bool default_tag) {
  if (text.empty()) invalid(text, "empty reference");
  Reference ref;
  std::string_view rest = text;
  if (auto at = rest.find('@'); at != std::string_view::npos) {
    std::string_view digest = rest.substr(at + 1);
    if (digest.substr(0, 7) != "sha256:" || !is_hex64(digest.substr(7)))
      invalid(text, "digest must be sha256:<64 hex digits>");
    ref.digest = std::string(digest);
    rest = rest.substr(0, at);
  }
  // The tag follows the last ':' that comes after the last '/'.
  auto slash = rest.rfind('/');
  auto colon = rest.rfind(':');
  if (colon != std::string_view::npos && (slash == std::string_view::npos || colon > slash)) {
    std::string_view tag = rest.substr(colon + 1);
    if (!valid_tag(tag)) invalid(text, "bad tag \"" + std::string(tag) + "\"");
    ref.tag = std::string(tag);
    rest = rest.substr(0, colon);
  }
  if (rest.empty()) invalid(text, "missing repository name");
  std::string_view path = rest;
  auto first_slash = rest.find('/');
  if (first_slash != std::string_view::npos) {
    std::string_view first = rest.substr(0, first_slash);
    bool is_domain = first.find_first_of(".:") != std::string_view::npos || first == "localhost" ||
                     first.find_first_of("ABCDEFGHIJKLMNOPQRSTUVWXYZ") != std::string_view::npos;
    if (is_domain) {
      if (!valid_domain(first)) invalid(text, "bad registry \"" + std::string(first) + "\"");
      ref.domain = std::string(first);
      path = rest.substr(first_slash + 1);
    }
  }
  if (ref.domain.empty()) ref.domain = kDefaultDomain;
  size_t start = 0;
  while (true) {
    size_t next = path.find('/', start);
    std::string_view component =
        path.substr(start, next == std::string_view::npos ? next : next - start);
    if (!valid_path_component(component)) {
      bool upper = component.find_first_of("ABCDEFGHIJKLMNOPQRSTUVWXYZ") != std::string_view::npos;
      invalid(text, upper ? "repository name must be lowercase"
                          : "bad name component \"" + std::string(component) + "\"");
    }
    if (next == std::string_view::npos) break;
    start = next + 1;
  }
  ref.path = std::string(path);
  if (ref.domain == kDefaultDomain && ref.path.find('/') == std::string::npos)
    ref.path = std::string(kOfficialPrefix) + ref.path;
  if (ref.repository().size() > 255) invalid(text, "repository name longer than 255 characters");
  if (ref.tag.empty() && ref.digest.empty() && default_tag) ref.tag = "latest";
  return ref;
}

std::string Reference::familiar_repository() const {
  if (domain != kDefaultDomain) return repository();
  if (path.substr(0, kOfficialPrefix.size()) == kOfficialPrefix &&
      path.find('/', kOfficialPrefix.size()) == std::string::npos)
    return path.substr(kOfficialPrefix.size());
  return path;
}

std::string Reference::canonical() const {
  std::string out = repository();
  if (!tag.empty()) out += ":" + tag;
  if (!digest.empty()) out += "@" + digest;
  return out;
}

std::string Reference::familiar() const {
  std::string out = familiar_repository();
  if (!tag.empty()) out += ":" + tag;
  if (!digest.empty()) out += "@" + digest;
  return out;
}

bool looks_like_id_prefix(std::string_view text) {
  if (text.substr(0, 7) == "sha256:") text = text.substr(7);
  if (text.empty() || text.size() > 64) return false;
  for (char c : text)
    if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'))) return false;
  return true;
}

}  // namespace layerfs
