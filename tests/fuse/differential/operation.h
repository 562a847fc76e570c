// One file-system operation with concrete arguments, applied relative to a mount root. An
// operation is replayable on any root, which is what shrinking needs.
#pragma once

#include <sys/types.h>

#include <cstdint>
#include <string>

namespace layerfs::differential {

enum class OpKind {
  Create,           // open(O_CREAT|O_EXCL|O_WRONLY, mode) + write length bytes
  WriteAt,          // open(O_WRONLY) + pwrite(length bytes at offset)
  Truncate,         // flags 0: open + ftruncate(length); flags 1: truncate(path, length)
  Append,           // open(O_WRONLY|O_APPEND) + write(length bytes)
  Rename,           // renameat2(path, path2, flags): 0, RENAME_NOREPLACE or RENAME_EXCHANGE
  Link,             // link(path, path2)
  Unlink,           // unlink(path)
  Mkdir,            // mkdir(path, mode)
  Rmdir,            // rmdir(path)
  Chmod,            // chmod(path, mode)
  Chown,            // lchown(path, owner, group); -1 leaves one as it is
  Symlink,          // symlink(value, path)
  SetXattr,         // lsetxattr(path, name, value)
  RemoveXattr,      // lremovexattr(path, name)
  Mkfifo,           // mkfifo(path, mode)
  RecreateDir,      // remove the tree at path, then mkdir(path): opaque recreation over a lower dir
  TmpfileLink,      // open(path's directory, O_TMPFILE|O_WRONLY, mode) + write length bytes +
                    // link the open file to path (through /proc/self/fd)
  ReadFile,         // observe: size and sha256 of the bytes read
  ListDir,          // observe: the sorted names of a directory
  Stat,             // observe: lstat type, mode, size and link count (non-directories)
  OracleOnlyMkdir,  // fault injection: mkdir on the oracle only (proves the tester can fail)
};

struct Operation {
  OpKind kind = OpKind::Stat;
  std::string path{};
  std::string path2{};
  uint64_t offset = 0;
  uint64_t length = 0;
  uint64_t seed = 0;  // written bytes are pattern_bytes(seed, length)
  unsigned flags = 0;
  mode_t mode = 0;
  uid_t owner = static_cast<uid_t>(-1);
  gid_t group = static_cast<gid_t>(-1);
  std::string name{};   // xattr name
  std::string value{};  // xattr value or symlink target
};

struct Outcome {
  int error = 0;           // errno of the first failing step, 0 on success
  std::string observed{};  // what an observing operation saw
  bool skipped = false;    // not applied (see the EXDEV tolerance)

  bool operator==(const Outcome& other) const {
    return error == other.error && observed == other.observed;
  }
};

enum class Side { Oracle, Subject };

// What observing operations report: all of it unless a known difference is being looked past.
struct Observation {
  bool nlink = true;        // lstat reports the link count
  bool dot_entries = true;  // readdir reports "." and ".."
  // Hard links share one st_ino. Overlayfs gives that only with index=on, which a user-namespace
  // mount (userxattr) cannot have: there a copied-up file's new links get inode numbers of their
  // own.
  bool link_identity = true;
};

Outcome apply(const Operation& op, const std::string& root, Side side,
              const Observation& observation = {});

// e.g. `rename("d1/f0", "d2/n3", RENAME_NOREPLACE)`.
std::string describe(const Operation& op);
std::string describe(const Outcome& outcome);

}  // namespace layerfs::differential
