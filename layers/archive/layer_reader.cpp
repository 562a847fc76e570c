#include "layers/archive/layer_reader.h"

#include <archive.h>
#include <archive_entry.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <exception>
#include <memory>
#include <string_view>
#include <thread>
#include <tuple>
#include <utility>
#include <vector>

#include "layers/archive/block_queue.h"
#include "layers/archive/gzip_inflater.h"
#include "layers/archive/layer_extractor.h"
#include "util/direct_writer.h"
#include "util/error.h"
#include "util/fs.h"
#include "util/override_stat.h"
#include "util/sha256_pair.h"

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

// The layer's two digests: of the raw bytes (the blob digest) and of the tar bytes (the diff ID).
// Both are computed on the thread that decompresses, where both streams pass, the tar bytes while
// they are still in the cache. Bytes are lent until their buffer is needed again and hashed then,
// each release paired with what the other stream has at hand: Sha256Pair hashes two streams
// interleaved at ~1.7x the speed of one.
class LayerHashes {
 public:
  // The next raw bytes; those lent before were released.
  void lend_raw(const char* data, size_t size) { raw_ = {data, size}; }
  // Hashes the lent raw bytes before their buffer is reused.
  void release_raw() { hash(raw_.size(), std::min(raw_.size(), tar_.size())); }
  // The next tar bytes. Those lent before and not released are still valid: continued in the
  // same buffer, or hashed first.
  void lend_tar(const char* data, size_t size) {
    if (!tar_.empty() && tar_.data() + tar_.size() != data) release_tar();
    tar_ = tar_.empty() ? std::string_view(data, size)
                        : std::string_view(tar_.data(), tar_.size() + size);
  }
  // Hashes the lent tar bytes before their buffer is handed on.
  void release_tar() { hash(std::min(raw_.size(), tar_.size()), tar_.size()); }
  // Forgets the lent bytes (their buffers are gone): the stream failed, no digest is taken.
  void abandon() { raw_ = tar_ = {}; }

  // Once every byte was lent: "sha256:..." of the raw bytes and of the tar bytes.
  std::pair<std::string, std::string> finish() {
    release_raw();
    release_tar();
    return {"sha256:" + pair_.finish_first_hex(), "sha256:" + pair_.finish_second_hex()};
  }

 private:
  void hash(size_t raw_bytes, size_t tar_bytes) {
    pair_.update(raw_.substr(0, raw_bytes), tar_.substr(0, tar_bytes));
    raw_.remove_prefix(raw_bytes);
    tar_.remove_prefix(tar_bytes);
  }

  Sha256Pair pair_;
  std::string_view raw_, tar_;  // lent, not yet hashed
};

// The bytes as received: taken from the source, copied to the blob and lent to the hashes.
// libarchive's outer reader pulls from here; an exception cannot cross libarchive's C frames, so
// it is kept and rethrown once libarchive has returned.
struct RawStream {
  RawStream(const LayerSource& in, int blob_out, LayerHashes& layer_hashes)
      : source(in), blob_fd(blob_out), hashes(layer_hashes) {
    if (blob_fd >= 0) blob.start(blob_fd, "layer blob");
  }

  const LayerSource& source;
  int blob_fd;
  DirectWriter blob;  // a blob is large and not read back soon: no page cache
  LayerHashes& hashes;
  uint64_t size = 0;
  Block buffer;
  bool replay = false;  // the next pull() hands out `buffer` again (it was only peeked at)
  std::exception_ptr failure;

  // Returns the bytes now in `buffer`, 0 at the end.
  size_t pull() {
    if (replay) {
      replay = false;
      return buffer.size();
    }
    hashes.release_raw();  // the source reuses the buffer
    while (source(buffer)) {
      if (buffer.empty()) continue;
      hashes.lend_raw(buffer.data(), buffer.size());
      size += buffer.size();
      if (blob_fd >= 0) blob.write(buffer.data(), buffer.size());
      return buffer.size();
    }
    buffer.clear();
    return 0;
  }

  static la_ssize_t read_callback(struct archive* a, void* self, const void** out) {
    auto* raw = static_cast<RawStream*>(self);
    try {
      size_t n = raw->pull();
      *out = raw->buffer.data();
      return static_cast<la_ssize_t>(n);
    } catch (...) {
      raw->failure = std::current_exception();
      archive_set_error(a, EIO, "cannot store the layer blob");
      return -1;
    }
  }
};

// The decompression on a thread of its own: it reads the raw bytes (writing the blob) and
// decompresses them into the queue, in blocks of kDecompressedBlock bytes, hashing both streams,
// while the caller's thread parses and extracts the tar. So one layer keeps two cores busy, and the
// tar reader gets large blocks (a file's data goes to disk in few large writes). gzip, the common
// case, is inflated by igzip (several times faster than zlib) straight into the blocks; other
// compressions go through libarchive's outer reader (`outer`, null for gzip).
class Decompressor {
 public:
  Decompressor(RawStream& raw, struct archive* outer)
      : raw_(raw), outer_(outer), queue_(kQueuedBlocks), thread_([this] { run(); }) {}
  ~Decompressor() { stop(); }
  Decompressor(const Decompressor&) = delete;
  Decompressor& operator=(const Decompressor&) = delete;

  BlockQueue& queue() { return queue_; }

  // Ends the thread (early, when the consumer gives up); afterwards the raw stream and the outer
  // reader belong to the caller again.
  void stop() {
    queue_.cancel();
    if (thread_.joinable()) thread_.join();
  }

  // After the queue ran dry: why the stream ended early, or "" when it is complete. Throws what
  // the raw stream threw (a blob write error, a read error after the compressed data).
  std::string failure() {
    stop();
    if (raw_.failure) std::rethrow_exception(raw_.failure);
    if (thread_failure_) std::rethrow_exception(thread_failure_);
    return error_;
  }

 private:
  static constexpr size_t kDecompressedBlock = 1 << 20;
  static constexpr size_t kQueuedBlocks = 4;

  void run() {
    try {
      if (outer_ != nullptr ? decompress() : inflate_gzip()) {
        drain_raw();
        raw_.hashes.release_raw();  // the tar bytes were released before each push
      } else {
        raw_.hashes.abandon();  // the blocks lent from are gone; no digest is taken
      }
    } catch (...) {
      raw_.hashes.abandon();
      thread_failure_ = std::current_exception();
    }
    queue_.close();
  }

  // igzip from the raw stream (its first bytes already in raw_.buffer) into the blocks. False
  // when the data is corrupt or the consumer cancelled.
  bool inflate_gzip() {
    GzipInflater gzip;
    gzip.feed(raw_.buffer.data(), raw_.buffer.size());
    Block block = queue_.spare();
    size_t filled = 0;
    try {
      for (;;) {
        if (gzip.input_consumed() && !gzip.ended()) {
          if (raw_.pull() == 0) {
            gzip.finish();
            break;
          }
          gzip.feed(raw_.buffer.data(), raw_.buffer.size());
        }
        if (block.size() < kDecompressedBlock) block.resize(kDecompressedBlock);
        size_t n = gzip.inflate(block.data() + filled, block.size() - filled);
        raw_.hashes.lend_tar(block.data() + filled, n);
        filled += n;
        if (filled == block.size()) {
          raw_.hashes.release_tar();
          if (!queue_.push(std::move(block))) return false;
          block = queue_.spare();
          filled = 0;
        } else if (gzip.ended()) {
          break;
        }
      }
    } catch (const UserError& e) {
      error_ = e.what();  // corrupt data: reported like libarchive's errors
      return false;
    }
    if (filled == 0) return true;
    block.resize(filled);
    raw_.hashes.release_tar();
    return queue_.push(std::move(block));
  }

  // libarchive's outer reader into the blocks. False when decompression failed or the consumer
  // cancelled.
  bool decompress() {
    Block block = queue_.spare();
    for (;;) {
      const void* data = nullptr;
      size_t size = 0;
      la_int64_t offset = 0;
      int r = archive_read_data_block(outer_, &data, &size, &offset);
      if (r == ARCHIVE_EOF) break;
      if (r < ARCHIVE_WARN) {
        error_ = error_of(outer_, "unknown error");
        return false;
      }
      if (block.capacity() < kDecompressedBlock) block.reserve(kDecompressedBlock);
      append(block, static_cast<const char*>(data), size);
      // Hashed at once: the next append may move the block.
      raw_.hashes.lend_tar(block.data() + block.size() - size, size);
      raw_.hashes.release_tar();
      if (block.size() >= kDecompressedBlock) {
        if (!queue_.push(std::move(block))) return false;
        block = queue_.spare();
      }
    }
    return block.empty() || queue_.push(std::move(block));
  }

  // The blob and its digest cover every byte, including anything after the compressed stream.
  void drain_raw() {
    while (raw_.pull() != 0) {
    }
  }

  RawStream& raw_;
  struct archive* outer_;
  BlockQueue queue_;
  std::string error_;
  std::exception_ptr thread_failure_;
  std::thread thread_;  // last: started once everything it uses exists
};

// The decompressed tar stream as the inner tar reader pulls it from the queue (already hashed by
// the decompressor).
struct TarStream {
  explicit TarStream(Decompressor& source) : decompressor(source) {}

  Decompressor& decompressor;
  uint64_t size = 0;
  Block current;  // the block last handed out; libarchive reads it until the next pull
  std::string error;

  // Next decompressed block: its size, 0 at the end, -1 on error (message in `error`).
  la_ssize_t pull(const void** out) {
    BlockQueue& queue = decompressor.queue();
    if (!current.empty()) queue.recycle(std::move(current));
    current = Block();
    if (!queue.pop(current)) {
      error = decompressor.failure();
      return error.empty() ? 0 : -1;
    }
    size += current.size();
    *out = current.data();
    return static_cast<la_ssize_t>(current.size());
  }

  static la_ssize_t read_callback(struct archive* inner, void* self, const void** out) {
    auto* tar = static_cast<TarStream*>(self);
    try {
      la_ssize_t n = tar->pull(out);
      if (n < 0) archive_set_error(inner, EIO, "%s", tar->error.c_str());
      return n;
    } catch (...) {
      // The raw stream's failure: rethrown by the caller from Decompressor::failure().
      archive_set_error(inner, EIO, "cannot read the layer");
      return -1;
    }
  }
};

// libarchive's outer reader for what igzip does not take (plain tars, zstd, xz, bzip2).
ArchiveReader open_decompressor(RawStream& raw) {
  raw.replay = true;  // the bytes the caller peeked at come first
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

LayerSource fd_source(int fd) {
  return [fd](Block& block) {
    block.resize(kReadChunk);
    ssize_t n = retry_eintr([&] { return ::read(fd, block.data(), block.size()); });
    if (n < 0) throw_errno("read the layer");
    block.resize(static_cast<size_t>(n));
    return n > 0;
  };
}

IngestedLayer ingest_layer(int in_fd, int blob_out_fd, const std::string& target_dir) {
  return ingest_layer(fd_source(in_fd), blob_out_fd, target_dir);
}

IngestedLayer ingest_layer(const LayerSource& source, int blob_out_fd,
                           const std::string& target_dir) {
  LayerHashes hashes;
  RawStream raw(source, blob_out_fd, hashes);
  raw.pull();  // the first bytes say which decompressor
  ArchiveReader outer;
  std::string compression = "gzip";
  if (!GzipInflater::starts_gzip(raw.buffer.data(), raw.buffer.size())) {
    outer = open_decompressor(raw);
    compression = compression_of(outer.get());
  }
  Decompressor decompressor(raw, outer.get());
  TarStream tar(decompressor);

  ArchiveReader inner(archive_read_new());
  if (!inner) throw std::bad_alloc();
  archive_read_support_format_tar(inner.get());
  // Any failure below may come from the raw stream (a read or blob write error) rather than the
  // data: failure() rethrows that.
  auto fail = [&](const std::string& context) -> void {
    decompressor.failure();
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
      decompressor.failure();
      throw;
    }
  }
  extractor.finish();

  // The tar reader stops at the end-of-archive marker; the diff ID covers every byte, including
  // the padding after it: the queue is read to its end, and so the decompressor has finished.
  const void* ignored = nullptr;
  for (la_ssize_t n; (n = tar.pull(&ignored)) != 0;) {
    if (n < 0) throw UserError("corrupt layer archive at its end: " + tar.error);
  }

  if (blob_out_fd >= 0) raw.blob.finish();  // the decompressing thread has ended

  IngestedLayer layer;
  std::tie(layer.blob_digest, layer.diff_id) = hashes.finish();
  layer.blob_size = raw.size;
  layer.tar_size = tar.size;
  layer.compression = compression;
  return layer;
}

}  // namespace layerfs
