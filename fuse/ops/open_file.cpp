#include "fuse/ops/open_file.h"

#include <sys/stat.h>

#include <mutex>
#include <optional>

#include "fuse/copy_up.h"
#include "fuse/metacopy.h"
#include "fuse/new_entry.h"
#include "fuse/path_fd.h"
#include "fuse/session_loop.h"
#include "util/error.h"

namespace layerfs::fuse::ops {

namespace {

UniqueFd reopen_upper(UnionFs& fs, Node& node, int flags) {
  UniqueFd fd(reopen_at(fs.locate(node).at(), flags));
  if (!fd) throw_errno("open", errno);
  return fd;
}

}  // namespace

UniqueFd open_node_data(UnionFs& fs, Node& node, int flags) {
  FileRef file = fs.locate(node);
  // A metacopy file's data is still its lower origin's.
  UniqueFd fd(node.metacopy ? open_metacopy_data(file.at(), fs.layers.lower_fds(), flags)
                            : reopen_at(file.at(), flags));
  if (!fd) throw_errno("open", errno);
  return fd;
}

UniqueFd open_for_change(UnionFs& fs, Node& node, int flags) {
  {
    std::shared_lock lock(fs.tree);
    if (fs.layers.is_upper(node.layer) && !node.metacopy) return reopen_upper(fs, node, flags);
  }
  // The first change to a lower file copies its data up, which may take long.
  SessionLoop::let_another_thread_read();
  // A large file's data is copied before taking the tree lock exclusively.
  PreparedData prepared = prepare_copy_up(fs, node);
  std::unique_lock lock(fs.tree);
  copy_up(fs, node, CopyUp::Full, &prepared);
  return reopen_upper(fs, node, flags);
}

RequestFile RequestFile::for_reading(UnionFs& fs, fuse_ino_t ino, const fuse_file_info* fi) {
  if (fi != nullptr && fi->fh != 0) return RequestFile(file_fd(fi));
  std::shared_lock lock(fs.tree);
  Node& node = fs.node(ino);
  const size_t slot = UnionFs::read_slot(node);
  if (SharedFd cached = fs.read_fds.find(node.id, slot)) return RequestFile(std::move(cached));
  auto fd = std::make_shared<const UniqueFd>(open_node_data(fs, node, O_RDONLY));
  fs.read_fds.insert(node.id, slot, fd);
  return RequestFile(std::move(fd));
}

RequestFile RequestFile::for_writing(UnionFs& fs, fuse_ino_t ino, const fuse_file_info* fi) {
  if (fi != nullptr && fi->fh != 0) return RequestFile(file_fd(fi));
  return RequestFile(std::make_shared<const UniqueFd>(open_for_change(fs, fs.node(ino), O_WRONLY)));
}

namespace {

// The inode number `node` shows, when a change through `fd` leaves other nodes that reach the
// same file stale (reached_by_other_nodes); nothing when no other node can reach it.
std::optional<uint64_t> ino_shared_with_other_nodes(UnionFs& fs, Node& node, int fd) {
  struct stat st;
  if (::fstat(fd, &st) != 0) return std::nullopt;
  std::shared_lock lock(fs.tree);
  if (!reached_by_other_nodes(node, st)) return std::nullopt;
  return node.ino;
}

}  // namespace

void reply_after_write(UnionFs& fs, fuse_ino_t ino, const RequestFile& file,
                       const std::function<void()>& reply) {
  Node& node = fs.node(ino);
  const std::optional<uint64_t> shown_ino = ino_shared_with_other_nodes(fs, node, file.fd());
  if (!shown_ino) return reply();
  // Not under the tree lock: the kernel may wait for a request that needs it.
  fs.alias_telling.after_change(*shown_ino, fs.table.id_of(node), reply);
}

void tell_other_nodes_after_writes(UnionFs& fs, Node& node, int fd) {
  if (std::optional<uint64_t> shown_ino = ino_shared_with_other_nodes(fs, node, fd))
    invalidate_aliases(fs, *shown_ino, &node);
}

}  // namespace layerfs::fuse::ops
