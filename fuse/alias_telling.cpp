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
  {
    // Ends this thread's telling before the reply, so that the writer's next write tells for
    // itself; and whatever happens, or the stripe would stay told forever.
    struct EndTelling {
      AliasTelling& self;
      Stripe& stripe;
      ~EndTelling() { self.drain(stripe); }
    } end{*this, stripe};
    tell_(ino, except);
  }
  reply();
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
