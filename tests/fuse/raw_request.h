// Raw FUSE messages for the tests that feed crafted kernel requests to the daemon's code.
#pragma once

#include <fuse_lowlevel.h>

#include <vector>

namespace layerfs::fuse {

// A libfuse buffer over `bytes` (which must outlive it), as fuse_session_receive_buf fills one.
inline fuse_buf buffer_of(std::vector<char>& bytes) {
  fuse_buf buf = {};
  buf.mem = bytes.data();
  buf.size = bytes.size();
  return buf;
}

}  // namespace layerfs::fuse
