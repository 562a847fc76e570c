#include "fuse/data_read_ahead.h"

#include <fcntl.h>

#include <algorithm>

namespace layerfs::fuse {

DataReadAhead::Slot& DataReadAhead::slot_of(uint64_t file) {
  // FUSE inodes are node addresses, whose low bits are alike: Fibonacci hashing spreads them (and
  // numbers in sequence) over the slots.
  return slots_[(file * 0x9E3779B97F4A7C15ull) >> (64 - kSlotBits)];
}

DataReadAhead::Slot& DataReadAhead::claim(uint64_t file, std::unique_lock<std::mutex>& lock) {
  Slot& slot = slot_of(file);
  lock = std::unique_lock(slot.mutex);
  if (slot.file != file) {
    slot.file = file;
    slot.end = 0;
    slot.ahead_to = 0;
    slot.misses = 0;
  }
  return slot;
}

void DataReadAhead::before_disk_read(uint64_t file, int fd, off_t off) {
  {
    std::unique_lock<std::mutex> lock;
    Slot& slot = claim(file, lock);
    const bool pays = around_pays(slot);
    slot.misses = std::min(slot.misses + 1, 2 * kLotsOfMisses);
    if (!pays) return;
  }
  // Only starts the reads: the caller's own read then waits for its pages alone. Bounded by the
  // end of the file; pages already cached are skipped.
  ::readahead(fd, off - off % kAroundBytes, kAroundBytes);
}

void DataReadAhead::after_read(uint64_t file, int fd, off_t off, size_t size, bool cached) {
  const off_t end = off + static_cast<off_t>(size);
  off_t from = 0;
  off_t to = 0;
  {
    std::unique_lock<std::mutex> lock;
    Slot& slot = claim(file, lock);
    if (cached && slot.misses > 0) --slot.misses;
    // The first read of a file only says where its reader is.
    const bool goes_on =
        slot.end > 0 && off >= slot.end - kStreamSlack && off <= slot.end + kStreamSlack;
    if (!goes_on) {
      slot.end = end;
      slot.ahead_to = 0;
      return;
    }
    slot.end = std::max(slot.end, end);
    if (slot.ahead_to >= slot.end + kStreamRefill) return;
    from = std::max(slot.ahead_to, slot.end);
    to = slot.end + kStreamBytes;
    slot.ahead_to = to;
  }
  ::readahead(fd, from, static_cast<size_t>(to - from));
}

bool DataReadAhead::reads_around(uint64_t file) {
  Slot& slot = slot_of(file);
  std::lock_guard lock(slot.mutex);
  return slot.file != file || around_pays(slot);
}

}  // namespace layerfs::fuse
