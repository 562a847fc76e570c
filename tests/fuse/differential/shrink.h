// Delta debugging (Zeller's ddmin): the smallest subsequence of operations that still makes the
// two mounts diverge, found by replaying candidates on fresh mounts.
#pragma once

#include <functional>
#include <vector>

#include "tests/fuse/differential/operation.h"

namespace layerfs::differential {

using DivergencePredicate = std::function<bool(const std::vector<Operation>&)>;

// ops must diverge; an empty result means the untouched mounts already differ. budget bounds the
// number of replays; the result is 1-minimal when the budget suffices (removing any single
// operation makes the divergence disappear).
// hints: candidates tried first, whole (e.g. the sequence without operations that failed on the
// oracle): one replay each can remove most of a long sequence before ddmin's finer steps.
std::vector<Operation> shrink(std::vector<Operation> ops, const DivergencePredicate& diverges,
                              size_t budget, size_t& replays,
                              const std::vector<std::vector<Operation>>& hints = {});

}  // namespace layerfs::differential
