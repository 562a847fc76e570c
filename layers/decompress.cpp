#include "layers/decompress.h"

#include <archive.h>
#include <archive_entry.h>
#include <fcntl.h>
#include <unistd.h>

#include <memory>

#include "util/error.h"
#include "util/sha256.h"
#include "util/unique_fd.h"

namespace layerfs {

std::string decompress_file(const std::string& from, const std::string& to) {
  std::unique_ptr<struct archive, int (*)(struct archive*)> a(archive_read_new(),
                                                              archive_read_free);
  archive_read_support_filter_all(a.get());
  archive_read_support_format_raw(a.get());
  struct archive_entry* entry = nullptr;
  if (archive_read_open_filename(a.get(), from.c_str(), 1 << 16) != ARCHIVE_OK ||
      archive_read_next_header(a.get(), &entry) != ARCHIVE_OK) {
    const char* msg = archive_error_string(a.get());
    throw UserError("cannot decompress " + from + ": " + (msg ? msg : "unreadable"));
  }
  UniqueFd out(::open(to.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644));
  if (!out) throw_errno("create " + to);
  Sha256 hasher;
  char buf[1 << 16];
  la_ssize_t n;
  while ((n = archive_read_data(a.get(), buf, sizeof buf)) > 0) {
    hasher.update(buf, static_cast<size_t>(n));
    const char* p = buf;
    size_t left = static_cast<size_t>(n);
    while (left > 0) {
      ssize_t w = retry_eintr([&] { return ::write(out.get(), p, left); });
      if (w < 0) throw_errno("write " + to);
      p += w;
      left -= static_cast<size_t>(w);
    }
  }
  if (n < 0) throw UserError("cannot decompress " + from + ": truncated or corrupt data");
  if (::fsync(out.get()) != 0) throw_errno("fsync " + to);
  return "sha256:" + hasher.finish_hex();
}

}  // namespace layerfs
