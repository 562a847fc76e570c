// union_differential: applies one seeded random sequence of file-system operations to kernel
// overlayfs (the oracle) and to a union file system under test (the subject), compares every
// errno and then both trees, and on divergence prints the shortest sequence that reproduces it.
// See README.md.
#include <stdlib.h>
#include <sys/stat.h>

#include <CLI/CLI.hpp>
#include <chrono>
#include <fstream>
#include <iostream>

#include "tests/fuse/differential/harness.h"
#include "tests/fuse/differential/layer_spec.h"
#include "tests/fuse/differential/shrink.h"
#include "tests/fuse/differential/trial.h"
#include "util/fs.h"

namespace layerfs::differential {
namespace {

struct Options {
  std::string harness;
  std::string oracle_root;
  std::string subject_root;
  uint64_t seed = 1;
  unsigned seeds = 1;
  size_t ops = 500;
  std::string work;
  std::string tolerate_exdev = "auto";
  bool shrink = true;
  size_t shrink_budget = 300;
  bool remount_check = true;
  long inject_fault = -1;
  bool verbose = false;
  bool keep = false;
  unsigned timeout = 30;
  std::string subject_whiteouts = "oci";
  Observation observe;
};

// Kernel overlayfs needs `userxattr` (and so has no index or redirect_dir) when we are root only
// inside a user namespace.
bool in_user_namespace() {
  std::ifstream map("/proc/self/uid_map");
  uint64_t inside = 0, outside = 0, count = 0;
  map >> inside >> outside >> count;
  return !(inside == 0 && outside == 0 && count == 4294967295ULL);
}

std::optional<Side> exdev_side(const std::string& name, bool userxattr) {
  if (name == "oracle") return Side::Oracle;
  if (name == "subject") return Side::Subject;
  if (name == "auto" && userxattr) return Side::Oracle;
  return std::nullopt;
}

void print_sequence(const std::vector<Operation>& ops) {
  for (size_t i = 0; i < ops.size(); ++i)
    std::cout << "  " << i + 1 << ". " << describe(ops[i]) << "\n";
}

// One seed: write its layers in both forms, run the generated sequence, shrink a divergence.
bool run_seed(const Options& options, const Harness& harness, uint64_t seed, bool userxattr) {
  std::string dir = options.work + "/seed-" + std::to_string(seed);
  remove_tree(dir);
  auto layers = generate_layers(seed, {.hard_links = !userxattr});
  TrialSetup setup{.harness = &harness,
                   .scratch = {},
                   .remount_check = options.remount_check,
                   .compare = {.exdev_tolerant = exdev_side(options.tolerate_exdev, userxattr)}};
  std::string opaque_xattr = userxattr ? "user.overlay.opaque" : "trusted.overlay.opaque";
  for (size_t i = 0; i < layers.size(); ++i) {
    std::string name = "/L" + std::to_string(i);
    write_layer(layers[i], dir + "/oracle-layers" + name, WhiteoutForm::Kernel, opaque_xattr);
    write_layer(layers[i], dir + "/subject-layers" + name,
                options.subject_whiteouts == "kernel" ? WhiteoutForm::Kernel : WhiteoutForm::Oci,
                opaque_xattr);
    setup.oracle_lowers.insert(setup.oracle_lowers.begin(), dir + "/oracle-layers" + name);
    setup.subject_lowers.insert(setup.subject_lowers.begin(), dir + "/subject-layers" + name);
  }

  unsigned trials = 0;
  auto trial = [&](OpSource& source) {
    setup.scratch = dir + "/trial-" + std::to_string(trials++);
    return run_trial(setup, source);
  };
  auto started = std::chrono::steady_clock::now();
  GeneratedOps generated(seed * 7919 + 1, options.ops, options.inject_fault);
  setup.compare.verbose = options.verbose;
  setup.compare.observe = options.observe;
  TrialResult result = trial(generated);
  double seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
  if (!result.divergence) {
    std::cout << "seed " << seed << ": " << result.ops.size() << " operations, no divergence ("
              << seconds << " s)\n";
    if (!options.keep) remove_tree(dir);
    return true;
  }
  std::cout << "seed " << seed << ": DIVERGENCE after " << result.ops.size()
            << " operations: " << result.divergence->detail << "\n";
  if (!options.shrink) return false;

  std::vector<Operation> candidate = result.ops;  // ends at the diverging operation, if any
  // Hints: most operations either failed on the oracle (usually no effect) or only observed.
  std::vector<Operation> without_failed, without_observers;
  for (size_t i = 0; i < candidate.size(); ++i) {
    bool last = i + 1 == candidate.size();
    OpKind kind = candidate[i].kind;
    bool observer = kind == OpKind::ReadFile || kind == OpKind::ListDir || kind == OpKind::Stat;
    if (last || result.oracle_outcomes[i].error == 0) without_failed.push_back(candidate[i]);
    if (last || (result.oracle_outcomes[i].error == 0 && !observer))
      without_observers.push_back(candidate[i]);
  }
  setup.compare.verbose = false;
  size_t replays = 0;
  auto minimal =
      shrink(candidate,
             [&](const std::vector<Operation>& ops) {
               ReplayedOps replay(ops);
               auto divergence = trial(replay).divergence;
               return divergence && divergence->signature == result.divergence->signature;
             },
             options.shrink_budget, replays, {without_observers, without_failed});
  std::cout << "shortest reproducing sequence (" << minimal.size() << " of " << candidate.size()
            << " operations, " << replays << " replays; reproduce with --seed " << seed << " --ops "
            << options.ops << "; same kind of divergence: " << result.divergence->signature << ")"
            << (replays >= options.shrink_budget ? ", shrink budget spent: may not be minimal" : "")
            << ":\n";
  print_sequence(minimal);
  std::cout << "replayed:\n";
  setup.compare.verbose = true;
  ReplayedOps replay(minimal);
  TrialResult last = trial(replay);
  std::cout << (last.divergence ? last.divergence->detail
                                : std::string("(did not diverge again: flaky)"))
            << "\n";
  return false;
}

int run(Options options) {
  ::umask(0);  // modes given to create/mkdir reach both file systems unchanged
  bool userxattr = in_user_namespace();
  if (userxattr) options.observe.link_identity = false;
  if (!options.oracle_root.empty()) {
    GeneratedOps generated(options.seed * 7919 + 1, options.ops, options.inject_fault);
    auto result = compare_roots(options.oracle_root, options.subject_root, generated,
                                {.exdev_tolerant = exdev_side(options.tolerate_exdev, userxattr),
                                 .verbose = options.verbose,
                                 .observe = options.observe});
    if (!result.divergence) {
      std::cout << result.ops.size() << " operations, no divergence\n";
      return 0;
    }
    std::cout << "DIVERGENCE: " << result.divergence->detail << "\nsequence:\n";
    print_sequence(result.ops);
    return 1;
  }
  ::setenv("UNION_DIFF_USERXATTR", userxattr ? "1" : "0", 1);
  Options resolved = options;
  bool temporary = resolved.work.empty();
  if (temporary) resolved.work = make_temp_dir("/tmp", "union-differential-");
  Harness harness(resolved.harness, std::chrono::seconds(resolved.timeout));
  bool ok = true;
  for (unsigned i = 0; i < resolved.seeds && ok; ++i)
    ok = run_seed(resolved, harness, resolved.seed + i, userxattr);
  if (temporary && !resolved.keep) remove_tree(resolved.work);
  return ok ? 0 : 1;
}

}  // namespace
}  // namespace layerfs::differential

int main(int argc, char** argv) {
  layerfs::differential::Options options;
  CLI::App app{
      "Differential tester: kernel overlayfs (oracle) against a union file system (subject)."};
  auto* harness = app.add_option("--harness", options.harness,
                                 "mount/umount hook; makes fresh mounts per trial (see README.md)");
  auto* oracle = app.add_option("--oracle-root", options.oracle_root,
                                "an already mounted oracle (no shrinking in this mode)");
  auto* subject =
      app.add_option("--subject-root", options.subject_root, "an already mounted subject");
  oracle->needs(subject)->excludes(harness);
  subject->needs(oracle);
  app.add_option("--seed", options.seed, "first seed")->capture_default_str();
  app.add_option("--seeds", options.seeds, "number of seeds, each with its own layers")
      ->capture_default_str();
  app.add_option("--ops", options.ops, "operations per seed")->capture_default_str();
  app.add_option("--work", options.work, "scratch directory (default: a new one under /tmp)");
  app.add_option("--tolerate-exdev", options.tolerate_exdev,
                 "side allowed to refuse renames with EXDEV: none, oracle, subject, auto (oracle "
                 "in a user namespace, where overlayfs has no redirect_dir)")
      ->check(CLI::IsMember({"none", "oracle", "subject", "auto"}))
      ->capture_default_str();
  app.add_option("--subject-whiteouts", options.subject_whiteouts,
                 "whiteout form of the subject's layers: oci (.wh. markers) or kernel (char 0/0, "
                 "opaque xattr; for overlayfs as its own subject)")
      ->check(CLI::IsMember({"oci", "kernel"}))
      ->capture_default_str();
  app.add_flag("!--ignore-dot-entries", options.observe.dot_entries,
               "do not compare \".\" and \"..\" in directory listings");
  app.add_flag("!--ignore-nlink", options.observe.nlink,
               "do not compare link counts (fuse-overlayfs reports 1 for lower hard links)");
  app.add_flag("!--no-shrink", options.shrink, "report a divergence without shrinking it");
  app.add_option("--shrink-budget", options.shrink_budget, "most replays spent shrinking")
      ->capture_default_str();
  app.add_flag("!--no-remount-check", options.remount_check,
               "skip the comparison after remounting");
  app.add_option("--inject-fault", options.inject_fault,
                 "replace operation N by a mkdir on the oracle only (tests the tester)");
  app.add_option("--timeout", options.timeout, "seconds allowed per harness call")
      ->capture_default_str();
  app.add_flag("--keep", options.keep, "keep the generated layers");
  app.add_flag("-v,--verbose", options.verbose, "print every operation with both outcomes");
  CLI11_PARSE(app, argc, argv);
  std::cout << std::unitbuf;  // progress shows up at once in logs, and survives a timeout kill
  if (options.harness.empty() && options.oracle_root.empty()) {
    std::cerr << "union_differential: give --harness, or --oracle-root and --subject-root\n";
    return 2;
  }
  try {
    return layerfs::differential::run(options);
  } catch (const std::exception& error) {
    std::cerr << "union_differential: " << error.what() << "\n";
    return 2;
  }
}
