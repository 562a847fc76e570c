#include "util/page_cache.h"

#include <fcntl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <cstdint>
#include <vector>

namespace layerfs {

namespace {

// cachestat(2) (Linux 6.5), which glibc 2.36 does not wrap.
#ifndef SYS_cachestat
#define SYS_cachestat 451
#endif
struct CachestatRange {
  uint64_t off;
  uint64_t len;
};
struct Cachestat {
  uint64_t nr_cache;
  uint64_t nr_dirty;
  uint64_t nr_writeback;
  uint64_t nr_evicted;
  uint64_t nr_recently_evicted;
};

std::atomic<bool> cachestat_missing{false};

}  // namespace

bool range_cached(int fd, off_t off, size_t size) {
  if (size == 0) return true;
  if (cachestat_missing.load(std::memory_order_relaxed)) return false;
  struct stat st;
  if (::fstat(fd, &st) != 0) return false;
  const off_t end = std::min<off_t>(st.st_size, off + static_cast<off_t>(size));
  if (end <= off) return true;  // at or past the end of the file: nothing to read
  const long page = ::sysconf(_SC_PAGESIZE);
  const uint64_t first = static_cast<uint64_t>(off) / page;
  const uint64_t last = static_cast<uint64_t>(end - 1) / page;
  CachestatRange range{first * page, (last - first + 1) * page};
  Cachestat stat{};
  if (::syscall(SYS_cachestat, fd, &range, &stat, 0) != 0) {
    if (errno == ENOSYS) cachestat_missing.store(true, std::memory_order_relaxed);
    return false;
  }
  return stat.nr_cache >= last - first + 1;
}

bool drop_from_page_cache(int fd) {
  struct stat st;
  if (::fdatasync(fd) != 0 || ::fstat(fd, &st) != 0) return false;
  if (st.st_size == 0) return true;
  if (::posix_fadvise(fd, 0, 0, POSIX_FADV_DONTNEED) != 0) return false;
  // Asked with mincore, not cachestat, so that this also works where range_cached cannot tell.
  const size_t size = static_cast<size_t>(st.st_size);
  void* map = ::mmap(nullptr, size, PROT_READ, MAP_SHARED, fd, 0);
  if (map == MAP_FAILED) return false;
  const long page = ::sysconf(_SC_PAGESIZE);
  std::vector<unsigned char> pages((size + page - 1) / page);
  const bool asked = ::mincore(map, size, pages.data()) == 0;
  ::munmap(map, size);
  return asked && std::none_of(pages.begin(), pages.end(), [](unsigned char p) { return p & 1; });
}

}  // namespace layerfs
