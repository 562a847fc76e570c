// Entry names inside a layer tar: how a name from an untrusted archive becomes a safe relative
// path, and how the writer spells names.
#pragma once

#include <string>
#include <string_view>

namespace layerfs {

// Normalises an entry name from an archive: strips leading "./", drops "." components, repeated
// and trailing slashes. Returns "" for the archive root ("./", "."). Refuses (UserError naming the
// entry) an absolute name, any ".." component, and an empty name. Docker strips a leading "/" and
// lets "a/../b" through when it stays inside; we are stricter, as DESIGN.md asks: such names never
// occur in tars written by image tools, so refusing them costs nothing and removes a whole class
// of escapes.
std::string clean_entry_path(std::string_view name);

// "a/b/c" -> {"a/b", "c"}; "c" -> {"", "c"}.
struct SplitPath {
  std::string parent;
  std::string name;
};
SplitPath split_entry_path(const std::string& path);

}  // namespace layerfs
