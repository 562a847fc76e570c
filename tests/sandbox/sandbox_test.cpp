// Runs commands in the sandbox over a tiny busybox root (as plain directory and as a union).
#include "sandbox/sandbox.h"

#include <fcntl.h>
#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include "util/fs.h"

namespace layerfs::sandbox {
namespace {

class SandboxTest : public ::testing::Test {
 protected:
  void SetUp() override {
    if (!path_exists("/bin/busybox")) GTEST_SKIP() << "needs a static /bin/busybox";
    dir_ = make_temp_dir("/tmp", "layerfs-sandbox-test-");
    ::chmod(dir_.c_str(), 0755);
    root_ = dir_ + "/root";
    for (const char* sub : {"/bin", "/etc", "/proc", "/sys", "/dev", "/tmp", "/data"})
      make_dirs(root_ + sub);
    std::string copy = "cp /bin/busybox " + root_ + "/bin/busybox";
    ASSERT_EQ(std::system(copy.c_str()), 0);
    for (const char* applet : {"sh", "cat", "id", "ls", "sleep", "hostname", "grep", "echo", "kill",
                               "touch", "test", "true"})
      ASSERT_EQ(::symlink("busybox", (root_ + "/bin/" + applet).c_str()), 0);
    write_file_atomic(root_ + "/etc/passwd", "root:x:0:0:root:/root:/bin/sh\n");
    write_file_atomic(root_ + "/etc/group", "root:x:0:\n");
    write_file_atomic(root_ + "/etc/shadow", "container-shadow\n");
    ASSERT_EQ(::symlink("/etc/shadow", (root_ + "/shadow-link").c_str()), 0);
    out_path_ = dir_ + "/out";
  }
  void TearDown() override {
    if (!dir_.empty()) remove_tree(dir_);
  }

  SandboxSpec spec(std::vector<std::string> argv) {
    SandboxSpec s;
    s.root_dir = root_;
    s.argv = std::move(argv);
    return s;
  }
  // Runs with stdout and stderr in a file; returns the exit status, output in out_.
  int run(SandboxSpec s) {
    int fd = ::open(out_path_.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
    s.stdout_fd = s.stderr_fd = fd;
    int status = run_in_sandbox(s);
    ::close(fd);
    out_ = read_file(out_path_);
    return status;
  }

  std::string dir_, root_, out_path_, out_;
};

TEST_F(SandboxTest, ExitStatusComesBack) {
  EXPECT_EQ(run(spec({"sh", "-c", "exit 7"})), 7);
  EXPECT_EQ(run(spec({"true"})), 0);
}

TEST_F(SandboxTest, CommandNotFoundIs127WithDockersMessage) {
  try {
    run(spec({"no-such-command"}));
    FAIL() << "started";
  } catch (const StartError& e) {
    EXPECT_EQ(e.exit_code(), 127);
    EXPECT_STREQ(e.what(), "exec: \"no-such-command\": executable file not found in $PATH");
  }
}

TEST_F(SandboxTest, SignalGives128PlusN) {
  EXPECT_EQ(run(spec({"sh", "-c", "kill -TERM $$; sleep 5"})), 143);
}

TEST_F(SandboxTest, CommandRunsAsRootUnderAnInitThatReapsZombies) {
  // The subshell exits at once, orphaning its child: pid 1 must reap it.
  auto s = spec({"sh", "-c",
                 "(sh -c 'exit 0' &); sleep 0.5; echo pid=$$ uid=$(id -u); "
                 "cat /proc/[0-9]*/stat | grep -c ') Z '"});
  EXPECT_EQ(run(s), 1) << out_;  // grep -c prints 0 and exits 1 when nothing matched
  EXPECT_EQ(out_, "pid=2 uid=0\n0\n");
}

TEST_F(SandboxTest, HostnameEnvAndWorkdir) {
  auto s = spec({"sh", "-c", "echo $(hostname) $GREETING $(pwd) $HOME"});
  s.hostname = "box";
  s.env = {"GREETING=hi"};
  s.workdir = "/tmp/made/here";
  EXPECT_EQ(run(s), 0);
  EXPECT_EQ(out_, "box hi /tmp/made/here /root\n");
}

TEST_F(SandboxTest, NetworkNoneHasOnlyLoopback) {
  auto s = spec({"ls", "/sys/class/net"});
  s.network = Network::None;
  EXPECT_EQ(run(s), 0);
  EXPECT_EQ(out_, "lo\n");
}

TEST_F(SandboxTest, SymlinkToShadowResolvesInsideTheContainer) {
  EXPECT_EQ(run(spec({"cat", "/shadow-link"})), 0);
  EXPECT_EQ(out_, "container-shadow\n");
}

TEST_F(SandboxTest, BindMountsReadOnlyAndReadWrite) {
  std::string host = dir_ + "/host-data";
  make_dirs(host);
  auto s = spec({"sh", "-c", "touch /rw/new && ! touch /ro/new 2>/dev/null"});
  s.binds = {{host, "/rw", false}, {host, "/ro", true}};
  EXPECT_EQ(run(s), 0) << out_;
  EXPECT_TRUE(path_exists(host + "/new"));
}

TEST_F(SandboxTest, ReadOnlyRoot) {
  auto s = spec({"touch", "/tmp/x"});
  s.read_only_root = true;
  EXPECT_NE(run(s), 0);
  EXPECT_FALSE(path_exists(root_ + "/tmp/x"));
}

TEST_F(SandboxTest, UnionRootKeepsChangesInTheUpperDirectory) {
  std::string mnt = dir_ + "/mnt", upper = dir_ + "/upper", work = dir_ + "/work";
  for (const auto& d : {mnt, upper, work}) make_dirs(d);
  auto s = spec({"sh", "-c", "echo changed > /data/file && cat /etc/passwd"});
  s.root_dir = mnt;
  s.root_union.lower_dirs = {root_};
  s.root_union.upper_dir = upper;
  s.root_union.work_dir = work;
  EXPECT_EQ(run(s), 0) << out_;
  EXPECT_EQ(out_, "root:x:0:0:root:/root:/bin/sh\n");
  EXPECT_EQ(read_file(upper + "/data/file"), "changed\n");
  EXPECT_FALSE(path_exists(root_ + "/data/file"));
  // The mount lived only in the sandbox's namespaces.
  EXPECT_FALSE(path_exists(mnt + "/bin"));
}

}  // namespace
}  // namespace layerfs::sandbox
