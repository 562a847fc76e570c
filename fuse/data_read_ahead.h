// Read-ahead inside one file's data, for the two ways of reading a large file that FUSE serves
// slowly from a cold cache. The kernel overlayfs reads its backing files directly; through FUSE,
// every page the kernel lacks is a request, and every request that waits for the disk waits
// alone.
//
// - Random reads (a database lookup, fio, the pages of a mapped program): the kernel asks for each
//   missing page, 4 KiB at a time, and each waits for the disk. A read that misses the backing
//   file's cache reads the aligned 1 MiB around it too, as the kernel's own fault read-around
//   does for mapped files: reading 1 MiB costs the disk little more than 4 KiB, and neighbouring
//   pages are often read next. A file whose reads keep missing all the same (a random reader of a
//   file far larger than what it reads) stops getting read-around, as the kernel's mmap_miss
//   count stops it, and gets it again once its reads hit the cache.
// - Sequential reads: the kernel asks for its read-ahead window (128-256 KiB) at a time, a few
//   READs at once on several threads, so the backing file is read in pieces that small. A reader
//   that goes on where it was gets the next 4 MiB of the backing file read ahead, in one call
//   every 2 MiB, so the disk serves large requests while the kernel's READs come in.
//
// The state is a small table of recent files (by inode), each in a slot of its own: a file that
// loses its slot to another starts again as new. Everything here is a guess; it never fails.
#pragma once

#include <sys/types.h>

#include <array>
#include <cstddef>
#include <cstdint>
#include <mutex>

namespace layerfs::fuse {

class DataReadAhead {
 public:
  // What a missed read brings in with it: the aligned block around it.
  static constexpr off_t kAroundBytes = 1 << 20;
  // How far ahead of a sequential reader the backing file is read, and how far the reader may get
  // into that window before the rest of it is asked for.
  static constexpr off_t kStreamBytes = 4 << 20;
  static constexpr off_t kStreamRefill = kStreamBytes / 2;
  // Reads of one window arrive on several threads, not quite in order: a read this close to where
  // the file's reader was still goes on from there.
  static constexpr off_t kStreamSlack = 2 << 20;
  // Misses net of hits after which read-around is not paying for a file (the kernel's
  // MMAP_LOTSAMISS); the count stops at twice as many, so that hits bring it back in time.
  static constexpr int kLotsOfMisses = 100;

  // The read of [off, off + size) of `file` (the inode; `fd`, its backing file) must come from
  // the disk: reads the block around it as well, when that pays. Call before reading.
  void before_disk_read(uint64_t file, int fd, off_t off);
  // After a read of [off, off + size) of `file` (`cached`: it found all its data in the page
  // cache): a reader that goes on sequentially gets the next window read ahead.
  void after_read(uint64_t file, int fd, off_t off, size_t size, bool cached);

  // Whether `file` gets read-around now (tests).
  bool reads_around(uint64_t file);

 private:
  struct Slot {
    std::mutex mutex;
    uint64_t file = 0;   // 0: free
    off_t end = 0;       // where the file's reader got to
    off_t ahead_to = 0;  // how far the backing file is read ahead of it (0: not a stream)
    int misses = 0;      // missed reads net of cached ones
  };
  static constexpr int kSlotBits = 6;

  static bool around_pays(const Slot& slot) { return slot.misses < kLotsOfMisses; }
  Slot& slot_of(uint64_t file);
  // The slot of `file`, taken over (reset) when it held another file; `lock` then holds its mutex.
  Slot& claim(uint64_t file, std::unique_lock<std::mutex>& lock);

  std::array<Slot, size_t{1} << kSlotBits> slots_;
};

}  // namespace layerfs::fuse
