// Freezes a small process tree in its own pid namespace, as a running container's would be.
#include "sandbox/container_freeze.h"

#include <fcntl.h>
#include <gtest/gtest.h>
#include <sched.h>
#include <signal.h>
#include <sys/file.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <thread>

#include "sandbox/container.h"
#include "util/fs.h"
#include "util/unique_fd.h"

namespace layerfs::sandbox {
namespace {

char state_of(pid_t pid) {
  auto stat = read_file_if_exists("/proc/" + std::to_string(pid) + "/stat");
  if (!stat) return '?';
  return (*stat)[stat->rfind(')') + 2];
}

bool eventually_in_state(pid_t pid, bool stopped) {
  for (int i = 0; i < 2000; ++i) {
    char state = state_of(pid);
    if ((state == 'T') == stopped) return true;
    std::this_thread::sleep_for(std::chrono::milliseconds(1));
  }
  return false;
}

class ContainerFreezeTest : public ::testing::Test {
 protected:
  // Starts: an init (pid 1 of a new pid namespace), a worker that keeps running, and a worker
  // that stops itself, as a user inside a container might with `kill -STOP`.
  void SetUp() override {
    dir_ = make_temp_dir("/tmp", "layerfs-freeze-test-");
    int fds[2];
    ASSERT_EQ(::pipe2(fds, O_CLOEXEC), 0);
    UniqueFd read_end(fds[0]), write_end(fds[1]);
    starter_ = ::fork();
    ASSERT_GE(starter_, 0);
    if (starter_ == 0) {
      if (::unshare(CLONE_NEWUSER | CLONE_NEWPID) != 0) ::_exit(1);
      pid_t init = ::fork();
      if (init == 0) {
        pid_t pids[2];
        for (int i = 0; i < 2; ++i) {
          pids[i] = ::fork();
          if (pids[i] == 0) {
            if (i == 1) ::raise(SIGSTOP);
            for (;;) ::pause();
          }
        }
        for (;;) ::pause();
      }
      // Host view of the init and, through it, of the workers (listed once they exist).
      if (::write(fds[1], &init, sizeof init) != sizeof init) ::_exit(1);
      ::waitpid(init, nullptr, 0);
      ::_exit(0);
    }
    write_end.reset();
    ASSERT_EQ(::read(read_end.get(), &init_, sizeof init_), static_cast<ssize_t>(sizeof init_));
    auto children = [&] {
      return read_file_if_exists("/proc/" + std::to_string(init_) + "/task/" +
                                 std::to_string(init_) + "/children")
          .value_or("");
    };
    std::string list;
    for (int i = 0; i < 2000; ++i) {
      list = children();
      if (std::ranges::count(list, ' ') >= 2) break;
      std::this_thread::sleep_for(std::chrono::milliseconds(1));
    }
    ASSERT_EQ(std::sscanf(list.c_str(), "%d %d", &running_, &self_stopped_), 2) << list;
    // Which worker stops itself is known by its state, whatever order the list has.
    for (int i = 0; i < 2000 && state_of(running_) != 'T' && state_of(self_stopped_) != 'T'; ++i)
      std::this_thread::sleep_for(std::chrono::milliseconds(1));
    if (state_of(running_) == 'T') std::swap(running_, self_stopped_);
    ASSERT_EQ(state_of(self_stopped_), 'T');

    container_.id = "freeze-test";
    container_.dir = dir_;
    container_.record["State"]["Pid"] = init_;
    lock_ = UniqueFd(::open(container_.lock_path().c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0600));
    ASSERT_EQ(::flock(lock_.get(), LOCK_EX), 0);  // as the container's supervisor holds it
  }

  void TearDown() override {
    if (init_ > 0) ::kill(init_, SIGKILL);
    if (starter_ > 0) ::waitpid(starter_, nullptr, 0);
    if (!dir_.empty()) remove_tree(dir_);
  }

  std::string dir_;
  pid_t starter_ = -1, init_ = -1, running_ = -1, self_stopped_ = -1;
  Container container_;
  UniqueFd lock_;
};

TEST_F(ContainerFreezeTest, StopsEveryProcessAndContinuesOnlyThoseItStopped) {
  {
    FrozenContainer frozen(container_);
    EXPECT_EQ(state_of(init_), 'T');
    EXPECT_EQ(state_of(running_), 'T');
    EXPECT_EQ(state_of(self_stopped_), 'T');
    std::vector<pid_t> stopped = frozen.stopped();
    std::ranges::sort(stopped);
    std::vector<pid_t> expected = {init_, running_};
    std::ranges::sort(expected);
    EXPECT_EQ(stopped, expected);
  }
  EXPECT_TRUE(eventually_in_state(init_, false));
  EXPECT_TRUE(eventually_in_state(running_, false));
  EXPECT_EQ(state_of(self_stopped_), 'T');
}

TEST_F(ContainerFreezeTest, LeavesAContainerWithoutSupervisorAlone) {
  lock_.reset();
  FrozenContainer frozen(container_);
  EXPECT_TRUE(frozen.stopped().empty());
  EXPECT_NE(state_of(running_), 'T');
}

}  // namespace
}  // namespace layerfs::sandbox
