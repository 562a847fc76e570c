// Helpers for the layers/archive tests: temp dirs, tars built with libarchive's writer, tars read
// back into comparable entry lists, and byte strings as file descriptors.
#pragma once

#include <archive.h>
#include <archive_entry.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#include <cstdlib>
#include <map>
#include <memory>
#include <ostream>
#include <stdexcept>
#include <string>
#include <vector>

#include "util/error.h"
#include "util/fs.h"
#include "util/sha256.h"
#include "util/unique_fd.h"

namespace layerfs::archive_test {

class TempDir {
 public:
  TempDir() {
    char tmpl[] = "/tmp/layerfs-archive-test-XXXXXX";
    if (::mkdtemp(tmpl) == nullptr) throw_errno("mkdtemp");
    path_ = tmpl;
  }
  ~TempDir() {
    try {
      remove_tree(path_);
    } catch (...) {
    }
  }
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;
  const std::string& path() const { return path_; }
  std::string sub(const std::string& name) const { return path_ + "/" + name; }
  std::string make_sub(const std::string& name) const {
    make_dirs(sub(name));
    return sub(name);
  }

 private:
  std::string path_;
};

// An anonymous file holding `bytes`, positioned at its start.
inline UniqueFd fd_with(const std::string& bytes) {
  UniqueFd fd(::memfd_create("layerfs-test", MFD_CLOEXEC));
  if (!fd) throw_errno("memfd_create");
  size_t done = 0;
  while (done < bytes.size()) {
    ssize_t n = ::write(fd.get(), bytes.data() + done, bytes.size() - done);
    if (n < 0) throw_errno("write memfd");
    done += static_cast<size_t>(n);
  }
  ::lseek(fd.get(), 0, SEEK_SET);
  return fd;
}

inline std::string read_all(int fd) {
  ::lseek(fd, 0, SEEK_SET);
  std::string out;
  char buf[65536];
  for (ssize_t n; (n = ::read(fd, buf, sizeof buf)) > 0;) out.append(buf, static_cast<size_t>(n));
  return out;
}

inline UniqueFd empty_memfd() { return fd_with(""); }

// One entry to put in a test tar.
struct TarEntry {
  std::string path;
  mode_t type = S_IFREG;
  mode_t mode = 0644;
  uid_t uid = 0;
  gid_t gid = 0;
  int64_t mtime = 1700000000;
  long mtime_nsec = 0;
  std::string data;  // regular files
  std::string link;  // symlink target or hard-link target
  bool hardlink = false;
  unsigned dev_major = 0, dev_minor = 0;
  std::map<std::string, std::string> xattrs;
};

// Builds a tar (PAX) in memory; `filter` is a libarchive filter name ("gzip", "zstd", ...) or "".
inline std::string build_tar(const std::vector<TarEntry>& entries, const std::string& filter = "") {
  std::string out;
  struct archive* a = archive_write_new();
  archive_write_set_format_pax(a);
  if (!filter.empty() && archive_write_add_filter_by_name(a, filter.c_str()) != ARCHIVE_OK)
    throw std::runtime_error("filter " + filter + ": " + archive_error_string(a));
  archive_write_set_bytes_per_block(a, 0);
  archive_write_open(
      a, &out, nullptr,
      [](struct archive*, void* self, const void* data, size_t n) -> la_ssize_t {
        static_cast<std::string*>(self)->append(static_cast<const char*>(data), n);
        return static_cast<la_ssize_t>(n);
      },
      nullptr);
  for (const auto& t : entries) {
    struct archive_entry* e = archive_entry_new();
    archive_entry_set_pathname(e, t.path.c_str());
    archive_entry_set_filetype(e, t.type);
    archive_entry_set_perm(e, t.mode);
    archive_entry_set_uid(e, t.uid);
    archive_entry_set_gid(e, t.gid);
    archive_entry_set_mtime(e, t.mtime, t.mtime_nsec);
    if (t.hardlink) archive_entry_set_hardlink(e, t.link.c_str());
    if (t.type == S_IFLNK) archive_entry_set_symlink(e, t.link.c_str());
    if (t.type == S_IFCHR || t.type == S_IFBLK) {
      archive_entry_set_rdevmajor(e, t.dev_major);
      archive_entry_set_rdevminor(e, t.dev_minor);
    }
    for (const auto& [k, v] : t.xattrs)
      archive_entry_xattr_add_entry(e, k.c_str(), v.data(), v.size());
    archive_entry_set_size(
        e, t.type == S_IFREG && !t.hardlink ? static_cast<int64_t>(t.data.size()) : 0);
    if (archive_write_header(a, e) != ARCHIVE_OK)
      throw std::runtime_error("write header " + t.path + ": " + archive_error_string(a));
    if (t.type == S_IFREG && !t.hardlink && !t.data.empty())
      archive_write_data(a, t.data.data(), t.data.size());
    archive_entry_free(e);
  }
  archive_write_close(a);
  archive_write_free(a);
  return out;
}

// What a tar says about one entry, in a form tests can compare and print.
struct ReadEntry {
  std::string path;
  mode_t type = 0;
  mode_t mode = 0;
  int64_t uid = 0, gid = 0;
  int64_t mtime = 0;
  long mtime_nsec = 0;
  bool has_atime = false, has_ctime = false;
  std::string data;
  std::string symlink, hardlink;
  unsigned dev_major = 0, dev_minor = 0;
  std::map<std::string, std::string> xattrs;

  bool operator==(const ReadEntry&) const = default;
};

inline std::ostream& operator<<(std::ostream& os, const ReadEntry& e) {
  os << e.path << " type=" << std::oct << e.type << " mode=" << e.mode << std::dec
     << " owner=" << e.uid << ":" << e.gid << " mtime=" << e.mtime << "." << e.mtime_nsec
     << " size=" << e.data.size() << " symlink=" << e.symlink << " hardlink=" << e.hardlink
     << " dev=" << e.dev_major << "," << e.dev_minor << " xattrs={";
  for (const auto& [k, v] : e.xattrs) os << k << "=" << v << ";";
  return os << "}";
}

inline std::vector<ReadEntry> read_tar(const std::string& bytes) {
  std::vector<ReadEntry> out;
  struct archive* a = archive_read_new();
  archive_read_support_filter_all(a);
  archive_read_support_format_tar(a);
  if (archive_read_open_memory(a, bytes.data(), bytes.size()) != ARCHIVE_OK)
    throw std::runtime_error(std::string("read tar: ") + archive_error_string(a));
  struct archive_entry* e;
  int r;
  while ((r = archive_read_next_header(a, &e)) == ARCHIVE_OK) {
    ReadEntry x;
    x.path = archive_entry_pathname(e);
    while (x.path.size() > 1 && x.path.back() == '/') x.path.pop_back();
    x.type = archive_entry_filetype(e);
    x.mode = archive_entry_perm(e);
    x.uid = archive_entry_uid(e);
    x.gid = archive_entry_gid(e);
    x.mtime = archive_entry_mtime(e);
    x.mtime_nsec = archive_entry_mtime_nsec(e);
    x.has_atime = archive_entry_atime_is_set(e);
    x.has_ctime = archive_entry_ctime_is_set(e);
    if (archive_entry_symlink(e)) x.symlink = archive_entry_symlink(e);
    if (archive_entry_hardlink(e)) x.hardlink = archive_entry_hardlink(e);
    x.dev_major = archive_entry_rdevmajor(e);
    x.dev_minor = archive_entry_rdevminor(e);
    const char* name;
    const void* value;
    size_t size;
    archive_entry_xattr_reset(e);
    while (archive_entry_xattr_next(e, &name, &value, &size) == ARCHIVE_OK)
      x.xattrs[name] = std::string(static_cast<const char*>(value), size);
    char buf[65536];
    for (la_ssize_t n; (n = archive_read_data(a, buf, sizeof buf)) > 0;)
      x.data.append(buf, static_cast<size_t>(n));
    out.push_back(std::move(x));
  }
  std::string error = r == ARCHIVE_EOF ? "" : archive_error_string(a);
  archive_read_free(a);
  if (!error.empty()) throw std::runtime_error("read tar: " + error);
  return out;
}

inline TarEntry file(std::string path, std::string data, mode_t mode = 0644) {
  TarEntry e;
  e.path = std::move(path);
  e.data = std::move(data);
  e.mode = mode;
  return e;
}
inline TarEntry dir(std::string path, mode_t mode = 0755) {
  TarEntry e;
  e.path = std::move(path);
  e.type = S_IFDIR;
  e.mode = mode;
  return e;
}
inline TarEntry symlink(std::string path, std::string target) {
  TarEntry e;
  e.path = std::move(path);
  e.type = S_IFLNK;
  e.mode = 0777;
  e.link = std::move(target);
  return e;
}
inline TarEntry hardlink(std::string path, std::string target) {
  TarEntry e;
  e.path = std::move(path);
  e.hardlink = true;
  e.link = std::move(target);
  return e;
}
inline TarEntry device(std::string path, mode_t type, unsigned major_num, unsigned minor_num) {
  TarEntry e;
  e.path = std::move(path);
  e.type = type;
  e.mode = 0666;
  e.dev_major = major_num;
  e.dev_minor = minor_num;
  return e;
}
inline TarEntry fifo(std::string path) {
  TarEntry e;
  e.path = std::move(path);
  e.type = S_IFIFO;
  return e;
}

}  // namespace layerfs::archive_test
