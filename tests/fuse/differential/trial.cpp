#include "tests/fuse/differential/trial.h"

#include <sys/stat.h>

#include <cerrno>
#include <iostream>
#include <stdexcept>

#include "tests/fuse/differential/tree_snapshot.h"
#include "util/fs.h"

namespace layerfs::differential {
namespace {

std::optional<Divergence> compare_trees(const std::string& oracle_root,
                                        const std::string& subject_root, const std::string& when,
                                        const CompareOptions& options) {
  SnapshotOptions snapshot{.nlink = options.observe.nlink,
                           .link_identity = options.observe.link_identity};
  auto differences =
      diff_trees(snapshot_tree(oracle_root, snapshot), snapshot_tree(subject_root, snapshot));
  if (differences.empty()) return std::nullopt;
  std::string detail = "trees differ " + when + ":";
  for (const auto& line : differences) detail += "\n  " + line;
  return Divergence{.op_index = std::nullopt, .detail = detail, .signature = "trees " + when};
}

MountSpec spec_for(const std::string& scratch, Side side, const std::vector<std::string>& lowers) {
  std::string base = scratch + "/" + side_name(side);
  return {.lowers = lowers,
          .upper = base + "/upper",
          .work = base + "/work",
          .mountpoint = base + "/mnt"};
}

bool still_mounted(const std::string& mountpoint) {
  struct stat self, parent;
  return ::stat(mountpoint.c_str(), &self) == 0 &&
         ::stat((mountpoint + "/..").c_str(), &parent) == 0 && self.st_dev != parent.st_dev;
}

}  // namespace

std::optional<Operation> GeneratedOps::next(const std::string& oracle_root) {
  if (produced_ == count_) return std::nullopt;
  Operation op = generator_.next(snapshot_tree(oracle_root, {.details = false}));
  if (static_cast<long>(produced_) == inject_at_)
    op = Operation{.kind = OpKind::OracleOnlyMkdir, .path = "injected-fault"};
  ++produced_;
  return op;
}

TrialResult compare_roots(const std::string& oracle_root, const std::string& subject_root,
                          OpSource& source, const CompareOptions& options) {
  TrialResult result;
  auto root_of = [&](Side side) { return side == Side::Oracle ? oracle_root : subject_root; };
  while (auto op = source.next(oracle_root)) {
    Outcome oracle, subject;
    if (op->kind == OpKind::Rename && options.exdev_tolerant) {
      Side first = *options.exdev_tolerant;
      Side second = first == Side::Oracle ? Side::Subject : Side::Oracle;
      Outcome& first_outcome = first == Side::Oracle ? oracle : subject;
      Outcome& second_outcome = first == Side::Oracle ? subject : oracle;
      first_outcome = apply(*op, root_of(first), first, options.observe);
      // Overlayfs in a user namespace (no redirect_dir, no index) also refuses some renames with
      // ESTALE (seed 2016 as an ordinary user): as with EXDEV, the step is not compared.
      const bool refused =
          first_outcome.error == EXDEV || (first == Side::Oracle && first_outcome.error == ESTALE);
      if (refused)
        second_outcome.skipped = true;
      else
        second_outcome = apply(*op, root_of(second), second, options.observe);
    } else {
      oracle = apply(*op, oracle_root, Side::Oracle, options.observe);
      subject = apply(*op, subject_root, Side::Subject, options.observe);
    }
    size_t index = result.ops.size();
    result.ops.push_back(*op);
    result.oracle_outcomes.push_back(oracle);
    if (options.verbose)
      std::cout << "  #" << index << " " << describe(*op) << "  oracle: " << describe(oracle)
                << "  subject: " << describe(subject) << "\n";
    if (!oracle.skipped && !subject.skipped && !(oracle == subject)) {
      result.divergence = Divergence{
          .op_index = index,
          .detail = "operation #" + std::to_string(index) + " " + describe(*op) +
                    "\n  oracle:  " + describe(oracle) + "\n  subject: " + describe(subject),
          .signature = describe(*op).substr(0, describe(*op).find('(')) + " " +
                       std::to_string(oracle.error) + "/" + std::to_string(subject.error)};
      return result;
    }
  }
  result.divergence = compare_trees(oracle_root, subject_root, "after the last operation", options);
  return result;
}

TrialResult run_trial(const TrialSetup& setup, OpSource& source) {
  remove_tree(setup.scratch);
  MountSpec oracle = spec_for(setup.scratch, Side::Oracle, setup.oracle_lowers);
  MountSpec subject = spec_for(setup.scratch, Side::Subject, setup.subject_lowers);
  for (const auto* spec : {&oracle, &subject})
    for (const auto& dir : {spec->upper, spec->work, spec->mountpoint}) make_dirs(dir);

  TrialResult result;
  {
    ScopedMount oracle_mount(*setup.harness, Side::Oracle, oracle);
    ScopedMount subject_mount(*setup.harness, Side::Subject, subject);
    result = compare_roots(oracle.mountpoint, subject.mountpoint, source, setup.compare);
  }
  if (!result.divergence && setup.remount_check) {
    ScopedMount oracle_mount(*setup.harness, Side::Oracle, oracle);
    ScopedMount subject_mount(*setup.harness, Side::Subject, subject);
    result.divergence =
        compare_trees(oracle.mountpoint, subject.mountpoint, "after a remount", setup.compare);
  }
  // Only once both are unmounted: removing through a live mount would be an operation too.
  for (const auto* spec : {&oracle, &subject})
    if (still_mounted(spec->mountpoint))
      throw std::runtime_error(spec->mountpoint +
                               " is still mounted after the harness unmounted it");
  remove_tree(setup.scratch);
  return result;
}

}  // namespace layerfs::differential
