#include "fuse/tmpfile_request.h"

#include <linux/fuse.h>

#include <cstring>

#include "fuse/session_loop.h"

namespace layerfs::fuse {

std::optional<std::vector<char>> tmpfile_as_create(const fuse_buf& buf) {
  if (request_opcode(buf) != uint32_t{FUSE_TMPFILE}) return std::nullopt;
  fuse_in_header header;
  fuse_create_in arguments;
  if (buf.size < sizeof header + sizeof arguments) return std::nullopt;
  std::memcpy(&header, buf.mem, sizeof header);
  std::memcpy(&arguments, static_cast<const char*>(buf.mem) + sizeof header, sizeof arguments);
  header.opcode = FUSE_CREATE;
  header.len = static_cast<uint32_t>(sizeof header + sizeof arguments + kTmpfileName.size() + 1);
  std::vector<char> request(header.len, '\0');
  std::memcpy(request.data(), &header, sizeof header);
  std::memcpy(request.data() + sizeof header, &arguments, sizeof arguments);
  std::memcpy(request.data() + sizeof header + sizeof arguments, kTmpfileName.data(),
              kTmpfileName.size());
  return request;
}

}  // namespace layerfs::fuse
