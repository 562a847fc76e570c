// Instructions that change only the image config: ENV, LABEL, USER, WORKDIR, EXPOSE, VOLUME, CMD,
// ENTRYPOINT, SHELL, STOPSIGNAL, MAINTAINER, HEALTHCHECK, ONBUILD (and ARG, which changes nothing
// in the image).
#pragma once

#include "builder/build_state.h"

namespace layerfs::builder {

bool is_metadata_instruction(const std::string& command);

// Applies the (already expanded) instruction to state.config; throws UserError on bad input.
void apply_metadata_step(StageState& state, const Instruction& instruction,
                         const ExpandedStep& step);

// Go duration ("1m30s", "500ms") in nanoseconds.
int64_t parse_go_duration(const std::string& text);

}  // namespace layerfs::builder
