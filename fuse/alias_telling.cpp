#include "fuse/alias_telling.h"

#include <algorithm>
#include <exception>

namespace layerfs::fuse {

void AliasTelling::after_change(uint64_t ino, fuse_ino_t except,
                                const std::function<void()>& reply) {
  Stripe& stripe = stripes_[ino % stripes_.size()];
  bool teller = false;
  {
    std::lock_guard lock(stripe.mutex);
    if (stripe.telling) {
      const Pass pass{ino, except};
      if (std::find(stripe.pending.begin(), stripe.pending.end(), pass) == stripe.pending.end())
        stripe.pending.push_back(pass);
    } else {
      stripe.telling = teller = true;
    }
  }
  if (!teller) return reply();
  std::vector<Pass> passes;
  try {
    tell_(ino, except);
  } catch (...) {
    // The caller replies after this: passes left meanwhile may drop this writer's pages, locked
    // until then, so they are dropped (as a failed pass is in drain). The stripe must not stay
    // told.
    while (next_passes(stripe, passes)) passes.clear();
    throw;
  }
  // Telling ends before the reply, so that the writer's next write through another name tells
  // for itself, unless other writes left passes meanwhile: those may drop this writer's pages,
  // which stay locked until its reply, so they run after it.
  if (!next_passes(stripe, passes)) return reply();
  reply();
  run(passes);
  drain(stripe);
}

bool AliasTelling::next_passes(Stripe& stripe, std::vector<Pass>& passes) {
  std::lock_guard lock(stripe.mutex);
  if (stripe.pending.empty()) {
    stripe.telling = false;
    return false;
  }
  passes.swap(stripe.pending);
  return true;
}

void AliasTelling::run(const std::vector<Pass>& passes) {
  for (const auto& [ino, except] : passes) {
    try {
      tell_(ino, except);
    } catch (const std::exception&) {
      // Out of memory listing the names: those keep their pages until reopened (a file with
      // several names is not kept cached across opens). The stripe must not stay told.
    }
  }
}

void AliasTelling::drain(Stripe& stripe) {
  std::vector<Pass> passes;
  while (next_passes(stripe, passes)) {
    run(passes);
    passes.clear();
  }
}

}  // namespace layerfs::fuse
