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
      const std::pair pass{ino, except};
      if (std::find(stripe.pending.begin(), stripe.pending.end(), pass) == stripe.pending.end())
        stripe.pending.push_back(pass);
    } else {
      stripe.telling = teller = true;
    }
  }
  if (!teller) return reply();
  try {
    tell_(ino, except);
  } catch (...) {
    drain(stripe);  // or the stripe would stay told forever
    throw;
  }
  // Telling ends before the reply, so that the writer's next write through another name tells
  // for itself, unless other writes left passes meanwhile: those may drop this writer's pages,
  // which stay locked until its reply, so they run after it.
  if (end_unless_passes_left(stripe)) return reply();
  reply();
  drain(stripe);
}

bool AliasTelling::end_unless_passes_left(Stripe& stripe) {
  std::lock_guard lock(stripe.mutex);
  if (!stripe.pending.empty()) return false;
  stripe.telling = false;
  return true;
}

void AliasTelling::drain(Stripe& stripe) {
  for (;;) {
    std::vector<std::pair<uint64_t, fuse_ino_t>> passes;
    {
      std::lock_guard lock(stripe.mutex);
      if (stripe.pending.empty()) {
        stripe.telling = false;
        return;
      }
      passes.swap(stripe.pending);
    }
    for (const auto& [ino, except] : passes) {
      try {
        tell_(ino, except);
      } catch (const std::exception&) {
        // Out of memory listing the names: those keep their pages until reopened (a file with
        // several names is not kept cached across opens). The stripe must not stay told.
      }
    }
  }
}

}  // namespace layerfs::fuse
