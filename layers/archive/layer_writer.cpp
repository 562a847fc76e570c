#include "layers/archive/layer_writer.h"

#include <archive.h>
#include <archive_entry.h>
#include <dirent.h>
#include <fcntl.h>
#include <spdlog/spdlog.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <exception>
#include <map>
#include <memory>
#include <utility>
#include <vector>

#include "layers/archive/rootless_storage.h"
#include "util/error.h"
#include "util/override_stat.h"
#include "util/sha256.h"
#include "util/unique_fd.h"
#include "util/xattrs.h"

namespace layerfs {

namespace {

constexpr size_t kChunk = 1 << 20;

// The tar bytes on their way out: hashed, buffered into large writes. libarchive calls us from C,
// so a failure is kept and rethrown once it has returned.
struct TarSink {
  explicit TarSink(int out) : fd(out) {}

  int fd;
  Sha256 hash;
  uint64_t size = 0;
  std::vector<char> buffer;
  std::exception_ptr failure;

  void flush() {
    const char* data = buffer.data();
    size_t left = buffer.size();
    while (left > 0) {
      ssize_t n = retry_eintr([&] { return ::write(fd, data, left); });
      if (n < 0) throw_errno("write layer tar");
      data += n;
      left -= static_cast<size_t>(n);
    }
    buffer.clear();
  }

  static la_ssize_t write_callback(struct archive* a, void* self, const void* data, size_t n) {
    auto* sink = static_cast<TarSink*>(self);
    try {
      sink->hash.update(data, n);
      sink->size += n;
      const char* bytes = static_cast<const char*>(data);
      sink->buffer.insert(sink->buffer.end(), bytes, bytes + n);
      if (sink->buffer.size() >= kChunk) sink->flush();
      return static_cast<la_ssize_t>(n);
    } catch (...) {
      sink->failure = std::current_exception();
      archive_set_error(a, EIO, "cannot write the layer tar");
      return -1;
    }
  }
};

struct WriterDeleter {
  void operator()(struct archive* a) const { archive_write_free(a); }
};
struct EntryDeleter {
  void operator()(struct archive_entry* e) const { archive_entry_free(e); }
};

std::vector<std::string> sorted_names(int dir_fd, const std::string& path) {
  int copy = ::openat(dir_fd, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (copy < 0) throw_errno("open " + path);
  DIR* dir = ::fdopendir(copy);
  if (dir == nullptr) {
    ::close(copy);
    throw_errno("open " + path);
  }
  std::vector<std::string> names;
  errno = 0;
  while (struct dirent* entry = ::readdir(dir)) {
    std::string_view name = entry->d_name;
    if (name != "." && name != "..") names.emplace_back(name);
  }
  int err = errno;
  ::closedir(dir);
  if (err != 0) throw_errno("read directory " + path, err);
  std::sort(names.begin(), names.end());  // byte order: the same on every machine and locale
  return names;
}

std::string read_link_at(int dir_fd, const std::string& name, const std::string& path) {
  std::string target(256, '\0');
  for (;;) {
    ssize_t n = ::readlinkat(dir_fd, name.c_str(), target.data(), target.size());
    if (n < 0) throw_errno("readlink " + path);
    if (static_cast<size_t>(n) < target.size()) {
      target.resize(static_cast<size_t>(n));
      return target;
    }
    target.resize(target.size() * 2);
  }
}

class TreeWriter {
 public:
  TreeWriter(struct archive* writer, TarSink& sink, const LayerTarOptions& opts)
      : writer_(writer), sink_(sink), opts_(opts), entry_(archive_entry_new()) {}

  void write_directory(int dir_fd, const std::string& prefix) {
    for (const std::string& name : sorted_names(dir_fd, prefix.empty() ? "." : prefix))
      write_path(dir_fd, name, prefix + name);
  }

 private:
  void write_path(int dir_fd, const std::string& name, const std::string& path) {
    struct stat native;
    if (::fstatat(dir_fd, name.c_str(), &native, AT_SYMLINK_NOFOLLOW) != 0) {
      if (errno == ENOENT) return;  // removed since the listing (a tree still in use)
      throw_errno("stat " + path);
    }
    if (S_ISSOCK(native.st_mode)) {
      spdlog::warn("{}: sockets cannot be stored in a tar; skipped", path);
      return;
    }
    const std::string proc_path = "/proc/self/fd/" + std::to_string(dir_fd) + "/" + name;
    std::optional<OverrideStat> override;
    std::vector<Xattr> xattrs;
    std::vector<Xattr> stored;
    try {
      stored = list_xattrs(proc_path);
    } catch (const SysError& e) {
      if (e.code() == ENOENT) return;  // removed since the listing
      throw;
    }
    for (auto& x : stored) {
      if (x.name == kOverrideStatXattr) {
        override = parse_override_stat(x.value);
        if (!override)
          throw UserError(path + ": malformed " + kOverrideStatXattr + " \"" + x.value + "\"");
        continue;
      }
      std::string image_name = image_xattr_name(x.name);
      if (!image_name.empty()) xattrs.push_back({std::move(image_name), std::move(x.value)});
    }
    std::sort(xattrs.begin(), xattrs.end(),
              [](const Xattr& a, const Xattr& b) { return a.name < b.name; });
    const struct stat image = apply_override_stat(native, override);
    const mode_t type = image.st_mode & S_IFMT;
    // A placeholder: a regular file on disk standing for another type.
    const bool placeholder = S_ISREG(native.st_mode) && type != S_IFREG;

    struct archive_entry* e = entry_.get();
    archive_entry_clear(e);
    archive_entry_set_pathname(e, path.c_str());
    archive_entry_set_filetype(e, type);
    archive_entry_set_perm(e, image.st_mode & 07777);
    archive_entry_set_uid(e, image.st_uid);
    archive_entry_set_gid(e, image.st_gid);
    set_mtime(e, native.st_mtim);
    for (const auto& x : xattrs)
      archive_entry_xattr_add_entry(e, x.name.c_str(), x.value.data(), x.value.size());

    // Every name of a multiply linked file after the first is a hard link to the first.
    if (!S_ISDIR(native.st_mode) && native.st_nlink > 1) {
      auto [it, first] = links_.try_emplace({native.st_dev, native.st_ino}, path);
      if (!first) {
        archive_entry_set_hardlink(e, it->second.c_str());
        archive_entry_set_size(e, 0);
        write_header(path);
        return;
      }
    }

    UniqueFd file;
    switch (type) {
      case S_IFREG:
        file.reset(::openat(dir_fd, name.c_str(), O_RDONLY | O_NOFOLLOW | O_CLOEXEC));
        if (!file && errno == ENOENT) return;  // removed since the listing
        if (!file) throw_errno("open " + path);
        archive_entry_set_size(e, native.st_size);
        break;
      case S_IFLNK:
        if (placeholder) {
          archive_entry_set_symlink(e, read_placeholder_target(dir_fd, name, path).c_str());
        } else {
          archive_entry_set_symlink(e, read_link_at(dir_fd, name, path).c_str());
        }
        break;
      case S_IFCHR:
      case S_IFBLK:
        archive_entry_set_rdev(e, image.st_rdev);
        break;
      default:
        break;
    }
    write_header(path);
    if (file) copy_data(file.get(), native.st_size, path);
    if (type == S_IFDIR) {
      UniqueFd dir(::openat(dir_fd, name.c_str(), O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC));
      if (!dir) throw_errno("open " + path);
      write_directory(dir.get(), path + "/");
    }
  }

  void set_mtime(struct archive_entry* e, const struct timespec& mtime) {
    if (opts_.source_date_epoch &&
        (mtime.tv_sec > *opts_.source_date_epoch ||
         (mtime.tv_sec == *opts_.source_date_epoch && mtime.tv_nsec > 0))) {
      archive_entry_set_mtime(e, static_cast<time_t>(*opts_.source_date_epoch), 0);
    } else {
      archive_entry_set_mtime(e, mtime.tv_sec, mtime.tv_nsec);
    }
  }

  std::string read_placeholder_target(int dir_fd, const std::string& name,
                                      const std::string& path) {
    UniqueFd fd(::openat(dir_fd, name.c_str(), O_RDONLY | O_NOFOLLOW | O_CLOEXEC));
    if (!fd) throw_errno("open " + path);
    std::string target;
    char buf[4096];
    for (;;) {
      ssize_t n = retry_eintr([&] { return ::read(fd.get(), buf, sizeof buf); });
      if (n < 0) throw_errno("read " + path);
      if (n == 0) break;
      target.append(buf, static_cast<size_t>(n));
    }
    if (target.empty()) throw UserError(path + ": symlink placeholder without a target");
    return target;
  }

  void write_header(const std::string& path) {
    if (archive_write_header(writer_, entry_.get()) < ARCHIVE_WARN) fail(path);
  }

  void copy_data(int fd, off_t size, const std::string& path) {
    std::vector<char> buffer(kChunk);
    off_t left = size;
    while (left > 0) {
      ssize_t n = retry_eintr([&] {
        return ::read(fd, buffer.data(),
                      std::min<size_t>(buffer.size(), static_cast<size_t>(left)));
      });
      if (n < 0) throw_errno("read " + path);
      if (n == 0) break;  // shrank while we read: libarchive pads the entry with zeros
      if (archive_write_data(writer_, buffer.data(), static_cast<size_t>(n)) < 0) fail(path);
      left -= n;
    }
  }

  [[noreturn]] void fail(const std::string& path) {
    if (sink_.failure) std::rethrow_exception(sink_.failure);
    const char* message = archive_error_string(writer_);
    throw SysError("write tar entry " + path + ": " + (message ? message : "unknown error"), EIO);
  }

  struct archive* writer_;
  TarSink& sink_;
  const LayerTarOptions& opts_;
  std::unique_ptr<struct archive_entry, EntryDeleter> entry_;
  std::map<std::pair<dev_t, ino_t>, std::string> links_;
};

}  // namespace

WrittenLayer write_layer_tar(const std::string& layer_dir, int out_fd,
                             const LayerTarOptions& opts) {
  UniqueFd root(::open(layer_dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC));
  if (!root) throw_errno("open " + layer_dir);

  TarSink sink(out_fd);
  std::unique_ptr<struct archive, WriterDeleter> writer(archive_write_new());
  if (!writer) throw std::bad_alloc();
  // PAX: plain ustar headers, with a PAX extension only where ustar cannot say it (long names,
  // large ids, sub-second mtimes, xattrs). libarchive's "restricted" variant would drop the
  // sub-second part of mtimes; the header names ("PaxHeader/<name>") hold no pid or time.
  archive_write_set_format_pax(writer.get());
  archive_write_add_filter_none(writer.get());
  // No 10 KiB blocking: the tar ends right after its end-of-archive marker (TarSink buffers).
  archive_write_set_bytes_per_block(writer.get(), 0);
  if (archive_write_open(writer.get(), &sink, nullptr, TarSink::write_callback, nullptr) !=
      ARCHIVE_OK)
    throw SysError(std::string("start layer tar: ") + archive_error_string(writer.get()), EIO);

  TreeWriter tree(writer.get(), sink, opts);
  tree.write_directory(root.get(), "");
  if (archive_write_close(writer.get()) != ARCHIVE_OK) {
    if (sink.failure) std::rethrow_exception(sink.failure);
    throw SysError(std::string("finish layer tar: ") + archive_error_string(writer.get()), EIO);
  }
  sink.flush();
  return WrittenLayer{"sha256:" + sink.hash.finish_hex(), sink.size};
}

}  // namespace layerfs
