// Turning a compressed layer blob (gzip, zstd, xz, bzip2; plain passes through) into a plain tar.
#pragma once

#include <string>

namespace layerfs {

// Writes the decompressed content of file `from` to the new file `to` (fsynced) and returns the
// "sha256:..." digest of what was written. Throws UserError on corrupt or truncated input.
std::string decompress_file(const std::string& from, const std::string& to);

}  // namespace layerfs
