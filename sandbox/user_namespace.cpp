#include "sandbox/user_namespace.h"

#include <fcntl.h>
#include <sched.h>
#include <sys/mount.h>
#include <sys/wait.h>
#include <unistd.h>

#include <iostream>

#include "sandbox/id_map.h"
#include "util/error.h"
#include "util/unique_fd.h"

namespace layerfs::sandbox {

int run_in_user_namespace(const std::function<int()>& fn) {
  int unshared[2], mapped[2];
  if (::pipe2(unshared, O_CLOEXEC) != 0 || ::pipe2(mapped, O_CLOEXEC) != 0) throw_errno("pipe");
  UniqueFd unshared_read(unshared[0]), unshared_write(unshared[1]);
  UniqueFd mapped_read(mapped[0]), mapped_write(mapped[1]);
  const bool rootless = ::geteuid() != 0;
  pid_t child = ::fork();
  if (child < 0) throw_errno("fork");
  if (child == 0) {
    int status = 125;
    try {
      char byte = 'u';
      if (::unshare((rootless ? CLONE_NEWUSER : 0) | CLONE_NEWNS) != 0)
        throw_errno("unshare user and mount namespaces");
      if (::write(unshared_write.get(), &byte, 1) != 1) throw_errno("write");
      if (rootless && retry_eintr([&] { return ::read(mapped_read.get(), &byte, 1); }) != 1)
        throw UserError("uid/gid maps were not written");
      if (::mount(nullptr, "/", nullptr, MS_REC | MS_PRIVATE, nullptr) != 0)
        throw_errno("make mounts private");
      status = fn();
    } catch (const std::exception& e) {
      std::cerr << "Error: " << e.what() << "\n";
    }
    std::cout.flush();
    ::_exit(status);
  }
  unshared_write.reset();
  mapped_read.reset();
  char byte;
  bool entered = retry_eintr([&] { return ::read(unshared_read.get(), &byte, 1); }) == 1;
  if (entered && rootless) {
    try {
      write_id_maps(child);
      if (::write(mapped_write.get(), "m", 1) != 1) throw_errno("write");
    } catch (...) {
      mapped_write.reset();
      int ignored = 0;
      retry_eintr([&] { return ::waitpid(child, &ignored, 0); });
      throw;
    }
  }
  mapped_write.reset();
  int status = 0;
  if (retry_eintr([&] { return ::waitpid(child, &status, 0); }) < 0) throw_errno("waitpid");
  return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}

}  // namespace layerfs::sandbox
