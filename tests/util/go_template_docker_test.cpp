// Differential test against the real thing: the docker CLI renders --format with Go's
// text/template, even without a daemon. Each case runs through docker and through GoTemplate
// over the same data, and the outputs must match byte for byte. Skipped without a docker CLI.
#include <fcntl.h>
#include <gtest/gtest.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdlib>
#include <string>
#include <vector>

#include "util/error.h"
#include "util/fs.h"
#include "util/go_template.h"
#include "util/unique_fd.h"

namespace layerfs {
namespace {

using nlohmann::json;

// Finds an executable in PATH.
std::string find_program(const std::string& name) {
  const char* path = std::getenv("PATH");
  std::string dirs = path ? path : "/usr/bin:/bin";
  size_t start = 0;
  while (start <= dirs.size()) {
    size_t end = dirs.find(':', start);
    std::string dir = dirs.substr(start, end == std::string::npos ? end : end - start);
    std::string candidate = (dir.empty() ? "." : dir) + "/" + name;
    if (::access(candidate.c_str(), X_OK) == 0) return candidate;
    if (end == std::string::npos) break;
    start = end + 1;
  }
  return "";
}

class DockerOracle : public ::testing::Test {
 protected:
  void SetUp() override {
    docker_ = find_program("docker");
    if (docker_.empty()) GTEST_SKIP() << "no docker CLI to compare with";
    config_dir_ = make_temp_dir("/tmp", "layerfs-docker-oracle-");
  }
  void TearDown() override {
    if (!config_dir_.empty()) remove_tree(config_dir_);
  }

  // Runs `docker ARGS...` with an empty configuration and no daemon; returns stdout, followed by
  // stderr when with_stderr (where docker's formatter reports errors). DOCKER_HOST points
  // nowhere only for commands that would contact the daemon: context ls warns about it.
  std::string docker(const std::vector<std::string>& args, bool with_stderr = false) {
    int out[2];
    if (::pipe2(out, O_CLOEXEC) != 0) throw_errno("pipe");
    UniqueFd read_end(out[0]);
    pid_t pid = ::fork();
    if (pid < 0) throw_errno("fork");
    if (pid == 0) {
      ::dup2(out[1], STDOUT_FILENO);
      if (with_stderr) {
        ::dup2(out[1], STDERR_FILENO);
      } else {
        ::dup2(::open("/dev/null", O_WRONLY), STDERR_FILENO);
      }
      ::setenv("DOCKER_CONFIG", config_dir_.c_str(), 1);
      if (with_stderr) {
        ::unsetenv("DOCKER_HOST");
      } else {
        ::setenv("DOCKER_HOST", "unix:///nonexistent/layerfs-oracle.sock", 1);
      }
      ::unsetenv("DOCKER_CONTEXT");
      ::alarm(30);  // never hang the test run
      std::vector<char*> argv{docker_.data()};
      for (const auto& arg : args) argv.push_back(const_cast<char*>(arg.c_str()));
      argv.push_back(nullptr);
      ::execv(docker_.c_str(), argv.data());
      ::_exit(127);
    }
    ::close(out[1]);
    std::string output;
    char buf[4096];
    ssize_t n;
    while ((n = retry_eintr([&] { return ::read(read_end.get(), buf, sizeof buf); })) > 0) {
      output.append(buf, n);
    }
    int status = 0;
    retry_eintr([&] { return ::waitpid(pid, &status, 0); });
    return output;
  }

  std::string docker_;
  std::string config_dir_;
};

// Expressions over `docker version` data (docker version uses Go templates as they are).
TEST_F(DockerOracle, VersionTemplatesMatchGo) {
  std::string data = docker({"version", "--format", "{{json .}}"});
  ASSERT_FALSE(data.empty()) << "docker version printed nothing";
  json value = json::parse(data);
  const std::vector<std::string> cases = {
      "{{.Client.Version}} {{.Client.Os}}/{{.Client.Arch}}",
      "{{printf \"%v|%5.1f|%v|%v|%v\" 1e6 3.14159 1234567.0 0.00001 123456.0}}",
      "{{printf \"%s|%d|%q|%x|%X|%o|%b|%c|%t|%U|%T\" \"abc\" 42 \"a\\\"b\\n\" 255 255 8 5 65 true "
      "65 "
      "1.5}}",
      "{{printf \"[%5s][%-5s][%.2s][%5d][%-4d][%+d][%05d][% d]\" \"ab\" \"ab\" \"abcdef\" 42 7 7 "
      "-42 "
      "5}}",
      "{{printf \"[%6.2f][%.0f][%e][%g][%G][%8.3f][%.3d]\" 1.0 2.5 1234.5678 1e6 1e-7 -3.14159 7}}",
      "{{printf \"%d\" \"abc\"}} {{printf \"%s\" 5}} {{printf \"%d %s\" 1}} {{printf \"a\" 1 "
      "\"x\"}}",
      "{{printf \"%d\" 1.5}} {{printf \"%f\" 5}} {{printf \"%s\" true}} {{printf \"%s\" nil}} "
      "{{printf \"%v\" nil}}",
      "{{printf \"%#x %#o %x %q %*d|%-*d|\" 255 8 \"hi\" 65 5 42 4 1}}",
      "{{printf \"%x\" -255}} {{printf \"%+.2e\" 12345.678}} {{printf \"%08.3f\" -3.5}}",
      "{{split \"a,b,c\" \",\"}} {{json (split \"a,b\" \",\")}} {{split \"\" \",\"}} {{split "
      "\"ab\" "
      "\"\"}}",
      "{{join (split \"a,b\" \",\") \"-\"}} {{upper \"abc\"}} {{lower \"ABC\"}} {{title \"hello "
      "wide-world o'neil x_y 3rd\"}}",
      "[{{pad \"x\" 2 1}}][{{pad \"\" 2 1}}] {{truncate \"abcdef\" 3}} {{truncate \"ab\" 5}}",
      "{{print 1 2 \"a\" 3 \"b\" \"c\" true false}} {{println 1 \"a\"}}",
      "{{eq 1 1}} {{eq 1 2 3 1}} {{ne \"a\" \"b\"}} {{lt 1 2}} {{le 2 2}} {{gt \"b\" \"a\"}} {{ge "
      "1.5 "
      "2.5}}",
      "{{and 1 0 2}} {{and 1 2}} {{or 0 \"\" \"x\"}} {{or 0 \"\"}} {{not 0}} {{not \"a\"}}",
      "{{len \"h\xc3\xa9llo\"}} {{index \"abc\" 1}} {{index (split \"a,b\" \",\") 1}}",
      "{{range $i, $e := split \"a,b,c\" \",\"}}{{$i}}={{$e}};{{end}}",
      "{{range split \"a,b,c\" \",\"}}{{if eq . \"b\"}}{{continue}}{{end}}{{.}}{{end}}|{{range "
      "split \"a,b\" \",\"}}{{.}}{{break}}{{end}}",
      "{{range 3}}{{.}}{{end}} {{with .Client.Os}}{{.}}{{else}}none{{end}} {{with "
      "\"\"}}x{{else}}none{{end}}",
      "{{$x := 1}}{{$x}}{{$x = \"two\"}} {{$x}} {{json .Client.Os}} {{.Client.Os | json}}",
      "{{`a\\tb`}}|{{'x'}}|{{0x1F}}|{{017}}|{{0o17}}|{{0b101}}|{{1_000}}|{{-4}}|{{1e3}}|{{.5}}",
      "a  {{- .Client.Os -}}  b {{/* c */}} c {{- /* d */ -}} d",
      "{{printf \"%v %q %5v|\" (split \"a b\" \" \") (split \"a b\" \" \") (split \"a b\" \" \")}}",
      "{{printf \"%6.2v|%.3v|%10.4g|\" 3.14159 3.14159 3.14159}} {{printf \"%c %q\" 26085 "
      "\"\xc3\xa9\\x01\"}}",
  };
  for (const auto& format : cases) {
    std::string expected = docker({"version", "--format", format});
    ASSERT_FALSE(expected.empty()) << format;
    EXPECT_EQ(GoTemplate::parse_raw(format).render(value) + "\n", expected) << format;
  }
}

// Listings, table alignment and error messages through docker's formatter (docker context ls).
TEST_F(DockerOracle, ListingsAndErrorsMatchDockerFormatter) {
  std::string row = docker({"context", "ls", "--format", "{{json .}}"}, true);
  ASSERT_FALSE(row.empty()) << "docker context ls printed nothing";
  std::vector<json> rows = {json::parse(row)};
  const std::map<std::string, std::string> headers = {{"Name", "NAME"},
                                                      {"Description", "DESCRIPTION"},
                                                      {"DockerEndpoint", "DOCKER ENDPOINT"},
                                                      {"Error", "ERROR"}};
  const std::vector<std::string> cases = {
      "table {{.Name}}\\t{{.Description}}\\t{{.DockerEndpoint}}",
      "table {{.Name | upper}}\\t{{.Description | printf \"%.3s\"}}\\t{{pad .Name 1 1}}",
      "table {{.Name}}\\t\\t{{.Error}}|",
      "{{.Name}}\\t{{.Current}}",
      "  {{.Name}}  ",
      "{{json .Name}}\\n{{.Current}}",
      "{{.Name.Foo}}",
      "{{ .Name.Foo }}",
      "{{$x := .}}{{$x.Name.Foo}}",
      "{{foo .Name}}",
      "{{if .Name}}",
      "{{.Name",
      "{{index .Name 5}}",
      "{{range .Name}}{{end}}",
      "{{upper .Current}}",
      "{{upper 5}}",
      "{{printf}}",
      "{{len 5}}",
      "{{.Name 1}}",
      "{{nil}}",
      "{{$x}}",
      "{{end}}",
      "{{}}",
      "{{\"abc}}",
      "{{@}}",
      "{{ .Name @}}",
      "{{lt .Name 1}}",
      "{{eq .Name 1}}",
      "{{index .Name \"x\"}}",
      "{{truncate .Name -1}}",
      "{{range $i, $v, $w := .Name}}{{end}}",
      "{{break}}",
      "{{else}}",
      "{{end 1}}",
      "{{if 1}}{{else \"abcdefghijkl\"}}{{end}}",
      "{{if}}{{end}}",
      "{{with $x := .Name}}{{$x}}{{end}}",
      "{{range $i, $c := split .Name \"-\"}}{{$i}}{{$c}}{{end}}",
      "{{.Name | printf \"%s-%s\" \"a\"}}",
      "{{1 | .Name}}",
  };
  for (const auto& format : cases) {
    std::string expected = docker({"context", "ls", "--format", format}, true);
    std::string actual;
    try {
      actual = render_listing(GoTemplate::parse(format), rows, headers);
    } catch (const UserError& error) {
      actual = std::string(error.what()) + "\n";
    }
    EXPECT_EQ(actual, expected) << format;
  }
}

}  // namespace
}  // namespace layerfs
