// Writing a directory as a deterministic layer tar: the inverse of ingest_layer, and what
// `save`, `export` and build snapshots stream.
#pragma once

#include <cstdint>
#include <optional>
#include <string>

namespace layerfs {

struct LayerTarOptions {
  // SOURCE_DATE_EPOCH: mtimes later than this are clamped to it, so rebuilds give equal digests.
  std::optional<int64_t> source_date_epoch;
};

struct WrittenLayer {
  std::string diff_id;  // "sha256:..." of the tar bytes written
  uint64_t size = 0;    // tar bytes written
};

// Writes a deterministic uncompressed tar of `layer_dir` (its contents, not the directory itself)
// to out_fd: entries sorted by name, depth first; PAX format; numeric owners; mtimes only (no
// atime/ctime); hard links as links. Owner, mode and file type come from
// user.containers.override_stat where present (placeholders become the devices, fifos and
// symlinks they stand for), privileged xattrs stored by a rootless extraction get their real
// names back. Whiteout files (.wh.*) are ordinary files here and are written as they are.
// A tree still in use (a running container's upper) may change meanwhile: entries removed
// after their directory was listed are left out rather than failing the whole tar.
WrittenLayer write_layer_tar(const std::string& layer_dir, int out_fd,
                             const LayerTarOptions& opts = {});

}  // namespace layerfs
