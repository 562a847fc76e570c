#include "sandbox/chown_interceptor.h"

#include <fcntl.h>
#include <linux/audit.h>
#include <linux/filter.h>
#include <linux/magic.h>
#include <linux/seccomp.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <sys/syscall.h>
#include <sys/xattr.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <sstream>
#include <string>
#include <vector>

#include "fuse/chown_request.h"
#include "util/error.h"
#include "util/fs.h"
#include "util/namespace_ids.h"

namespace layerfs::sandbox {

namespace {

#if defined(__x86_64__)
constexpr uint32_t kAuditArch = AUDIT_ARCH_X86_64;
#elif defined(__aarch64__)
constexpr uint32_t kAuditArch = AUDIT_ARCH_AARCH64;
#else
#error "sandbox/chown_interceptor.cpp: add this architecture's AUDIT_ARCH"
#endif

constexpr unsigned kFuseSuperMagic = 0x65735546;
constexpr uint32_t kUnchanged = static_cast<uint32_t>(-1);

bool mapped(const std::vector<IdRange>& ranges, uint32_t id) {
  return id == kUnchanged || id_mapped(ranges, id);
}

// The call, decoded from its registers.
struct ChownCall {
  bool chmod = false;  // the chmod family (else chown)
  int dirfd = AT_FDCWD;
  uint64_t path_address = 0;  // 0: the call names a file descriptor (dirfd)
  uint32_t uid = kUnchanged, gid = kUnchanged;
  int mode = -1;
  bool follow = true;
  bool empty_path_is_dirfd = false;  // fchownat's AT_EMPTY_PATH
};

ChownCall decode(const seccomp_data& data) {
  ChownCall call;
  const auto* a = data.args;
  switch (data.nr) {
#ifdef __NR_chown
    case __NR_chown:
    case __NR_lchown:
      call.path_address = a[0];
      call.uid = static_cast<uint32_t>(a[1]);
      call.gid = static_cast<uint32_t>(a[2]);
      call.follow = data.nr == __NR_chown;
      break;
#endif
#ifdef __NR_chmod
    case __NR_chmod:
      call.chmod = true;
      call.path_address = a[0];
      call.mode = static_cast<int>(a[1] & 07777);
      break;
#endif
    case __NR_fchown:
      call.dirfd = static_cast<int>(a[0]);
      call.uid = static_cast<uint32_t>(a[1]);
      call.gid = static_cast<uint32_t>(a[2]);
      break;
    case __NR_fchmod:
      call.chmod = true;
      call.dirfd = static_cast<int>(a[0]);
      call.mode = static_cast<int>(a[1] & 07777);
      break;
    case __NR_fchmodat:
      call.chmod = true;
      call.dirfd = static_cast<int>(a[0]);
      call.path_address = a[1];
      call.mode = static_cast<int>(a[2] & 07777);
      break;
    default:  // __NR_fchownat
      call.dirfd = static_cast<int>(a[0]);
      call.path_address = a[1];
      call.uid = static_cast<uint32_t>(a[2]);
      call.gid = static_cast<uint32_t>(a[3]);
      call.follow = !(a[4] & AT_SYMLINK_NOFOLLOW);
      call.empty_path_is_dirfd = (a[4] & AT_EMPTY_PATH) != 0;
      break;
  }
  return call;
}

// Reads the NUL-terminated string at `address` in the caller, page by page.
int read_string(int mem, uint64_t address, std::string& out) {
  constexpr size_t kPage = 4096, kMax = 4096;
  out.clear();
  while (out.size() < kMax) {
    size_t chunk = kPage - (address % kPage);
    char buffer[kPage];
    ssize_t n = ::pread(mem, buffer, chunk, static_cast<off_t>(address));
    if (n <= 0) return EFAULT;
    const char* end = static_cast<const char*>(std::memchr(buffer, '\0', size_t(n)));
    if (end != nullptr) {
      out.append(buffer, size_t(end - buffer));
      return 0;
    }
    out.append(buffer, size_t(n));
    address += uint64_t(n);
  }
  return ENAMETOOLONG;
}

// CAP_CHOWN is bit 0 and CAP_FOWNER bit 3 of the effective set.
bool has_capability(pid_t pid, int bit) {
  std::istringstream in(
      read_file_if_exists("/proc/" + std::to_string(pid) + "/status").value_or(""));
  std::string line;
  while (std::getline(in, line)) {
    if (line.rfind("CapEff:", 0) == 0)
      return ((std::stoull(line.substr(7), nullptr, 16) >> bit) & 1) != 0;
  }
  return false;
}

// The caller's file, opened in our (the same) mount namespace through its /proc entries.
int open_target(const seccomp_notif& req, int listener, const ChownCall& call, UniqueFd& target) {
  const std::string proc = "/proc/" + std::to_string(req.pid);
  std::string path;
  if (call.path_address != 0) {
    UniqueFd mem(::open((proc + "/mem").c_str(), O_RDONLY | O_CLOEXEC));
    if (!mem) return EPERM;
    // The pid could have been reused before we opened its memory.
    if (::ioctl(listener, SECCOMP_IOCTL_NOTIF_ID_VALID, &req.id) != 0) return ENOENT;
    if (int err = read_string(mem.get(), call.path_address, path)) return err;
  }
  std::string where;
  if (path.empty()) {
    if (call.path_address != 0 && !call.empty_path_is_dirfd) return ENOENT;
    where = call.dirfd == AT_FDCWD ? proc + "/cwd" : proc + "/fd/" + std::to_string(call.dirfd);
  } else if (path[0] == '/') {
    where = proc + "/root" + path;
  } else if (call.dirfd == AT_FDCWD) {
    where = proc + "/cwd/" + path;
  } else {
    where = proc + "/fd/" + std::to_string(call.dirfd) + "/" + path;
  }
  int flags = O_PATH | O_CLOEXEC | (call.follow || path.empty() ? 0 : O_NOFOLLOW);
  target = UniqueFd(::open(where.c_str(), flags));
  return target ? 0 : errno;
}

// What the kernel would have answered had the ids been mapped; 0 when recorded. A chmod of a file
// whose owner is mapped sets `pass_through`: the kernel does that one itself.
int record_change(const seccomp_notif& req, int listener, const ChownCall& call,
                  const std::vector<IdRange>& uids, const std::vector<IdRange>& gids,
                  bool& pass_through) {
  if (!has_capability(req.pid, call.chmod ? 3 : 0)) return EPERM;
  UniqueFd target;
  if (int err = open_target(req, listener, call, target)) return err;
  struct stat st, root;
  if (::fstat(target.get(), &st) != 0 || ::stat("/", &root) != 0) return errno;
  if (call.chmod && mapped(uids, st.st_uid) && mapped(gids, st.st_gid)) {
    pass_through = true;
    return 0;
  }
  // Only the union holds recorded owners; elsewhere (volumes, /proc, /dev) it stays refused.
  if (st.st_dev != root.st_dev) return EINVAL;
  char link[4096];
  std::string self = "/proc/self/fd/" + std::to_string(target.get());
  ssize_t n = ::readlink(self.c_str(), link, sizeof link - 1);
  if (n <= 0) return errno ? errno : ENOENT;
  std::string path(link, size_t(n));
  if (path.empty() || path[0] != '/' || path.ends_with(" (deleted)")) return ENOENT;
  std::string value = fuse::format_chown_request({call.uid, call.gid, call.mode, path});
  if (::setxattr("/", fuse::kChownRequestXattr, value.data(), value.size(), 0) != 0) return errno;
  return 0;
}

}  // namespace

bool single_id_namespace(pid_t pid) {
  std::string file = "/proc/" + (pid > 0 ? std::to_string(pid) : std::string("self")) + "/uid_map";
  auto ranges = read_id_map(file);
  return ranges.size() == 1 && ranges[0].count == 1;
}

UniqueFd install_chown_interceptor() {
  struct statfs fs;
  // Recording needs our union's daemon at the root (a plain root directory keeps the refusal).
  if (::statfs("/", &fs) != 0 || static_cast<unsigned>(fs.f_type) != kFuseSuperMagic) return {};
  std::vector<uint32_t> calls = {
#ifdef __NR_chown
      __NR_chown,  __NR_lchown,   __NR_chmod,
#endif
      __NR_fchown, __NR_fchownat, __NR_fchmod, __NR_fchmodat};
  std::vector<sock_filter> program = {
      BPF_STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(seccomp_data, arch)),
      BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, kAuditArch, 1, 0),
      BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW),
      BPF_STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(seccomp_data, nr)),
  };
  for (size_t i = 0; i < calls.size(); ++i) {
    // On a match skip the remaining comparisons and the ALLOW: land on USER_NOTIF.
    auto skip = static_cast<uint8_t>(calls.size() - i);
    program.push_back(BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, calls[i], skip, 0));
  }
  program.push_back(BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW));
  program.push_back(BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_USER_NOTIF));
  sock_fprog fprog{static_cast<unsigned short>(program.size()), program.data()};
  int listener = static_cast<int>(
      ::syscall(SYS_seccomp, SECCOMP_SET_MODE_FILTER, SECCOMP_FILTER_FLAG_NEW_LISTENER, &fprog));
  if (listener < 0) throw_errno("install the chown interceptor (seccomp)");
  return UniqueFd(listener);
}

void answer_chown_call(int listener) {
  static const seccomp_notif_sizes sizes = [] {
    seccomp_notif_sizes s{};
    if (::syscall(SYS_seccomp, SECCOMP_GET_NOTIF_SIZES, 0, &s) != 0) throw_errno("seccomp sizes");
    return s;
  }();
  // The kernel's structures may be larger than our headers' (newer fields at the end).
  std::vector<char> req_buffer(std::max<size_t>(sizes.seccomp_notif, sizeof(seccomp_notif)));
  std::vector<char> resp_buffer(
      std::max<size_t>(sizes.seccomp_notif_resp, sizeof(seccomp_notif_resp)));
  auto* req = reinterpret_cast<seccomp_notif*>(req_buffer.data());
  auto* resp = reinterpret_cast<seccomp_notif_resp*>(resp_buffer.data());
  if (::ioctl(listener, SECCOMP_IOCTL_NOTIF_RECV, req) != 0) return;  // the caller went away
  resp->id = req->id;
  ChownCall call = decode(req->data);
  static const auto uids = read_id_map("/proc/self/uid_map");
  static const auto gids = read_id_map("/proc/self/gid_map");
  bool pass_through = !call.chmod && mapped(uids, call.uid) && mapped(gids, call.gid);
  int err = pass_through ? 0 : record_change(*req, listener, call, uids, gids, pass_through);
  if (pass_through)
    resp->flags = SECCOMP_USER_NOTIF_FLAG_CONTINUE;  // nothing to record: the kernel does it
  else
    resp->error = -err;
  ::ioctl(listener, SECCOMP_IOCTL_NOTIF_SEND, resp);  // ENOENT: the caller died meanwhile
}

}  // namespace layerfs::sandbox
