// How each instruction's arguments are split (BuildKit's per-instruction line parsers): the
// command word and leading --flags, then JSON arrays, whitespace lists, key=value pairs or the
// rest of the line as one string.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "builder/dockerfile.h"

namespace layerfs::builder {

// Fills keyword, command, flags, args, json (and trigger for ONBUILD) from one logical line.
void parse_arguments(std::string_view line, char escape, Instruction& out);

// Words separated by blanks, quotes and escapes kept in them (used for ENV, LABEL, ARG).
std::vector<std::string> split_quoted_words(std::string_view text, char escape);

}  // namespace layerfs::builder
