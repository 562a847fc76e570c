#include "fuse/init_reply.h"

#include <fcntl.h>
#include <linux/fuse.h>
#include <unistd.h>

#include <cstring>

#include "fuse/session_loop.h"
#include "util/error.h"
#include "util/unique_fd.h"

namespace layerfs::fuse {

uint32_t init_flags_libfuse_drops() { return FUSE_PARALLEL_DIROPS | FUSE_HANDLE_KILLPRIV_V2; }

std::optional<uint32_t> init_request_flags(const fuse_buf& buf) {
  uint32_t flags = 0;
  if (request_opcode(buf) != uint32_t{FUSE_INIT} ||
      !request_argument(buf, offsetof(fuse_init_in, flags), flags))
    return std::nullopt;
  return flags;
}

bool add_init_reply_flags(std::vector<char>& message, uint32_t flags) {
  fuse_out_header header;
  fuse_init_out init;
  constexpr size_t flags_at = sizeof header + offsetof(fuse_init_out, flags);
  if (message.size() < flags_at + sizeof init.flags) return false;
  std::memcpy(&header, message.data(), sizeof header);
  if (header.error != 0 || header.len != message.size()) return false;
  std::memcpy(&init.flags, message.data() + flags_at, sizeof init.flags);
  init.flags |= flags;
  std::memcpy(message.data() + flags_at, &init.flags, sizeof init.flags);
  return true;
}

std::optional<std::vector<char>> capture_writes(int fd, const std::function<void()>& serve) {
  int ends[2];
  if (::pipe2(ends, O_CLOEXEC) != 0) return std::nullopt;
  UniqueFd read_end(ends[0]);
  UniqueFd write_end(ends[1]);
  UniqueFd original(::fcntl(fd, F_DUPFD_CLOEXEC, 0));
  if (!original) return std::nullopt;
  if (::dup3(write_end.get(), fd, O_CLOEXEC) < 0) return std::nullopt;
  serve();
  // Put back before anything else can fail: nothing may be left writing into the capture.
  if (::dup3(original.get(), fd, O_CLOEXEC) < 0) throw_errno("restoring fd after a capture");
  write_end.reset();
  std::vector<char> written;
  char chunk[4096];
  for (;;) {
    ssize_t n = retry_eintr([&] { return ::read(read_end.get(), chunk, sizeof chunk); });
    if (n <= 0) break;
    written.insert(written.end(), chunk, chunk + n);
  }
  return written;
}

void serve_init(fuse_session* session, const fuse_buf& buf, uint32_t flags) {
  const int device = fuse_session_fd(session);
  std::optional<std::vector<char>> reply =
      capture_writes(device, [&] { fuse_session_process_buf(session, &buf); });
  if (!reply) return (void)fuse_session_process_buf(session, &buf);
  add_init_reply_flags(*reply, flags);
  // A reply is one write; if the kernel refuses it, it answers the mount's first access with an
  // error, as for any reply libfuse fails to send.
  retry_eintr([&] { return ::write(device, reply->data(), reply->size()); });
}

}  // namespace layerfs::fuse
