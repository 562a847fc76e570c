// Ingesting a layer: one pass over a (possibly compressed) layer tar that keeps the blob as
// received, computes its digest and diff ID, and extracts it securely into a layer directory.
#pragma once

#include <cstdint>
#include <functional>
#include <string>

#include "layers/archive/block_queue.h"

namespace layerfs {

struct IngestedLayer {
  std::string blob_digest;  // "sha256:..." of the bytes as read (compressed or not)
  std::string diff_id;      // "sha256:..." of the uncompressed tar stream
  uint64_t blob_size = 0;   // bytes read
  uint64_t tar_size = 0;    // uncompressed tar bytes
  std::string compression;  // "none", "gzip", "zstd", "xz", "bzip2" (libarchive filter name)
};

// Reads a layer tar (plain/gzip/zstd/xz/bzip2, auto-detected) from `in_fd` in ONE pass, to its end:
// writes the raw bytes to `blob_out_fd` when >= 0 (so the store keeps the blob as received),
// hashes the raw bytes AND the decompressed tar stream, and extracts the entries into
// `target_dir` (existing, empty). As real root owners, modes and devices are native; rootless,
// what cannot be set is recorded in user.containers.override_stat (see README.md).
// Throws UserError on a corrupt/truncated archive or a hostile entry, naming the entry; then
// target_dir holds a partial extraction the caller must discard.
IngestedLayer ingest_layer(int in_fd, int blob_out_fd, const std::string& target_dir);

// Where the raw bytes of a layer come from: replaces `block` with the next bytes (the spent block
// may be reused) and returns false at the end of the stream; throws when they cannot be had.
using LayerSource = std::function<bool(Block& block)>;
// Reads the fd in large blocks.
LayerSource fd_source(int fd);
// The same as ingest_layer above, from bytes another thread hands over without a pipe's copies
// (a download).
IngestedLayer ingest_layer(const LayerSource& source, int blob_out_fd,
                           const std::string& target_dir);

}  // namespace layerfs
