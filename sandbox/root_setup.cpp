#include "sandbox/root_setup.h"

#include <fcntl.h>
#include <linux/mount.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <optional>
#include <vector>

#include "util/error.h"
#include "util/fs.h"
#include "util/unique_fd.h"

namespace layerfs::sandbox {

namespace {

void mount_or_throw(const char* source, const std::string& target, const char* type,
                    unsigned long flags, const char* data = nullptr) {
  if (::mount(source, target.c_str(), type, flags, data) != 0)
    throw_errno(std::string("mount ") + (type ? type : source ? source : "") + " on " + target);
}

// Makes `path` (inside the new root) exist as a directory or an empty file to mount onto.
void make_mount_target(const std::string& path, bool directory) {
  struct stat st;
  if (::lstat(path.c_str(), &st) == 0) return;
  make_dirs(dirname_of(path));
  if (directory) {
    make_dirs(path);
  } else {
    int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0644);
    if (fd < 0) throw_errno("create " + path);
    ::close(fd);
  }
}

// Read-only remount of a bind mount, keeping the flags the kernel locked on it (nosuid, nodev,
// noexec) or the remount is refused in a user namespace.
void remount_read_only(const std::string& target) {
  struct statvfs vfs;
  if (::statvfs(target.c_str(), &vfs) != 0) throw_errno("statvfs " + target);
  unsigned long flags = MS_BIND | MS_REMOUNT | MS_RDONLY;
  if (vfs.f_flag & ST_NOSUID) flags |= MS_NOSUID;
  if (vfs.f_flag & ST_NODEV) flags |= MS_NODEV;
  if (vfs.f_flag & ST_NOEXEC) flags |= MS_NOEXEC;
  if (vfs.f_flag & ST_NOATIME) flags |= MS_NOATIME;
  if (vfs.f_flag & ST_NODIRATIME) flags |= MS_NODIRATIME;
  if (vfs.f_flag & ST_RELATIME) flags |= MS_RELATIME;
  mount_or_throw(nullptr, target, nullptr, flags);
}

// A detached copy of a host mount (open_tree), made before pivot_root and attached afterwards:
// every mount *target* is then resolved inside the new root, so a symlink in the image cannot
// point a mount at the host's files. (A plain bind from an O_PATH fd fails once the old root
// is detached: its mounts are no longer in our namespace.)
struct HostSource {
  UniqueFd tree;
  bool directory = false;
};

HostSource open_host_source(const std::string& path) {
  struct stat st;
  if (::stat(path.c_str(), &st) != 0) throw_errno("bind source " + path);
  int fd = static_cast<int>(::syscall(SYS_open_tree, AT_FDCWD, path.c_str(),
                                      OPEN_TREE_CLONE | OPEN_TREE_CLOEXEC | AT_RECURSIVE));
  if (fd < 0) throw_errno("bind source " + path);
  return HostSource{UniqueFd(fd), S_ISDIR(st.st_mode)};
}

void bind_mount(const HostSource& source, const std::string& target, bool read_only) {
  make_mount_target(target, source.directory);
  if (::syscall(SYS_move_mount, source.tree.get(), "", AT_FDCWD, target.c_str(),
                MOVE_MOUNT_F_EMPTY_PATH) != 0)
    throw_errno("bind mount on " + target);
  if (read_only) remount_read_only(target);
}

// A directory of the new root to mount a fresh proc or sysfs on (before pivot_root: the kernel
// allows those only where one is already visible). A symlink there would lead outside: refused.
std::string real_directory_in(const std::string& root, const std::string& name) {
  std::string path = root + "/" + name;
  make_mount_target(path, true);
  struct stat st;
  if (::lstat(path.c_str(), &st) != 0 || !S_ISDIR(st.st_mode))
    throw UserError("/" + name + " in the container's image is not a directory");
  return path;
}

const char* const kDeviceNodes[] = {"null", "zero", "full", "random", "urandom", "tty"};

void setup_dev(const std::vector<HostSource>& nodes) {
  make_mount_target("/dev", true);
  mount_or_throw("tmpfs", "/dev", "tmpfs", MS_NOSUID | MS_STRICTATIME, "mode=755,size=65536k");
  // mknod is not allowed in a user namespace: bind the host's nodes instead (as rootless
  // runtimes do); they are the harmless ones.
  for (size_t i = 0; i < nodes.size(); ++i)
    bind_mount(nodes[i], std::string("/dev/") + kDeviceNodes[i], false);
  make_mount_target("/dev/pts", true);
  mount_or_throw("devpts", "/dev/pts", "devpts", MS_NOSUID | MS_NOEXEC,
                 "newinstance,ptmxmode=0666,mode=0620");
  make_mount_target("/dev/shm", true);
  mount_or_throw("shm", "/dev/shm", "tmpfs", MS_NOSUID | MS_NODEV | MS_NOEXEC,
                 "mode=1777,size=65536k");
  const std::pair<const char*, const char*> links[] = {{"pts/ptmx", "/dev/ptmx"},
                                                       {"/proc/self/fd", "/dev/fd"},
                                                       {"/proc/self/fd/0", "/dev/stdin"},
                                                       {"/proc/self/fd/1", "/dev/stdout"},
                                                       {"/proc/self/fd/2", "/dev/stderr"}};
  for (const auto& [target, name] : links)
    if (::symlink(target, name) != 0) throw_errno(std::string("symlink ") + name);
}

void pivot_into(const std::string& root) {
  if (::chdir(root.c_str()) != 0) throw_errno("chdir " + root);
  // pivot_root(".", ".") stacks the old root on top of the new one; detaching it leaves only
  // the new root: no path leads back to the host's files.
  if (::syscall(SYS_pivot_root, ".", ".") != 0) throw_errno("pivot_root " + root);
  if (::umount2(".", MNT_DETACH) != 0) throw_errno("detach the old root");
  if (::chdir("/") != 0) throw_errno("chdir /");
}

}  // namespace

void enter_container_root(const SandboxSpec& spec) {
  const std::string& root = spec.root_dir;
  mount_or_throw(nullptr, "/", nullptr, MS_REC | MS_PRIVATE);
  if (spec.root_union.lower_dirs.empty())
    mount_or_throw(root.c_str(), root, nullptr, MS_BIND | MS_REC);

  std::vector<HostSource> nodes;
  for (const char* node : kDeviceNodes)
    nodes.push_back(open_host_source(std::string("/dev/") + node));
  std::vector<HostSource> binds;
  for (const auto& b : spec.binds) binds.push_back(open_host_source(b.source));
  // A fresh sysfs needs a network namespace of our own; with the host's network, the host's
  // /sys is bound read-only instead.
  std::optional<HostSource> host_sys;
  if (spec.network == Network::Host) host_sys = open_host_source("/sys");

  mount_or_throw("proc", real_directory_in(root, "proc"), "proc", MS_NOSUID | MS_NODEV | MS_NOEXEC);
  if (!host_sys)
    mount_or_throw("sysfs", real_directory_in(root, "sys"), "sysfs",
                   MS_RDONLY | MS_NOSUID | MS_NODEV | MS_NOEXEC);
  pivot_into(root);

  setup_dev(nodes);
  if (host_sys) bind_mount(*host_sys, "/sys", true);
  for (size_t i = 0; i < binds.size(); ++i) {
    std::string target = absolute_path("/" + spec.binds[i].target);
    bind_mount(binds[i], target, spec.binds[i].read_only);
  }
  for (const auto& tmpfs : spec.tmpfs) {
    std::string target = absolute_path("/" + tmpfs.target);
    make_mount_target(target, true);
    std::string options = "mode=755" + (tmpfs.size.empty() ? "" : ",size=" + tmpfs.size);
    mount_or_throw("tmpfs", target, "tmpfs", MS_NOSUID | MS_NODEV, options.c_str());
  }
  if (spec.read_only_root) remount_read_only("/");
}

}  // namespace layerfs::sandbox
