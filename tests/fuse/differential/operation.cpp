#include "tests/fuse/differential/operation.h"

#include <dirent.h>
#include <fcntl.h>
#include <linux/fs.h>
#include <stdio.h>
#include <sys/stat.h>
#include <sys/xattr.h>
#include <unistd.h>

#include <algorithm>
#include <cstring>
#include <sstream>
#include <vector>

#include "tests/fuse/differential/random.h"
#include "util/error.h"
#include "util/fs.h"
#include "util/sha256.h"
#include "util/unique_fd.h"

namespace layerfs::differential {
namespace {

// Every step either succeeds or records errno; the first failure ends the operation.
Outcome failed() { return Outcome{.error = errno}; }

const char* at(const std::string& path) { return path.empty() ? "." : path.c_str(); }

Outcome write_all(int fd, const std::string& bytes, const uint64_t* offset) {
  size_t done = 0;
  while (done < bytes.size()) {
    ssize_t wrote = offset ? ::pwrite(fd, bytes.data() + done, bytes.size() - done,
                                      static_cast<off_t>(*offset + done))
                           : ::write(fd, bytes.data() + done, bytes.size() - done);
    if (wrote < 0) return failed();
    done += static_cast<size_t>(wrote);
  }
  return {};
}

Outcome open_and_write(int root, const Operation& op, int flags, bool at_offset) {
  // O_NONBLOCK: opening a fifo for writing must fail (ENXIO), not wait for a reader.
  UniqueFd fd(::openat(root, at(op.path), flags | O_CLOEXEC | O_NONBLOCK, op.mode));
  if (!fd) return failed();
  Outcome out =
      write_all(fd.get(), pattern_bytes(op.seed, op.length), at_offset ? &op.offset : nullptr);
  if (out.error == 0 && ::close(fd.release()) != 0) return failed();
  return out;
}

Outcome read_file(int root, const std::string& path) {
  UniqueFd fd(::openat(root, at(path), O_RDONLY | O_CLOEXEC | O_NONBLOCK));
  if (!fd) return failed();
  Sha256 hasher;
  uint64_t total = 0;
  char buffer[65536];
  for (;;) {
    ssize_t got = ::read(fd.get(), buffer, sizeof buffer);
    if (got < 0) return failed();
    if (got == 0) break;
    hasher.update(buffer, static_cast<size_t>(got));
    total += static_cast<uint64_t>(got);
  }
  return {.observed = std::to_string(total) + " bytes " + hasher.finish_hex().substr(0, 16)};
}

Outcome list_dir(int root, const std::string& path, bool dot_entries) {
  int fd = ::openat(root, at(path), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (fd < 0) return failed();
  DIR* dir = ::fdopendir(fd);
  if (dir == nullptr) {
    Outcome out = failed();
    ::close(fd);
    return out;
  }
  std::vector<std::string> names;
  while (struct dirent* entry = ::readdir(dir)) {
    std::string_view name = entry->d_name;
    if (dot_entries || (name != "." && name != "..")) names.emplace_back(name);
  }
  ::closedir(dir);
  std::sort(names.begin(), names.end());
  std::string observed;
  for (const auto& name : names) observed += name + " ";
  return {.observed = observed};
}

Outcome stat_path(int root, const std::string& path, bool nlink) {
  struct stat st;
  if (::fstatat(root, at(path), &st, AT_SYMLINK_NOFOLLOW) != 0) return failed();
  std::ostringstream out;
  out << "mode=" << std::oct << st.st_mode << std::dec;
  if (!S_ISDIR(st.st_mode)) out << " size=" << st.st_size;
  if (!S_ISDIR(st.st_mode) && nlink) out << " nlink=" << st.st_nlink;
  return {.observed = out.str()};
}

Outcome tmpfile_link(int root_fd, const Operation& op) {
  const size_t slash = op.path.rfind('/');
  const std::string dir = slash == std::string::npos ? "" : op.path.substr(0, slash);
  UniqueFd fd(::openat(root_fd, at(dir), O_TMPFILE | O_WRONLY | O_CLOEXEC, op.mode));
  if (!fd) return failed();
  Outcome out = write_all(fd.get(), pattern_bytes(op.seed, op.length), nullptr);
  if (out.error != 0) return out;
  const std::string open_file = "/proc/self/fd/" + std::to_string(fd.get());
  if (::linkat(AT_FDCWD, open_file.c_str(), root_fd, at(op.path), AT_SYMLINK_FOLLOW) != 0)
    return failed();
  return {};
}

Outcome recreate_dir(const std::string& root, int root_fd, const Operation& op) {
  struct stat st;
  if (::fstatat(root_fd, at(op.path), &st, AT_SYMLINK_NOFOLLOW) != 0) return failed();
  if (!S_ISDIR(st.st_mode)) return Outcome{.error = ENOTDIR};
  try {
    remove_tree(root + "/" + op.path);
  } catch (const SysError& error) {
    return Outcome{.error = error.code()};
  }
  if (::mkdirat(root_fd, at(op.path), op.mode) != 0) return failed();
  return {};
}

}  // namespace

Outcome apply(const Operation& op, const std::string& root, Side side,
              const Observation& observation) {
  UniqueFd root_fd(::open(root.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC));
  if (!root_fd) throw_errno("open mount root " + root);
  int r = root_fd.get();
  int status = 0;
  switch (op.kind) {
    case OpKind::Create:
      return open_and_write(r, op, O_WRONLY | O_CREAT | O_EXCL, false);
    case OpKind::WriteAt:
      return open_and_write(r, op, O_WRONLY, true);
    case OpKind::Append:
      return open_and_write(r, op, O_WRONLY | O_APPEND, false);
    case OpKind::Truncate: {
      if (op.flags != 0) {  // by path: FUSE setattr without a file handle
        status = ::truncate((root + "/" + op.path).c_str(), static_cast<off_t>(op.length));
        break;
      }
      UniqueFd fd(::openat(r, at(op.path), O_WRONLY | O_CLOEXEC | O_NONBLOCK));
      if (!fd) return failed();
      status = ::ftruncate(fd.get(), static_cast<off_t>(op.length));
      break;
    }
    case OpKind::Rename:
      status = ::renameat2(r, at(op.path), r, at(op.path2), op.flags);
      break;
    case OpKind::Link:
      status = ::linkat(r, at(op.path), r, at(op.path2), 0);
      break;
    case OpKind::Unlink:
      status = ::unlinkat(r, at(op.path), 0);
      break;
    case OpKind::Mkdir:
      status = ::mkdirat(r, at(op.path), op.mode);
      break;
    case OpKind::Rmdir:
      status = ::unlinkat(r, at(op.path), AT_REMOVEDIR);
      break;
    case OpKind::Chmod:
      status = ::fchmodat(r, at(op.path), op.mode, 0);
      break;
    case OpKind::Chown:
      status = ::fchownat(r, at(op.path), op.owner, op.group, AT_SYMLINK_NOFOLLOW);
      break;
    case OpKind::Symlink:
      status = ::symlinkat(op.value.c_str(), r, at(op.path));
      break;
    case OpKind::SetXattr:
      status = ::lsetxattr((root + "/" + op.path).c_str(), op.name.c_str(), op.value.data(),
                           op.value.size(), 0);
      break;
    case OpKind::RemoveXattr:
      status = ::lremovexattr((root + "/" + op.path).c_str(), op.name.c_str());
      break;
    case OpKind::Mkfifo:
      status = ::mkfifoat(r, at(op.path), op.mode);
      break;
    case OpKind::RecreateDir:
      return recreate_dir(root, r, op);
    case OpKind::TmpfileLink:
      return tmpfile_link(r, op);
    case OpKind::ReadFile:
      return read_file(r, op.path);
    case OpKind::ListDir:
      return list_dir(r, op.path, observation.dot_entries);
    case OpKind::Stat:
      return stat_path(r, op.path, observation.nlink);
    case OpKind::OracleOnlyMkdir:
      if (side == Side::Oracle) status = ::mkdirat(r, at(op.path), 0755);
      break;
  }
  return status == 0 ? Outcome{} : failed();
}

std::string describe(const Operation& op) {
  std::ostringstream out;
  auto q = [](const std::string& s) { return "\"" + s + "\""; };
  auto mode = [](mode_t m) {
    char buffer[8];
    std::snprintf(buffer, sizeof buffer, "0%o", m);
    return std::string(buffer);
  };
  switch (op.kind) {
    case OpKind::Create:
      out << "create(" << q(op.path) << ", " << mode(op.mode) << ", " << op.length << " bytes)";
      break;
    case OpKind::WriteAt:
      out << "pwrite(" << q(op.path) << ", " << op.length << " bytes at " << op.offset << ")";
      break;
    case OpKind::Append:
      out << "append(" << q(op.path) << ", " << op.length << " bytes)";
      break;
    case OpKind::Truncate:
      out << (op.flags != 0 ? "truncate(" : "ftruncate(") << q(op.path) << ", " << op.length << ")";
      break;
    case OpKind::Rename:
      out << "rename(" << q(op.path) << ", " << q(op.path2)
          << (op.flags == RENAME_NOREPLACE  ? ", RENAME_NOREPLACE"
              : op.flags == RENAME_EXCHANGE ? ", RENAME_EXCHANGE"
                                            : "")
          << ")";
      break;
    case OpKind::Link:
      out << "link(" << q(op.path) << ", " << q(op.path2) << ")";
      break;
    case OpKind::Unlink:
      out << "unlink(" << q(op.path) << ")";
      break;
    case OpKind::Mkdir:
      out << "mkdir(" << q(op.path) << ", " << mode(op.mode) << ")";
      break;
    case OpKind::Rmdir:
      out << "rmdir(" << q(op.path) << ")";
      break;
    case OpKind::Chmod:
      out << "chmod(" << q(op.path) << ", " << mode(op.mode) << ")";
      break;
    case OpKind::Chown:
      out << "lchown(" << q(op.path) << ", " << static_cast<int>(op.owner) << ", "
          << static_cast<int>(op.group) << ")";
      break;
    case OpKind::Symlink:
      out << "symlink(" << q(op.value) << ", " << q(op.path) << ")";
      break;
    case OpKind::SetXattr:
      out << "setxattr(" << q(op.path) << ", " << q(op.name) << ", " << q(op.value) << ")";
      break;
    case OpKind::RemoveXattr:
      out << "removexattr(" << q(op.path) << ", " << q(op.name) << ")";
      break;
    case OpKind::Mkfifo:
      out << "mkfifo(" << q(op.path) << ", " << mode(op.mode) << ")";
      break;
    case OpKind::TmpfileLink:
      out << "tmpfile_link(" << q(op.path) << ", " << mode(op.mode) << ", " << op.length
          << " bytes)  # O_TMPFILE in its directory, written, then linked";
      break;
    case OpKind::RecreateDir:
      out << "recreate_dir(" << q(op.path) << ", " << mode(op.mode) << ")  # rm -rf + mkdir";
      break;
    case OpKind::ReadFile:
      out << "read(" << q(op.path) << ")";
      break;
    case OpKind::ListDir:
      out << "readdir(" << q(op.path) << ")";
      break;
    case OpKind::Stat:
      out << "lstat(" << q(op.path) << ")";
      break;
    case OpKind::OracleOnlyMkdir:
      out << "oracle_only_mkdir(" << q(op.path) << ")  # injected fault";
      break;
  }
  return out.str();
}

std::string describe(const Outcome& outcome) {
  if (outcome.skipped) return "skipped";
  std::string out = outcome.error == 0 ? "ok" : strerrorname_np(outcome.error);
  if (!outcome.observed.empty()) out += " [" + outcome.observed + "]";
  return out;
}

}  // namespace layerfs::differential
