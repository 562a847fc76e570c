// Writing a new file front to back with O_DIRECT for its aligned bulk. A pull writes hundreds of
// MB (blobs, extracted files) that nothing reads back soon; filling fresh page-cache pages costs
// more CPU than the disk write itself (on the benchmark's VM, buffered writes into new pages run
// at ~350 MB/s, O_DIRECT at ~1 GB/s), and the final sync has less to flush.
#pragma once

#include <sys/types.h>

#include <cstddef>
#include <memory>
#include <string>

namespace layerfs {

class DirectWriter {
 public:
  DirectWriter();
  ~DirectWriter();
  DirectWriter(const DirectWriter&) = delete;
  DirectWriter& operator=(const DirectWriter&) = delete;

  // Starts writing `fd` (a regular file opened for writing, empty, without O_DIRECT) at offset 0.
  // `what` names the file in errors.
  void start(int fd, const std::string& what);
  // Appends bytes. Where the bytes are aligned as the file system's direct I/O wants them
  // (statx STATX_DIOALIGN: memory and file offset, 512 bytes on ext4 over a 512-byte device) and
  // nothing is buffered, their aligned bulk goes to disk straight from the caller's memory (a
  // layer's 1 MiB blocks are page-aligned and a tar puts file data at 512-byte offsets); otherwise
  // they are gathered into an aligned buffer, written with O_DIRECT a full buffer at a time.
  void write(const char* data, size_t size);
  // Writes what is left (the unaligned tail through the page cache) and turns O_DIRECT off
  // again. Must be called before the fd is used otherwise; the bytes written so far.
  off_t finish();

 private:
  // Writes the aligned part of the buffer with O_DIRECT (or all of it through the page cache
  // when the file system refuses O_DIRECT) and keeps the rest at the buffer's start.
  void flush_aligned();
  // Writes `size` bytes (a multiple of offset_align_, from memory aligned to mem_align_) at
  // offset_: O_DIRECT while the file system takes it, then through the page cache.
  void write_aligned(const char* data, size_t size);
  bool set_direct(bool on);
  void learn_alignment();

  struct FreeDeleter {
    void operator()(char* p) const;
  };
  std::unique_ptr<char, FreeDeleter> buffer_;
  size_t filled_ = 0;
  int fd_ = -1;
  std::string what_;
  off_t offset_ = 0;       // where the buffer's first byte goes
  bool direct_ = false;    // O_DIRECT is on for fd_
  bool supported_ = true;  // false once a file system refused O_DIRECT: stop trying
  // What direct I/O wants of this writer's file system, learnt from its first file (a writer
  // serves one layer directory or one blob); 4096 where statx does not say.
  size_t mem_align_ = 0;
  size_t offset_align_ = 0;
};

}  // namespace layerfs
