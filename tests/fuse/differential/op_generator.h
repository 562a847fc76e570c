// Chooses the next random operation from what the oracle mount holds now, so that most
// operations hit existing names (renames over lower directories, writes to lower files) while
// some hit missing or wrong-typed ones (the errno paths).
#pragma once

#include "tests/fuse/differential/operation.h"
#include "tests/fuse/differential/random.h"
#include "tests/fuse/differential/tree_snapshot.h"

namespace layerfs::differential {

class OpGenerator {
 public:
  explicit OpGenerator(uint64_t seed) : random_(seed) {}
  Operation next(const TreeSnapshot& current);

 private:
  Random random_;
  unsigned counter_ = 0;
};

}  // namespace layerfs::differential
