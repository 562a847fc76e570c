// Minimal UTF-8 helpers for text layout and Go-compatible formatting.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>

namespace layerfs {

// Appends the UTF-8 encoding of a code point.
void append_utf8(std::string& out, char32_t code);

// Decodes the code point at text[pos] and advances pos past it. A byte that does not start a
// valid sequence decodes as itself and advances one byte, so every input makes progress.
char32_t next_code_point(std::string_view text, size_t& pos);

// Number of code points (Go's utf8.RuneCountInString for valid text).
size_t code_point_count(std::string_view text);

// Length of the valid UTF-8 sequence starting at text[pos], or 0 when the bytes there are not one.
size_t utf8_sequence_length(std::string_view text, size_t pos);

}  // namespace layerfs
