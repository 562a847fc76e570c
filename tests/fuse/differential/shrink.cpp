#include "tests/fuse/differential/shrink.h"

#include <algorithm>

namespace layerfs::differential {

std::vector<Operation> shrink(std::vector<Operation> ops, const DivergencePredicate& diverges,
                              size_t budget, size_t& replays,
                              const std::vector<std::vector<Operation>>& hints) {
  replays = 0;
  auto test = [&](const std::vector<Operation>& candidate) {
    if (replays >= budget) return false;
    ++replays;
    return diverges(candidate);
  };
  // The layers alone may already look different through the two mounts.
  if (test({})) return {};
  for (const auto& hint : hints)
    if (hint.size() < ops.size() && test(hint)) ops = hint;
  size_t chunks = 2;
  while (ops.size() >= 2 && replays < budget) {
    chunks = std::min(chunks, ops.size());
    size_t chunk_size = (ops.size() + chunks - 1) / chunks;
    bool reduced = false;
    // Try each chunk alone, then each complement (the sequence without that chunk).
    for (size_t pass = 0; pass < 2 && !reduced; ++pass) {
      for (size_t start = 0; start < ops.size(); start += chunk_size) {
        size_t end = std::min(start + chunk_size, ops.size());
        std::vector<Operation> candidate;
        if (pass == 0) {
          candidate.assign(ops.begin() + static_cast<long>(start),
                           ops.begin() + static_cast<long>(end));
        } else {
          candidate.assign(ops.begin(), ops.begin() + static_cast<long>(start));
          candidate.insert(candidate.end(), ops.begin() + static_cast<long>(end), ops.end());
        }
        if (candidate.empty() || candidate.size() == ops.size()) continue;
        if (test(candidate)) {
          ops = std::move(candidate);
          chunks = pass == 0 ? 2 : std::max<size_t>(chunks - 1, 2);
          reduced = true;
          break;
        }
      }
    }
    if (!reduced) {
      if (chunks >= ops.size()) break;  // 1-minimal
      chunks = std::min(chunks * 2, ops.size());
    }
  }
  return ops;
}

}  // namespace layerfs::differential
