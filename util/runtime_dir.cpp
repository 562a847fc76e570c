#include "util/runtime_dir.h"

#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstdlib>

#include "util/error.h"

namespace layerfs {

namespace {

// The user's uid outside any user namespace: a rootless daemon is "root" in its namespace, but
// its /tmp directory must still be its own user's.
uid_t host_uid() {
  uid_t euid = ::geteuid();
  if (FILE* map = std::fopen("/proc/self/uid_map", "r")) {
    unsigned inside = 0, outside = 0, count = 0;
    while (std::fscanf(map, "%u %u %u", &inside, &outside, &count) == 3) {
      if (euid >= inside && euid - inside < count) {
        euid = outside + (euid - inside);
        break;
      }
    }
    std::fclose(map);
  }
  return euid;
}

}  // namespace

// /tmp is shared: the directory there is checked to be ours and private.
std::string user_runtime_dir() {
  const char* runtime = std::getenv("XDG_RUNTIME_DIR");
  struct stat st;
  if (runtime != nullptr && *runtime != '\0' && ::stat(runtime, &st) == 0 &&
      st.st_uid == ::geteuid()) {
    std::string dir = std::string(runtime) + "/layerfs";
    if (::mkdir(dir.c_str(), 0700) == 0 || errno == EEXIST) return dir;
  }
  std::string dir = "/tmp/layerfs-" + std::to_string(host_uid());
  if (::mkdir(dir.c_str(), 0700) != 0 && errno != EEXIST) throw_errno("mkdir " + dir);
  if (::lstat(dir.c_str(), &st) != 0) throw_errno("stat " + dir);
  if (!S_ISDIR(st.st_mode) || st.st_uid != ::geteuid() || (st.st_mode & 077) != 0)
    throw UserError(dir + " is not a private directory of this user");
  return dir;
}

}  // namespace layerfs
