#include "layers/archive/layer_reader.h"

#include <archive.h>
#include <archive_entry.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <exception>
#include <memory>
#include <vector>

#include "layers/archive/layer_extractor.h"
#include "util/error.h"
#include "util/override_stat.h"
#include "util/sha256.h"

namespace layerfs {

namespace {

constexpr size_t kReadChunk = 1 << 20;

struct ArchiveDeleter {
  void operator()(struct archive* a) const { archive_read_free(a); }
};
using ArchiveReader = std::unique_ptr<struct archive, ArchiveDeleter>;

std::string error_of(struct archive* a, const char* fallback) {
  const char* message = archive_error_string(a);
  return message != nullptr ? message : fallback;
}

void write_all(int fd, const char* data, size_t size) {
  while (size > 0) {
    ssize_t n = retry_eintr([&] { return ::write(fd, data, size); });
    if (n < 0) throw_errno("write layer blob");
    data += n;
    size -= static_cast<size_t>(n);
  }
}

// The bytes as received: read from the input fd, copied to the blob and hashed. libarchive's
// outer reader pulls from here; an exception cannot cross libarchive's C frames, so it is kept
// and rethrown once libarchive has returned.
struct RawStream {
  RawStream(int in, int blob) : in_fd(in), blob_fd(blob) {}

  int in_fd;
  int blob_fd;
  Sha256 hash;
  uint64_t size = 0;
  std::vector<char> buffer = std::vector<char>(kReadChunk);
  std::exception_ptr failure;

  // Returns the bytes read (0 at the end) or -1 with errno.
  ssize_t pull() {
    ssize_t n = retry_eintr([&] { return ::read(in_fd, buffer.data(), buffer.size()); });
    if (n > 0) {
      hash.update(buffer.data(), static_cast<size_t>(n));
      size += static_cast<uint64_t>(n);
      if (blob_fd >= 0) write_all(blob_fd, buffer.data(), static_cast<size_t>(n));
    }
    return n;
  }

  static la_ssize_t read_callback(struct archive* a, void* self, const void** out) {
    auto* raw = static_cast<RawStream*>(self);
    try {
      ssize_t n = raw->pull();
      if (n < 0) {
        archive_set_error(a, errno, "cannot read the layer: %s", std::strerror(errno));
        return -1;
      }
      *out = raw->buffer.data();
      return n;
    } catch (...) {
      raw->failure = std::current_exception();
      archive_set_error(a, EIO, "cannot store the layer blob");
      return -1;
    }
  }
};

// The decompressed tar stream: pulled from the outer reader by the inner tar reader, hashed on
// the way (that hash is the diff ID).
struct TarStream {
  explicit TarStream(struct archive* decompressor) : outer(decompressor) {}

  struct archive* outer;
  Sha256 hash;
  uint64_t size = 0;

  // Next decompressed block: its size, 0 at the end, -1 on error (message in `outer`).
  la_ssize_t pull(const void** out) {
    size_t block_size = 0;
    la_int64_t offset = 0;
    int r = archive_read_data_block(outer, out, &block_size, &offset);
    if (r == ARCHIVE_EOF) return 0;
    if (r < ARCHIVE_WARN) return -1;
    hash.update(*out, block_size);
    size += block_size;
    return static_cast<la_ssize_t>(block_size);
  }

  static la_ssize_t read_callback(struct archive* inner, void* self, const void** out) {
    auto* tar = static_cast<TarStream*>(self);
    la_ssize_t n = tar->pull(out);
    if (n < 0) archive_set_error(inner, EIO, "%s", error_of(tar->outer, "").c_str());
    return n;
  }
};

ArchiveReader open_decompressor(RawStream& raw) {
  ArchiveReader outer(archive_read_new());
  if (!outer) throw std::bad_alloc();
  archive_read_support_filter_all(outer.get());
  archive_read_support_format_raw(outer.get());
  if (archive_read_open(outer.get(), &raw, nullptr, RawStream::read_callback, nullptr) !=
      ARCHIVE_OK) {
    if (raw.failure) std::rethrow_exception(raw.failure);
    throw UserError("cannot read layer archive: " + error_of(outer.get(), "unknown error"));
  }
  struct archive_entry* entry = nullptr;
  int r = archive_read_next_header(outer.get(), &entry);
  if (raw.failure) std::rethrow_exception(raw.failure);
  if (r == ARCHIVE_EOF) throw UserError("layer archive is empty");
  if (r < ARCHIVE_WARN)
    throw UserError("cannot read layer archive: " + error_of(outer.get(), "unknown error"));
  return outer;
}

// libarchive names filters "none", "gzip", "zstd", "xz", "bzip2", "lzma", ...
std::string compression_of(struct archive* outer) {
  const char* name = archive_filter_name(outer, 0);
  return name != nullptr ? name : "none";
}

}  // namespace

IngestedLayer ingest_layer(int in_fd, int blob_out_fd, const std::string& target_dir) {
  RawStream raw(in_fd, blob_out_fd);
  ArchiveReader outer = open_decompressor(raw);
  TarStream tar(outer.get());

  ArchiveReader inner(archive_read_new());
  if (!inner) throw std::bad_alloc();
  archive_read_support_format_tar(inner.get());
  // Any failure below may come from the raw stream (a blob write error) rather than the data.
  auto fail = [&](const std::string& context) -> void {
    if (raw.failure) std::rethrow_exception(raw.failure);
    throw UserError(context + ": " + error_of(inner.get(), "unknown error"));
  };
  if (archive_read_open(inner.get(), &tar, nullptr, TarStream::read_callback, nullptr) !=
      ARCHIVE_OK)
    fail("layer is not a readable tar archive");

  LayerExtractor extractor(target_dir, running_rootless());
  std::string last_entry;
  for (;;) {
    struct archive_entry* entry = nullptr;
    int r = archive_read_next_header(inner.get(), &entry);
    if (r == ARCHIVE_EOF) break;
    if (r < ARCHIVE_WARN)
      fail(last_entry.empty() ? std::string("corrupt layer archive")
                              : "corrupt layer archive after entry \"" + last_entry + "\"");
    const char* name = archive_entry_pathname(entry);
    last_entry = name != nullptr ? name : "";
    try {
      extractor.extract(inner.get(), entry);
    } catch (const UserError&) {
      if (raw.failure) std::rethrow_exception(raw.failure);
      throw;
    }
  }
  extractor.finish();

  // The tar reader stops at the end-of-archive marker; the diff ID and the blob cover every byte,
  // including the padding after it and anything after the compressed stream.
  const void* ignored = nullptr;
  for (la_ssize_t n; (n = tar.pull(&ignored)) != 0;) {
    if (n >= 0) continue;
    if (raw.failure) std::rethrow_exception(raw.failure);
    throw UserError("corrupt layer archive at its end: " + error_of(outer.get(), "unknown error"));
  }
  for (ssize_t n; (n = raw.pull()) != 0;) {
    if (n < 0) throw_errno("read layer");
  }

  IngestedLayer layer;
  layer.blob_digest = "sha256:" + raw.hash.finish_hex();
  layer.diff_id = "sha256:" + tar.hash.finish_hex();
  layer.blob_size = raw.size;
  layer.tar_size = tar.size;
  layer.compression = compression_of(outer.get());
  return layer;
}

}  // namespace layerfs
