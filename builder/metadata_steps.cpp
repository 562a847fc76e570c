#include "builder/metadata_steps.h"

#include <cmath>
#include <set>

#include "builder/image_view.h"
#include "util/error.h"

namespace layerfs::builder {

namespace {

// Shell form runs through SHELL; exec form stays as written.
nlohmann::json command_of(const StageState& state, const Instruction& instruction) {
  if (instruction.json) return instruction.args;
  auto command = state.shell();
  if (!instruction.args.empty()) command.push_back(instruction.args[0]);
  return command;
}

void apply_healthcheck(StageState& state, const Instruction& instruction) {
  auto& runtime = state.runtime();
  if (instruction.args.empty()) throw UserError("HEALTHCHECK requires an argument");
  std::string type = instruction.args[0];
  for (auto& c : type) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  if (type == "NONE") {
    if (instruction.args.size() > 1 || !instruction.flags.empty())
      throw UserError("HEALTHCHECK NONE takes no other arguments");
    runtime["Healthcheck"] = {{"Test", {"NONE"}}};
    return;
  }
  if (type != "CMD") throw UserError("Unknown type \"" + type + "\" in HEALTHCHECK (try CMD)");
  if (instruction.args.size() < 2) throw UserError("Missing command after HEALTHCHECK CMD");
  nlohmann::json health = nlohmann::json::object();
  nlohmann::json test =
      instruction.json ? nlohmann::json::array({"CMD"}) : nlohmann::json::array({"CMD-SHELL"});
  for (size_t i = 1; i < instruction.args.size(); ++i) test.push_back(instruction.args[i]);
  health["Test"] = test;
  for (const auto& flag : instruction.flags) {
    auto eq = flag.find('=');
    std::string name = flag.substr(2, eq == std::string::npos ? std::string::npos : eq - 2);
    std::string value = eq == std::string::npos ? "" : flag.substr(eq + 1);
    if (name == "interval")
      health["Interval"] = parse_go_duration(value);
    else if (name == "timeout")
      health["Timeout"] = parse_go_duration(value);
    else if (name == "start-period")
      health["StartPeriod"] = parse_go_duration(value);
    else if (name == "start-interval")
      health["StartInterval"] = parse_go_duration(value);
    else if (name == "retries") {
      try {
        health["Retries"] = std::stoi(value);
      } catch (const std::exception&) {
        throw UserError("HEALTHCHECK --retries: \"" + value + "\" is not a number");
      }
    } else {
      throw UserError("HEALTHCHECK: unknown flag --" + name);
    }
  }
  runtime["Healthcheck"] = health;
}

void add_ports(nlohmann::json& runtime, const std::vector<std::string>& words) {
  for (const auto& word : words) {
    std::string port = word, proto = "tcp";
    if (auto slash = word.find('/'); slash != std::string::npos) {
      port = word.substr(0, slash);
      proto = word.substr(slash + 1);
      for (auto& c : proto) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    }
    if (proto != "tcp" && proto != "udp" && proto != "sctp")
      throw UserError("EXPOSE " + word + ": invalid protocol \"" + proto + "\"");
    auto dash = port.find('-');
    try {
      int first = std::stoi(port.substr(0, dash));
      int last = dash == std::string::npos ? first : std::stoi(port.substr(dash + 1));
      if (first < 0 || last > 65535 || last < first) throw std::out_of_range("port");
      for (int p = first; p <= last; ++p)
        runtime["ExposedPorts"][std::to_string(p) + "/" + proto] = nlohmann::json::object();
    } catch (const std::logic_error&) {
      throw UserError("EXPOSE: invalid port \"" + word + "\"");
    }
  }
}

}  // namespace

bool is_metadata_instruction(const std::string& c) {
  static const std::set<std::string> kMetadata = {
      "env",        "label", "user",       "workdir",    "expose",      "volume", "cmd",
      "entrypoint", "shell", "stopsignal", "maintainer", "healthcheck", "onbuild"};
  return kMetadata.count(c) > 0;
}

int64_t parse_go_duration(const std::string& text) {
  if (text.empty()) throw UserError("invalid duration \"\"");
  static const std::pair<const char*, double> kUnits[] = {
      {"ns", 1}, {"us", 1e3}, {"µs", 1e3}, {"ms", 1e6}, {"s", 1e9}, {"m", 60e9}, {"h", 3600e9}};
  double total = 0;
  size_t i = 0;
  if (text == "0") return 0;
  while (i < text.size()) {
    size_t start = i;
    while (i < text.size() && (std::isdigit(static_cast<unsigned char>(text[i])) || text[i] == '.'))
      ++i;
    if (start == i) throw UserError("invalid duration \"" + text + "\"");
    double number = std::stod(text.substr(start, i - start));
    bool matched = false;
    for (const auto& [unit, scale] : kUnits) {
      std::string_view u(unit);
      if (text.compare(i, u.size(), u) == 0 && !(u == "m" && text.compare(i, 2, "ms") == 0)) {
        total += number * scale;
        i += u.size();
        matched = true;
        break;
      }
    }
    if (!matched) throw UserError("invalid duration \"" + text + "\"");
  }
  return static_cast<int64_t>(std::llround(total));
}

void apply_metadata_step(StageState& state, const Instruction& instruction,
                         const ExpandedStep& step) {
  auto& runtime = state.runtime();
  const auto& c = instruction.command;
  const auto& words = step.words;
  auto need_argument = [&] {
    if (words.empty()) throw UserError(instruction.keyword + " requires at least one argument");
  };
  if (c == "env") {
    for (size_t i = 0; i + 1 < words.size(); i += 2) set_env(runtime, words[i], words[i + 1]);
  } else if (c == "label") {
    for (size_t i = 0; i + 1 < words.size(); i += 2) runtime["Labels"][words[i]] = words[i + 1];
  } else if (c == "user") {
    need_argument();
    runtime["User"] = words[0];
  } else if (c == "workdir") {
    need_argument();
    std::string dir = words[0];
    if (dir.empty() || dir[0] != '/') dir = state.workdir() + "/" + dir;
    runtime["WorkingDir"] = clean_image_path(dir);
  } else if (c == "expose") {
    need_argument();
    add_ports(runtime, words);
  } else if (c == "volume") {
    need_argument();
    for (const auto& v : words) {
      if (v.empty()) throw UserError("VOLUME specified can not be an empty string");
      runtime["Volumes"][v] = nlohmann::json::object();
    }
  } else if (c == "cmd") {
    runtime["Cmd"] = command_of(state, instruction);
    state.cmd_set = true;
  } else if (c == "entrypoint") {
    runtime["Entrypoint"] = command_of(state, instruction);
    if (!state.cmd_set) runtime["Cmd"] = nullptr;
  } else if (c == "shell") {
    if (!instruction.json || instruction.args.empty())
      throw UserError("SHELL requires the arguments to be in JSON form");
    runtime["Shell"] = instruction.args;
  } else if (c == "stopsignal") {
    need_argument();
    runtime["StopSignal"] = words[0];
  } else if (c == "maintainer") {
    need_argument();
    state.config["author"] = words[0];
  } else if (c == "healthcheck") {
    apply_healthcheck(state, instruction);
  } else if (c == "onbuild") {
    if (!instruction.trigger) throw UserError("ONBUILD requires at least one argument");
    const auto& t = instruction.trigger->command;
    if (t == "onbuild") throw UserError("Chaining ONBUILD via `ONBUILD ONBUILD` isn't allowed");
    if (t == "from" || t == "maintainer")
      throw UserError(instruction.trigger->keyword + " isn't allowed as an ONBUILD trigger");
    runtime["OnBuild"].push_back(instruction.trigger->original);
  }
}

}  // namespace layerfs::builder
