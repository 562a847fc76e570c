// docker's registry commands: login, logout, pull, push (and `image pull`, `image push`),
// search.
// Argument parsing and printing only; the work is in registry/.
#include <termios.h>
#include <unistd.h>

#include <cstdlib>
#include <iostream>
#include <memory>

#include "cli/command.h"
#include "layers/reference.h"
#include "layers/store.h"
#include "registry/credentials.h"
#include "registry/login.h"
#include "registry/progress.h"
#include "registry/pull.h"
#include "registry/push.h"
#include "registry/registry_config.h"
#include "registry/search.h"
#include "util/error.h"
#include "util/utf8.h"

namespace layerfs::cli {

namespace {

std::string prompt_line(const std::string& prompt, bool hide) {
  if (!::isatty(STDIN_FILENO))
    throw UserError("cannot prompt for " + prompt + ": stdin is not a terminal");
  std::cerr << prompt << std::flush;
  termios saved{};
  bool restore = hide && ::tcgetattr(STDIN_FILENO, &saved) == 0;
  if (restore) {
    termios quiet = saved;
    quiet.c_lflag &= ~tcflag_t(ECHO);
    ::tcsetattr(STDIN_FILENO, TCSAFLUSH, &quiet);
  }
  std::string line;
  std::getline(std::cin, line);
  if (restore) {
    ::tcsetattr(STDIN_FILENO, TCSAFLUSH, &saved);
    std::cerr << "\n";
  }
  return line;
}

void setup_login(CLI::App& cmd, GlobalOptions& global) {
  struct Opts {
    std::string username, password, server;
    bool password_stdin = false;
  };
  auto o = std::make_shared<Opts>();
  cmd.add_option("SERVER", o->server, "Registry (default docker.io)");
  cmd.add_option("-u,--username", o->username, "Username");
  auto* pass = cmd.add_option("-p,--password", o->password, "Password");
  cmd.add_flag("--password-stdin", o->password_stdin, "Take the password from stdin")
      ->excludes(pass);
  cmd.callback([o, &global] {
    global.run = [o] {
      std::string registry = registry::normalize_registry_name(o->server);
      if (o->password_stdin) {
        if (o->username.empty()) throw UserError("must provide --username with --password-stdin");
        std::getline(std::cin, o->password);
        while (!o->password.empty() && (o->password.back() == '\n' || o->password.back() == '\r'))
          o->password.pop_back();
      } else if (!o->password.empty()) {
        std::cerr << "WARNING! Using --password via the CLI is insecure. Use --password-stdin.\n";
      }
      if (o->username.empty()) o->username = prompt_line("Username: ", false);
      if (o->password.empty()) o->password = prompt_line("Password: ", true);
      if (o->username.empty()) throw UserError("username is empty");
      registry::Credentials credentials{o->username, o->password};
      registry::verify_credentials(registry::RegistryConfig::load(), registry, credentials);
      registry::store_credentials(registry::auth_file_path(), registry, credentials);
      std::cout << "Login Succeeded\n";
      return 0;
    };
  });
}

void setup_logout(CLI::App& cmd, GlobalOptions& global) {
  auto server = std::make_shared<std::string>();
  cmd.add_option("SERVER", *server, "Registry (default docker.io)");
  cmd.callback([server, &global] {
    global.run = [server] {
      std::string registry = registry::normalize_registry_name(*server);
      if (registry::remove_credentials(registry::auth_file_path(), registry))
        std::cout << "Removing login credentials for " << registry::auth_key_for(registry) << "\n";
      else
        std::cout << "Not logged in to " << registry::auth_key_for(registry) << "\n";
      return 0;
    };
  });
}

// Parallel transfers; LAYERFS_MAX_CONCURRENT overrides (docker's max-concurrent-downloads).
// Pulls default to more than pushes: each layer pulled is a pipeline of its own (download,
// inflate, extract), and a layer left to start after the others finish runs alone at the end
// (skopeo pulls 6 at once too).
int concurrency(int default_count) {
  const char* env = std::getenv("LAYERFS_MAX_CONCURRENT");
  int n = env ? std::atoi(env) : 0;
  return n > 0 ? n : default_count;
}
constexpr int kPullConcurrency = 6;
constexpr int kPushConcurrency = 4;

void setup_pull(CLI::App& cmd, GlobalOptions& global) {
  struct Opts {
    std::string name, platform;
    bool all_tags = false, quiet = false;
  };
  auto o = std::make_shared<Opts>();
  cmd.add_option("NAME", o->name, "Image: NAME[:TAG|@DIGEST]")->required();
  cmd.add_flag("-a,--all-tags", o->all_tags, "Download all tagged images in the repository");
  cmd.add_option("--platform", o->platform, "Platform os/arch[/variant] (default linux/amd64)");
  cmd.add_flag("-q,--quiet", o->quiet, "Suppress verbose output");
  cmd.callback([o, &global] {
    global.run = [o, &global] {
      Store store(store_root(global));
      auto config = registry::RegistryConfig::load();
      auto progress = registry::make_progress(std::cout, ::isatty(STDOUT_FILENO), o->quiet);
      registry::PullOptions options{o->platform, concurrency(kPullConcurrency)};
      if (o->all_tags) {
        Reference repo = parse_reference(o->name, false);
        if (!repo.tag.empty() || !repo.digest.empty())
          throw UserError("tag can't be used with --all-tags/-a");
        progress->message("Pulling all tags of " + repo.repository());
        auto results = registry::pull_all_tags(store, config, repo, options, *progress);
        std::cout << repo.repository() << "\n";
        return 0;
      }
      auto result =
          registry::pull_image(store, config, parse_reference(o->name), options, *progress);
      std::cout << result.name << "\n";
      return 0;
    };
  });
}

void setup_push(CLI::App& cmd, GlobalOptions& global) {
  struct Opts {
    std::string name;
    bool quiet = false;
  };
  auto o = std::make_shared<Opts>();
  cmd.add_option("NAME", o->name, "Image: NAME[:TAG]")->required();
  cmd.add_flag("-q,--quiet", o->quiet, "Suppress verbose output");
  cmd.callback([o, &global] {
    global.run = [o, &global] {
      Store store(store_root(global));
      auto progress = registry::make_progress(std::cout, ::isatty(STDOUT_FILENO), o->quiet);
      registry::PushOptions options;
      options.parallel = concurrency(kPushConcurrency);
      // Blobs above this size go up in chunks (LAYERFS_PUSH_CHUNK_SIZE, bytes).
      if (const char* env = std::getenv("LAYERFS_PUSH_CHUNK_SIZE"); env && *env)
        options.chunk_size = std::stoull(env);
      auto result = registry::push_image(store, registry::RegistryConfig::load(), o->name, options,
                                         *progress);
      if (o->quiet) std::cout << result.digest << "\n";
      return 0;
    };
  });
}

void setup_search(CLI::App& cmd, GlobalOptions& global) {
  struct Opts {
    registry::SearchOptions search;
    bool no_trunc = false;
    std::string format;
  };
  auto o = std::make_shared<Opts>();
  cmd.add_option("TERM", o->search.query, "[REGISTRY/]TERM")->required();
  cmd.add_option("--limit", o->search.limit, "Max number of search results")->capture_default_str();
  cmd.add_option("-f,--filter", o->search.filters,
                 "Filter output: stars=N, is-official=true|false, is-automated=true|false");
  cmd.add_flag("--no-trunc", o->no_trunc, "Don't truncate output");
  cmd.add_option("--format", o->format, "Pretty-print search using a Go template");
  cmd.callback([o, &global] {
    global.run = [o] {
      auto results = registry::search_images(registry::RegistryConfig::load(), o->search);
      std::vector<nlohmann::json> rows;
      for (const auto& r : results) {
        std::string description = r.description;
        // docker shows 45 columns of a description: 44 characters and an ellipsis.
        if (!o->no_trunc && code_point_count(description) > 45) {
          size_t end = 0;
          for (int i = 0; i < 44; ++i) next_code_point(description, end);
          description = description.substr(0, end) + "…";
        }
        rows.push_back({{"Name", r.name},
                        {"Description", description},
                        {"StarCount", std::to_string(r.stars)},
                        {"IsOfficial", r.official ? "[OK]" : ""},
                        {"IsAutomated", r.automated ? "[OK]" : ""}});
      }
      print_listing(
          o->format,
          "table {{.Name}}\t{{.Description}}\t{{.StarCount}}\t{{.IsOfficial}}\t{{.IsAutomated}}",
          rows,
          {{"Name", "NAME"},
           {"Description", "DESCRIPTION"},
           {"StarCount", "STARS"},
           {"IsOfficial", "OFFICIAL"},
           {"IsAutomated", "AUTOMATED"}});
      return 0;
    };
  });
}

}  // namespace

void register_registry_commands(CLI::App& app, GlobalOptions& options) {
  add_command(app, "login", "Log in to a registry", options, setup_login);
  add_command(app, "logout", "Log out from a registry", options, setup_logout);
  add_command(app, "pull", "Download an image from a registry", options, setup_pull);
  add_command(app, "push", "Upload an image to a registry", options, setup_push);
  add_command(app, "search", "Search Docker Hub or a registry for images", options, setup_search);
  // `image pull` and `image push`, when the image command group is registered.
  for (CLI::App* image :
       app.get_subcommands([](CLI::App* a) { return a->get_name() == "image"; })) {
    add_command(*image, "pull", "Download an image from a registry", options, setup_pull);
    add_command(*image, "push", "Upload an image to a registry", options, setup_push);
  }
}

}  // namespace layerfs::cli
