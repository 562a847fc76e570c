#include "builder/builder.h"

#include <sys/utsname.h>

#include <chrono>
#include <cstdio>
#include <ctime>
#include <set>

#include "builder/build_cache.h"
#include "builder/build_state.h"
#include "builder/copy_step.h"
#include "builder/dockerfile.h"
#include "builder/layer_squash.h"
#include "builder/metadata_steps.h"
#include "builder/output_relay.h"
#include "builder/run_heredoc.h"
#include "builder/run_mounts.h"
#include "builder/url_source.h"
#include "fuse/metacopy.h"
#include "layers/image.h"
#include "layers/new_image.h"
#include "layers/snapshot.h"
#include "sandbox/sandbox.h"
#include "util/error.h"
#include "util/fs.h"
#include "util/process.h"
#include "util/sha256.h"

namespace layerfs::builder {

namespace {

std::string lower(std::string s) {
  for (auto& c : s) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return s;
}

std::string rfc3339_of(int64_t seconds) {
  time_t t = static_cast<time_t>(seconds);
  struct tm tm;
  ::gmtime_r(&t, &tm);
  char buf[64];
  std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%SZ", &tm);
  return buf;
}

// The platform ARGs BuildKit predefines (TARGETPLATFORM, BUILDARCH, ...).
Variables platform_args() {
  struct utsname u;
  ::uname(&u);
  std::string machine = u.machine;
  std::string arch = machine == "x86_64" ? "amd64" : machine == "aarch64" ? "arm64" : machine;
  Variables vars;
  for (const char* prefix : {"TARGET", "BUILD"}) {
    std::string p = prefix;
    vars[p + "PLATFORM"] = "linux/" + arch;
    vars[p + "OS"] = "linux";
    vars[p + "ARCH"] = arch;
    vars[p + "VARIANT"] = "";
  }
  return vars;
}

struct StageDefinition {
  const Instruction* from = nullptr;
  std::string name;  // lower case
  std::vector<const Instruction*> steps;
};

std::string flag_value(const Instruction& instruction, const std::string& name) {
  for (const auto& flag : instruction.flags)
    if (flag.rfind("--" + name + "=", 0) == 0) return flag.substr(name.size() + 3);
  return {};
}

class Builder {
 public:
  Builder(const Store& store, const BuildOptions& options) : store_(store), options_(options) {}

  BuildResult run() {
    std::string text =
        options_.dockerfile_path == "-" ? options_.dockerfile_text : read_file(dockerfile_path());
    dockerfile_ = parse_dockerfile(text, display_name());
    for (const auto& warning : dockerfile_.warnings)
      if (options_.progress) options_.progress->message("WARNING: " + warning);
    split_stages();
    size_t target = target_stage();
    auto needed = needed_stages(target);

    lock_ = store_.lock_for_writing();
    index_ = ImageIndex::load(store_);
    context_ = std::make_unique<ContextTree>(options_.context_dir,
                                             IgnoreRules::load(options_.context_dir));
    states_.resize(stages_.size());
    for (size_t i = 0; i <= target; ++i)
      if (needed.count(i)) build_stage(i);

    StageState& final_state = states_[target];
    if (!options_.labels.empty()) {
      Instruction label;
      label.keyword = "LABEL";
      label.command = "label";
      for (const auto& [k, v] : options_.labels) label.args.insert(label.args.end(), {k, v, "="});
      label.original = "LABEL (from --label)";
      run_step(final_state, label, "--label");
    }
    if (final_state.image_id.empty()) commit(final_state, "", true, {}, "");
    if (options_.squash) squash(final_state);
    for (const auto& tag : options_.tags)
      index_.tags[tag] = index_.images.at(final_state.image_id).manifest_digest;
    if (!options_.tags.empty()) index_.save(store_);
    result_.image_id = final_state.image_id;
    return result_;
  }

 private:
  std::string dockerfile_path() const {
    return options_.dockerfile_path.empty() ? options_.context_dir + "/Dockerfile"
                                            : options_.dockerfile_path;
  }
  std::string display_name() const {
    return options_.dockerfile_path == "-" ? "-" : basename_of(dockerfile_path());
  }
  [[noreturn]] void fail(const Instruction& instruction, const std::string& message) const {
    throw UserError(dockerfile_.file_name + ":" + std::to_string(instruction.start_line) + ": " +
                    message);
  }
  // Progress events of the current step (step_number_); no progress object: silent.
  void report_instant(const std::string& title) const {
    if (options_.progress) options_.progress->step_instant(step_number_, title);
  }
  void report_started(const std::string& title) const {
    if (options_.progress) options_.progress->step_started(step_number_, title);
  }
  void report_cached() const {
    if (options_.progress) options_.progress->step_cached(step_number_);
  }

  void split_stages() {
    Variables defaults = platform_args();
    for (const auto& instruction : dockerfile_.instructions) {
      if (instruction.command == "from") {
        stages_.push_back({&instruction, "", {}});
        continue;
      }
      if (stages_.empty()) {
        if (instruction.command != "arg")
          fail(instruction, instruction.keyword + " before the first FROM (only ARG may be)");
        declare_args(instruction, meta_args_, defaults);
        continue;
      }
      stages_.back().steps.push_back(&instruction);
    }
    if (stages_.empty()) throw UserError(dockerfile_.file_name + ": no FROM instruction");
    for (auto& stage : stages_) {
      const auto& args = stage.from->args;
      if (args.empty()) fail(*stage.from, "FROM requires an image name");
      if (args.size() == 3 && lower(args[1]) == "as")
        stage.name = lower(args[2]);
      else if (args.size() != 1)
        fail(*stage.from, "FROM requires either one or three arguments (IMAGE [AS NAME])");
    }
  }

  // ARG name[=default]: the --build-arg value wins, then the default, then a meta ARG's value.
  void declare_args(const Instruction& instruction, Variables& scope, const Variables& outer) {
    ShellLexer lexer(dockerfile_.escape);
    for (const auto& word : instruction.args) {
      auto eq = word.find('=');
      std::string name = word.substr(0, eq);
      std::optional<std::string> value;
      if (eq != std::string::npos) {
        Variables vars = outer;
        for (const auto& [k, v] : scope) vars[k] = v;
        value = lexer.process_word(word.substr(eq + 1), vars);
      }
      auto given = options_.build_args.find(name);
      if (given != options_.build_args.end()) {
        if (given->second)
          value = given->second;
        else if (const char* env = std::getenv(name.c_str()))
          value = env;
      }
      if (!value) {
        auto it = outer.find(name);
        if (it != outer.end()) value = it->second;
      }
      if (value)
        scope[name] = *value;
      else
        scope.erase(name);
      if (value) used_args_.insert(name);
    }
  }

  size_t target_stage() const {
    if (options_.target.empty()) return stages_.size() - 1;
    for (size_t i = 0; i < stages_.size(); ++i)
      if (stages_[i].name == lower(options_.target)) return i;
    throw UserError("target stage \"" + options_.target + "\" could not be found");
  }

  // Index of an earlier stage named by `ref` (a name or a number), or -1.
  int stage_named(const std::string& ref, size_t before) const {
    for (size_t i = 0; i < before; ++i)
      if (!stages_[i].name.empty() && stages_[i].name == lower(ref)) return static_cast<int>(i);
    if (!ref.empty() && ref.find_first_not_of("0123456789") == std::string::npos) {
      size_t n = std::stoul(ref);
      if (n < before) return static_cast<int>(n);
    }
    return -1;
  }

  std::string base_name(size_t i) const {
    Variables vars = platform_args();
    for (const auto& [k, v] : meta_args_) vars[k] = v;
    return ShellLexer(dockerfile_.escape).process_word(stages_[i].from->args[0], vars);
  }

  std::set<size_t> needed_stages(size_t target) const {
    std::set<size_t> needed = {target};
    for (size_t i = target + 1; i-- > 0;) {
      if (!needed.count(i)) continue;
      if (int s = stage_named(base_name(i), i); s >= 0) needed.insert(static_cast<size_t>(s));
      for (const auto* step : stages_[i].steps) {
        std::string from = flag_value(*step, "from");
        if (!from.empty())
          if (int s = stage_named(from, i); s >= 0) needed.insert(static_cast<size_t>(s));
      }
    }
    return needed;
  }

  void build_stage(size_t i) {
    StageState& state = states_[i];
    state.index = i;
    state.name = stages_[i].name;
    std::string base = base_name(i);
    ++step_number_;
    report_instant("[stage " + std::to_string(i) + "] FROM " + base);
    if (int s = stage_named(base, i); s >= 0) {
      const StageState& parent = states_[static_cast<size_t>(s)];
      state.config = parent.config;
      state.layers = parent.layers;
      state.image_id = parent.image_id;
    } else if (lower(base) == "scratch") {
      state.config = {
          {"architecture", platform_args()["TARGETARCH"]},
          {"os", "linux"},
          {"config",
           {{"Env", {"PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"}}}},
          {"rootfs", {{"type", "layers"}, {"diff_ids", nlohmann::json::array()}}},
          {"history", nlohmann::json::array()}};
    } else {
      std::string id;
      try {
        id = resolve_image(index_, base);
      } catch (const UserError& e) {
        fail(*stages_[i].from, e.what());
      }
      load_state(state, id);
    }
    if (!state.config.contains("config") || state.config["config"].is_null())
      state.config["config"] = nlohmann::json::object();
    state.base_layers = state.layers.size();
    state.base_history = state.config["history"].is_array() ? state.config["history"].size() : 0;
    state.base_image_id = state.image_id;

    // ONBUILD triggers of the base run first, then are dropped from the new image.
    std::vector<Instruction> triggers;
    auto& runtime = state.runtime();
    if (runtime.contains("OnBuild") && runtime["OnBuild"].is_array()) {
      for (const auto& line : runtime["OnBuild"])
        triggers.push_back(parse_instruction_line(line.get<std::string>()));
      runtime.erase("OnBuild");
    }
    for (auto& trigger : triggers) {
      trigger.start_line = stages_[i].from->start_line;
      run_step(state, trigger, "ONBUILD");
    }
    for (const auto* step : stages_[i].steps) run_step(state, *step, "");
    state.built = true;
  }

  void load_state(StageState& state, const std::string& id) {
    Image image = load_image(store_, index_, id);
    state.config = image.config;
    state.layers.clear();
    for (const auto& diff_id : image.diff_ids())
      state.layers.push_back(store_.read_layer_info(diff_id));
    state.image_id = id;
  }

  // A RUN step's command may run for long: other writers (run, tag, pull, another build) go on
  // meanwhile. The images this build stands on are held against rmi and prune, and the layers of
  // the step's union are locked by its daemon (fuse/mount_lock.h); the index is read again after.
  int run_unlocked(const sandbox::SandboxSpec& spec) {
    std::vector<std::string> standing_on;
    for (const StageState& state : states_)
      for (const std::string* id : {&state.image_id, &state.base_image_id})
        if (!id->empty()) standing_on.push_back(*id);
    int status;
    {
      ImageHold hold(store_, standing_on);
      lock_.reset();
      status = sandbox::run_in_sandbox(spec);
      lock_ = store_.lock_for_writing();
    }
    index_ = ImageIndex::load(store_);
    return status;
  }

  std::vector<std::string> layer_dirs(const StageState& state) const {
    std::vector<std::string> dirs;
    for (auto it = state.layers.rbegin(); it != state.layers.rend(); ++it)
      dirs.push_back(store_.layer_diff_path(it->diff_id));
    return dirs;
  }

  // The tree COPY --from reads: an earlier stage, or an image; its identity goes into the key.
  std::unique_ptr<SourceTree> from_tree(const StageState& state, const Instruction& instruction,
                                        const std::string& ref, std::string& identity) {
    if (int s = stage_named(ref, state.index); s >= 0) {
      const StageState& other = states_[static_cast<size_t>(s)];
      identity = "stage " + other.image_id;
      return std::make_unique<ImageTree>(ImageView(layer_dirs(other)));
    }
    StageState image_state;
    try {
      load_state(image_state, resolve_image(index_, ref));
    } catch (const UserError& e) {
      fail(instruction, e.what());
    }
    identity = "image " + image_state.image_id;
    return std::make_unique<ImageTree>(ImageView(layer_dirs(image_state)));
  }

  void run_step(StageState& state, const Instruction& instruction, const std::string& origin) {
    const auto& c = instruction.command;
    ++step_number_;
    std::string title = "[stage " + std::to_string(state.index) + "] " +
                        (origin.empty() ? "" : origin + " ") + instruction.original;
    if (c == "arg") {
      declare_args(instruction, state.args, meta_args_);
      report_instant(title);
      return;
    }
    if (c == "from") fail(instruction, "FROM is not allowed here");
    ShellLexer lexer(dockerfile_.escape);
    Variables vars = state.variables();
    ExpandedStep step;
    std::string heredoc_script, network;
    std::vector<RunMount> mounts;
    std::unique_ptr<SourceTree> from;
    std::unique_ptr<StagingDir> downloads;  // ADD's URL sources, until the step is done
    CopyRequest copy;
    try {
      if (c == "env" || c == "label") {
        for (size_t i = 0; i + 1 < instruction.args.size(); i += 3) {
          step.words.push_back(lexer.process_word(instruction.args[i], vars));
          step.words.push_back(lexer.process_word(instruction.args[i + 1], vars));
          if (c == "env") vars[step.words[step.words.size() - 2]] = step.words.back();
        }
      } else if (c == "copy" || c == "add") {
        for (const auto& arg : instruction.args)
          step.words.push_back(lexer.process_word(arg, vars));
        copy.instruction = &instruction;
        copy.is_add = c == "add";
        copy.chown = lexer.process_word(flag_value(instruction, "chown"), vars);
        copy.chmod = lexer.process_word(flag_value(instruction, "chmod"), vars);
        std::string from_ref = lexer.process_word(flag_value(instruction, "from"), vars);
        std::string identity = "context";
        if (!from_ref.empty()) from = from_tree(state, instruction, from_ref, identity);
        copy.source = from ? from.get() : context_.get();
        copy.words = step.words;
        std::string checksum = lexer.process_word(flag_value(instruction, "checksum"), vars);
        if (!checksum.empty()) digest_hex(checksum);  // refuses anything but sha256:<hex>
        std::vector<std::string> patterns;
        for (size_t i = 0; i + 1 < step.words.size(); ++i) {
          const auto& source = step.words[i];
          if (is_url_source(source)) {
            if (!copy.is_add) throw UserError("source can't be a URL for COPY");
            // Downloaded before the cache lookup: the content, not the URL, decides a hit.
            if (!downloads) downloads = std::make_unique<StagingDir>(store_.tmp_dir(), "add-");
            std::string dir = downloads->path() + "/" + std::to_string(i);
            make_dirs(dir, 0700);
            DownloadedFile file = download_url_source(source, dir, checksum);
            copy.downloads[source] = file.path;
            identity += "\nurl " + source + " " + file.digest;
          } else if (!checksum.empty()) {
            throw UserError("checksum can't be specified for non-HTTP(S) sources");
          } else if (source.rfind("<<", 0) != 0) {
            patterns.push_back(source);
          }
        }
        for (const auto& h : instruction.heredocs) identity += "\nheredoc " + h.content;
        step.sources_digest = identity + " " + digest_sources(*copy.source, patterns);
      } else if (c == "expose" || c == "volume" || c == "workdir" || c == "user" ||
                 c == "stopsignal" || c == "maintainer") {
        for (const auto& arg : instruction.args) {
          if (c == "expose" || c == "volume")
            for (auto& w : lexer.process_words(arg, vars)) step.words.push_back(w);
          else
            step.words.push_back(lexer.process_word(arg, vars));
        }
      } else if (c == "run") {
        // The shell expands RUN's variables itself, from the environment built below.
        if (instruction.json) {
          step.words = instruction.args;
        } else if (!instruction.args.empty() && !instruction.heredocs.empty()) {
          RunHeredoc run =
              heredoc_command(state.shell(), instruction.args[0], instruction.heredocs);
          step.words = run.argv;
          heredoc_script = run.script;
        } else if (!instruction.args.empty()) {
          step.words = state.shell();
          step.words.push_back(instruction.args[0]);
        }
        mounts = parse_run_mounts(instruction);
        // A bind mount's files are the step's input, as COPY's are.
        for (const auto& mount : mounts)
          if (mount.type == RunMount::Type::Bind)
            step.sources_digest +=
                "bind " + mount.source + " " +
                digest_sources(*context_, {mount.source.empty() ? "." : mount.source}) + "\n";
        network = flag_value(instruction, "network");
        if (network.empty() || network == "default") network = options_.network;
        if (network != "host" && network != "none")
          fail(instruction, "RUN --network=" + network + " is not supported (host, none, default)");
        if (step.words.empty()) fail(instruction, "RUN requires a command");
        for (const auto& [name, value] : state.args)
          step.sources_digest += name + "=" + value + "\n";
      } else if (!is_metadata_instruction(c)) {
        fail(instruction, "unknown instruction: " + instruction.keyword);
      }
    } catch (const UserError& e) {
      std::string what = e.what();
      if (what.rfind(dockerfile_.file_name + ":", 0) == 0) throw;
      fail(instruction, what);
    }
    step.text = instruction.keyword;
    for (const auto& flag : instruction.flags) step.text += " " + flag;
    if (c == "env" || c == "label") {
      for (size_t i = 0; i + 1 < step.words.size(); i += 2)
        step.text += " " + step.words[i] + "=" + step.words[i + 1];
    } else if (instruction.trigger) {
      step.text += " " + instruction.trigger->original;
    } else if (!step.words.empty()) {
      for (const auto& w : step.words) step.text += " " + w;
    } else {
      step.text += instruction.json ? " " + nlohmann::json(instruction.args).dump()
                                    : (instruction.args.empty() ? "" : " " + instruction.args[0]);
    }
    report_started(title);
    ++result_.steps;

    std::string key = cache_key({state.image_id, step.text, step.sources_digest, ""});
    if (!options_.no_cache)
      if (auto hit = cache_lookup(store_, index_, key)) {
        load_state(state, *hit);
        if (c == "cmd") state.cmd_set = true;
        ++result_.cached_steps;
        report_cached();
        return;
      }
    auto started = std::chrono::steady_clock::now();
    try {
      if (c == "copy" || c == "add") {
        StagingDir staging(store_.tmp_dir(), "build-");
        std::string upper = staging.path() + "/upper";
        make_dirs(upper, 0755);
        run_copy(state, ImageView(layer_dirs(state)), copy, upper);
        SnapshotOptions snapshot_options;
        snapshot_options.source_date_epoch = options_.source_date_epoch;
        LayerInfo layer = snapshot_directory(store_, upper, snapshot_options);
        commit(state, step.text, false, layer, key);
      } else if (c == "run") {
        LayerInfo layer =
            run_command(state, instruction, step.words, heredoc_script, network, mounts);
        commit(state, step.text, false, layer, key);
      } else {
        apply_metadata_step(state, instruction, step);
        commit(state, step.text, true, {}, key);
      }
    } catch (const UserError& e) {
      std::string what = e.what();
      if (what.rfind(dockerfile_.file_name + ":", 0) == 0) throw;
      fail(instruction, what);
    }
    report_done(started);
  }

  // RUN: the command runs in the sandbox on a union of the stage's layers and a fresh upper
  // directory, which then becomes the step's layer.
  LayerInfo run_command(StageState& state, const Instruction& instruction,
                        const std::vector<std::string>& argv, const std::string& heredoc_script,
                        const std::string& network, const std::vector<RunMount>& mounts) {
    StagingDir staging(store_.tmp_dir(), "run-");
    sandbox::SandboxSpec spec;
    spec.root_dir = staging.path() + "/root";
    spec.root_union.lower_dirs = layer_dirs(state);
    spec.root_union.upper_dir = staging.path() + "/upper";
    spec.root_union.work_dir = staging.path() + "/work";
    for (const auto& dir : {spec.root_dir, spec.root_union.upper_dir, spec.root_union.work_dir})
      make_dirs(dir, 0755);
    if (spec.root_union.lower_dirs.empty())
      fail(instruction, "RUN needs a base image with a shell (this stage is FROM scratch)");
    spec.argv = argv;
    spec.network = network == "none" ? sandbox::Network::None : sandbox::Network::Host;
    if (!heredoc_script.empty()) {
      std::string script = staging.path() + "/heredoc";
      write_file_atomic(script, heredoc_script);
      spec.binds.push_back({script, kHeredocScriptPath, true});
    }
    for (const auto& mount : mounts) add_run_mount(spec, mount, staging.path());
    const auto& runtime = state.runtime();
    if (runtime.contains("Env") && runtime["Env"].is_array())
      spec.env = runtime["Env"].get<std::vector<std::string>>();
    for (const auto& [name, value] : state.args) spec.env.push_back(name + "=" + value);
    spec.workdir = state.workdir();
    spec.user = runtime.value("User", "");
    std::unique_ptr<OutputRelay> output;
    if (options_.progress && options_.progress->captures_output()) {
      output = std::make_unique<OutputRelay>(
          [progress = options_.progress, number = step_number_](std::string_view bytes) {
            progress->step_output(number, bytes);
          });
      spec.stdout_fd = spec.stderr_fd = output->write_fd();
    }
    int status = run_unlocked(spec);
    if (output) output->finish();
    if (status != 0) {
      std::string command;
      for (const auto& word : argv) command += (command.empty() ? "" : " ") + word;
      fail(instruction, "process \"" + command + "\" did not complete successfully: exit code: " +
                            std::to_string(status));
    }
    fuse::complete_metacopies(spec.root_union.upper_dir, spec.root_union.lower_dirs);
    SnapshotOptions snapshot_options;
    snapshot_options.source_date_epoch = options_.source_date_epoch;
    return snapshot_directory(store_, spec.root_union.upper_dir, snapshot_options);
  }

  // RUN --mount: a cache directory kept in the store across builds, a read-only view of the
  // context (a throw-away copy with rw), or a tmpfs. Only the target directory enters the layer.
  void add_run_mount(sandbox::SandboxSpec& spec, const RunMount& mount,
                     const std::string& staging) {
    switch (mount.type) {
      case RunMount::Type::Cache: {
        std::string dir = store_.root() + "/cache-mounts/" + sha256_hex(mount.id).substr(0, 32);
        make_dirs(store_.root() + "/cache-mounts", 0700);
        if (::mkdir(dir.c_str(), mount.mode) != 0 && errno != EEXIST) throw_errno("mkdir " + dir);
        spec.binds.push_back({dir, mount.target, mount.read_only});
        break;
      }
      case RunMount::Type::Bind: {
        std::string source = context_source(mount.source);
        if (!mount.read_only) {
          std::string copy = staging + "/bind-" + std::to_string(spec.binds.size());
          if (run_and_wait({"cp", "-a", "--", source, copy}) != 0)
            throw UserError("cannot copy " + mount.source + " for a read-write bind mount");
          source = copy;
        }
        spec.binds.push_back({source, mount.target, mount.read_only});
        break;
      }
      case RunMount::Type::Tmpfs:
        spec.tmpfs.push_back({mount.target, mount.size});
        break;
    }
  }

  // A path of the build context, which must not lead outside it (through ".." or a symlink).
  std::string context_source(const std::string& relative) const {
    std::string root = real_path(options_.context_dir);
    std::string path = real_path(options_.context_dir + "/" + (relative.empty() ? "." : relative));
    if (path != root && path.rfind(root + "/", 0) != 0)
      throw UserError("bind mount source " + relative + " is outside the build context");
    return path;
  }

  std::string created_time() const {
    return options_.source_date_epoch ? rfc3339_of(*options_.source_date_epoch) : now_rfc3339();
  }

  // --squash: the layers the stage's steps added become one layer over its base image. The
  // result is cached under the unsquashed image, whose steps stay cached as usual.
  void squash(StageState& state) {
    if (state.layers.size() <= state.base_layers) return;  // nothing added: nothing to merge
    std::vector<std::string> added;
    for (size_t i = state.base_layers; i < state.layers.size(); ++i)
      added.push_back(store_.layer_diff_path(state.layers[i].diff_id));
    std::string title = "[stage " + std::to_string(state.index) + "] squash " +
                        std::to_string(added.size()) + " layers";
    ++step_number_;
    report_started(title);
    std::string key = cache_key({state.image_id, "squash", "", ""});
    if (!options_.no_cache)
      if (auto hit = cache_lookup(store_, index_, key)) {
        load_state(state, *hit);
        report_cached();
        return;
      }
    auto started = std::chrono::steady_clock::now();
    StageState base;
    base.layers.assign(state.layers.begin(),
                       state.layers.begin() + static_cast<std::ptrdiff_t>(state.base_layers));
    StagingDir staging(store_.tmp_dir(), "squash-");
    std::string merged = staging.path() + "/merged";
    make_dirs(merged, 0755);
    squash_layers(added, ImageView(layer_dirs(base)), merged);
    SnapshotOptions snapshot_options;
    snapshot_options.source_date_epoch = options_.source_date_epoch;
    LayerInfo layer = snapshot_directory(store_, merged, snapshot_options);

    state.layers = base.layers;
    auto& diff_ids = state.config["rootfs"]["diff_ids"];
    diff_ids.erase(diff_ids.begin() + static_cast<std::ptrdiff_t>(state.base_layers),
                   diff_ids.end());
    std::string from = state.base_image_id.empty() ? "scratch" : state.base_image_id;
    mark_history_squashed(state.config, state.base_history, created_time(),
                          "merge " + from + " to " + state.image_id);
    commit(state, "", false, layer, key);
    report_done(started);
  }

  void report_done(std::chrono::steady_clock::time_point started) const {
    double seconds =
        std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
    if (options_.progress) options_.progress->step_done(step_number_, seconds);
  }

  // Registers the state's config (plus the new layer) as an image whose parent is the previous.
  void commit(StageState& state, const std::string& created_by, bool empty_layer,
              const LayerInfo& layer, const std::string& key) {
    std::string created = created_time();
    state.config["created"] = created;
    if (!empty_layer) {
      state.layers.push_back(layer);
      state.config["rootfs"]["diff_ids"].push_back(layer.diff_id);
    }
    if (!created_by.empty()) {
      nlohmann::json history = {
          {"created", created}, {"created_by", created_by}, {"comment", "buildkit.dockerfile.v0"}};
      if (empty_layer) history["empty_layer"] = true;
      state.config["history"].push_back(history);
    }
    NewImage image{state.config, {}, state.layers, state.image_id, {}, {}, {}};
    state.image_id = register_image(store_, index_, image);
    if (!key.empty()) cache_record(store_, key, state.image_id);
  }

  const Store& store_;
  const BuildOptions& options_;
  Dockerfile dockerfile_;
  std::vector<StageDefinition> stages_;
  std::vector<StageState> states_;
  Variables meta_args_;
  std::set<std::string> used_args_;
  std::unique_ptr<FileLock> lock_;
  ImageIndex index_;
  std::unique_ptr<ContextTree> context_;
  BuildResult result_;
  int step_number_ = 0;
};

}  // namespace

BuildResult build_image(const Store& store, const BuildOptions& options) {
  return Builder(store, options).run();
}

}  // namespace layerfs::builder
