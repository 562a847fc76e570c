#include "fuse/chown_request.h"

#include <charconv>
#include <cstdio>

namespace layerfs::fuse {

namespace {

// "-1" or a decimal id below 2^32-1.
bool parse_id(std::string_view text, unsigned& id) {
  if (text == "-1") {
    id = static_cast<unsigned>(-1);
    return true;
  }
  auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), id);
  return ec == std::errc() && end == text.data() + text.size() && !text.empty() &&
         id != static_cast<unsigned>(-1);
}

std::string id_text(unsigned id) {
  return id == static_cast<unsigned>(-1) ? "-1" : std::to_string(id);
}

bool canonical_path(std::string_view path) {
  if (path.empty() || path[0] != '/') return false;
  if (path == "/") return true;
  if (path.back() == '/') return false;
  size_t start = 1;
  while (start <= path.size()) {
    size_t end = path.find('/', start);
    if (end == std::string_view::npos) end = path.size();
    auto part = path.substr(start, end - start);
    if (part.empty() || part == "." || part == "..") return false;
    start = end + 1;
  }
  return true;
}

}  // namespace

std::string format_chown_request(const ChownRequest& request) {
  char mode[16] = "-1";
  if (request.mode >= 0) std::snprintf(mode, sizeof mode, "%o", unsigned(request.mode));
  return id_text(request.uid) + ":" + id_text(request.gid) + ":" + mode + ":" + request.path;
}

std::optional<ChownRequest> parse_chown_request(std::string_view value) {
  auto first = value.find(':');
  if (first == std::string_view::npos) return std::nullopt;
  auto second = value.find(':', first + 1);
  if (second == std::string_view::npos) return std::nullopt;
  auto third = value.find(':', second + 1);
  if (third == std::string_view::npos) return std::nullopt;
  ChownRequest request;
  request.path = std::string(value.substr(third + 1));
  auto mode = value.substr(second + 1, third - second - 1);
  if (mode != "-1") {
    unsigned bits = 0;
    auto [end, ec] = std::from_chars(mode.data(), mode.data() + mode.size(), bits, 8);
    if (ec != std::errc() || end != mode.data() + mode.size() || mode.empty() || bits > 07777)
      return std::nullopt;
    request.mode = int(bits);
  }
  if (!parse_id(value.substr(0, first), request.uid) ||
      !parse_id(value.substr(first + 1, second - first - 1), request.gid) ||
      !canonical_path(request.path))
    return std::nullopt;
  return request;
}

}  // namespace layerfs::fuse
