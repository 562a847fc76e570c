// The shell patterns of ${V#p}, ${V%p} and ${V/p/r}: `*` any string, `?` one character, `\`
// escapes `*`, `?` and `\` (and is dropped before `}` and `/`). Matching works on UTF-8
// characters, not bytes.
#pragma once

#include <string>
#include <string_view>

namespace layerfs::builder {

// ${value#pattern} (shortest) and ${value##pattern} (longest): value without a matching prefix.
std::string trim_pattern_prefix(std::string_view value, std::string_view pattern, bool longest);
// ${value%pattern} and ${value%%pattern}: value without a matching suffix.
std::string trim_pattern_suffix(std::string_view value, std::string_view pattern, bool longest);
// ${value/pattern/replacement} and ${value//pattern/replacement}: the leftmost (or every)
// longest match replaced.
std::string replace_pattern(std::string_view value, std::string_view pattern,
                            std::string_view replacement, bool all);

}  // namespace layerfs::builder
