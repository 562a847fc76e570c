#include "fuse/chown_request.h"

#include <charconv>

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
  return id_text(request.uid) + ":" + id_text(request.gid) + ":" + request.path;
}

std::optional<ChownRequest> parse_chown_request(std::string_view value) {
  auto first = value.find(':');
  if (first == std::string_view::npos) return std::nullopt;
  auto second = value.find(':', first + 1);
  if (second == std::string_view::npos) return std::nullopt;
  ChownRequest request;
  request.path = std::string(value.substr(second + 1));
  if (!parse_id(value.substr(0, first), request.uid) ||
      !parse_id(value.substr(first + 1, second - first - 1), request.gid) ||
      !canonical_path(request.path))
    return std::nullopt;
  return request;
}

}  // namespace layerfs::fuse
