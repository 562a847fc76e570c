#include "layers/archive/entry_path.h"

#include "util/error.h"

namespace layerfs {

std::string clean_entry_path(std::string_view name) {
  if (name.empty()) throw UserError("layer archive has an entry with an empty name");
  if (name.front() == '/')
    throw UserError("layer archive entry \"" + std::string(name) + "\" has an absolute path");
  std::string out;
  size_t pos = 0;
  while (pos <= name.size()) {
    size_t slash = name.find('/', pos);
    if (slash == std::string_view::npos) slash = name.size();
    std::string_view component = name.substr(pos, slash - pos);
    pos = slash + 1;
    if (component.empty() || component == ".") continue;
    if (component == "..")
      throw UserError("layer archive entry \"" + std::string(name) +
                      "\" has a \"..\" component (would leave the layer directory)");
    if (!out.empty()) out += '/';
    out += component;
  }
  return out;
}

SplitPath split_entry_path(const std::string& path) {
  size_t slash = path.rfind('/');
  if (slash == std::string::npos) return {"", path};
  return {path.substr(0, slash), path.substr(slash + 1)};
}

}  // namespace layerfs
