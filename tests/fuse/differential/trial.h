// A trial: the same operations applied to the oracle and the subject, each outcome compared,
// then the whole trees; optionally on fresh mounts made by the harness (needed to replay
// candidate sequences while shrinking).
#pragma once

#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "tests/fuse/differential/harness.h"
#include "tests/fuse/differential/op_generator.h"
#include "tests/fuse/differential/operation.h"

namespace layerfs::differential {

// Where the operations come from: generated against the oracle's current tree, or replayed.
class OpSource {
 public:
  virtual ~OpSource() = default;
  virtual std::optional<Operation> next(const std::string& oracle_root) = 0;
};

class GeneratedOps : public OpSource {
 public:
  // inject_at: index of an operation replaced by a fault (oracle-only mkdir); none when < 0.
  GeneratedOps(uint64_t seed, size_t count, long inject_at)
      : generator_(seed), count_(count), inject_at_(inject_at) {}
  std::optional<Operation> next(const std::string& oracle_root) override;

 private:
  OpGenerator generator_;
  size_t count_;
  long inject_at_;
  size_t produced_ = 0;
};

class ReplayedOps : public OpSource {
 public:
  explicit ReplayedOps(const std::vector<Operation>& ops) : ops_(ops) {}
  std::optional<Operation> next(const std::string&) override {
    if (position_ == ops_.size()) return std::nullopt;
    return ops_[position_++];
  }

 private:
  const std::vector<Operation>& ops_;
  size_t position_ = 0;
};

struct Divergence {
  std::optional<size_t> op_index{};  // none: the final trees differ
  std::string detail{};
  // What kind of divergence: the operation kind with both errnos, or where the trees differed.
  // Shrinking keeps it, so the short sequence shows the same bug, not another one.
  std::string signature{};
};

struct TrialResult {
  std::vector<Operation> ops;            // what was applied, in order
  std::vector<Outcome> oracle_outcomes;  // one per operation
  std::optional<Divergence> divergence;
};

struct CompareOptions {
  // The side allowed to answer a rename with EXDEV (overlayfs without redirect_dir,
  // fuse-overlayfs for directories); its rename runs first, and the other side then skips it.
  std::optional<Side> exdev_tolerant{};
  bool verbose = false;   // print every operation with both outcomes
  Observation observe{};  // also: nlink false leaves link counts out of the tree comparison
};

// Runs on two roots mounted by someone else; stops at the first divergence.
TrialResult compare_roots(const std::string& oracle_root, const std::string& subject_root,
                          OpSource& source, const CompareOptions& options);

struct TrialSetup {
  const Harness* harness = nullptr;
  std::vector<std::string> oracle_lowers{};  // top-most first
  std::vector<std::string> subject_lowers{};
  // The trial's upper, work and mount directories, created here and removed afterwards. Use a
  // new name per trial: overlayfs with index=on keeps a just-unmounted upper "in use" briefly.
  std::string scratch{};
  // Unmount, mount the same upper again and compare again: the upper must hold what was seen.
  bool remount_check = true;
  CompareOptions compare{};
};

TrialResult run_trial(const TrialSetup& setup, OpSource& source);

}  // namespace layerfs::differential
