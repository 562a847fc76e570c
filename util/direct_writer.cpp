#include "util/direct_writer.h"

#include <fcntl.h>
#include <sys/stat.h>

#include <cerrno>
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <new>

#include "util/error.h"
#include "util/fs.h"

namespace layerfs {

namespace {

// O_DIRECT wants buffer addresses, offsets and lengths aligned to the device's logical block
// size; 4096 covers every common one (the buffer's alignment, and the default).
constexpr size_t kAlignment = 4096;
constexpr size_t kBufferBytes = 1 << 20;

}  // namespace

void DirectWriter::FreeDeleter::operator()(char* p) const { std::free(p); }

DirectWriter::DirectWriter()
    : buffer_(static_cast<char*>(std::aligned_alloc(kAlignment, kBufferBytes))) {
  if (!buffer_) throw std::bad_alloc();
}

// An abandoned file (an error mid-way) keeps O_DIRECT: its owner closes and discards it.
DirectWriter::~DirectWriter() = default;

bool DirectWriter::set_direct(bool on) {
  int flags = ::fcntl(fd_, F_GETFL);
  if (flags < 0) throw_errno("fcntl " + what_);
  if (::fcntl(fd_, F_SETFL, on ? flags | O_DIRECT : flags & ~O_DIRECT) != 0) {
    if (on && errno == EINVAL) return false;  // the file system has no direct I/O
    throw_errno("fcntl " + what_);
  }
  direct_ = on;
  return true;
}

void DirectWriter::learn_alignment() {
  mem_align_ = offset_align_ = kAlignment;
#ifdef STATX_DIOALIGN
  struct statx st {};
  if (::statx(fd_, "", AT_EMPTY_PATH, STATX_DIOALIGN, &st) == 0 &&
      (st.stx_mask & STATX_DIOALIGN) != 0 && st.stx_dio_offset_align != 0 &&
      st.stx_dio_mem_align != 0 && kAlignment % st.stx_dio_offset_align == 0 &&
      kAlignment % st.stx_dio_mem_align == 0) {
    mem_align_ = st.stx_dio_mem_align;
    offset_align_ = st.stx_dio_offset_align;
  }
#endif
}

void DirectWriter::start(int fd, const std::string& what) {
  fd_ = fd;
  what_ = what;
  offset_ = 0;
  filled_ = 0;
  direct_ = false;
  if (supported_) supported_ = set_direct(true);
  if (direct_ && mem_align_ == 0) learn_alignment();
}

void DirectWriter::write(const char* data, size_t size) {
  if (direct_ && filled_ == 0 && reinterpret_cast<uintptr_t>(data) % mem_align_ == 0 &&
      size >= offset_align_) {
    // offset_ is aligned: everything before went out in aligned pieces.
    size_t bulk = size - size % offset_align_;
    write_aligned(data, bulk);
    data += bulk;
    size -= bulk;
  }
  while (size > 0) {
    size_t n = std::min(size, kBufferBytes - filled_);
    std::memcpy(buffer_.get() + filled_, data, n);
    filled_ += n;
    data += n;
    size -= n;
    if (filled_ == kBufferBytes) flush_aligned();
  }
}

void DirectWriter::write_aligned(const char* data, size_t size) {
  size_t done = 0;
  if (direct_) {
    ssize_t n = retry_eintr([&] { return ::pwrite(fd_, data, size, offset_); });
    if (n < 0 && errno != EINVAL) throw_errno("write " + what_);
    if (n < 0) supported_ = false;  // opened, but no direct writes here after all
    done = n > 0 ? static_cast<size_t>(n) : 0;
  }
  if (done < size) {
    // Not direct, refused, or cut short: the rest through the page cache.
    if (direct_) set_direct(false);
    write_all_at(fd_, data + done, size - done, offset_ + static_cast<off_t>(done), what_);
  }
  offset_ += static_cast<off_t>(size);
}

void DirectWriter::flush_aligned() {
  // The buffer is kAlignment-aligned, and offset_ stays a multiple of offset_align_ (or O_DIRECT
  // is off): its aligned part may go direct.
  size_t align = offset_align_ != 0 ? offset_align_ : kAlignment;
  size_t aligned = filled_ - filled_ % align;
  if (aligned == 0) return;
  write_aligned(buffer_.get(), aligned);
  std::memmove(buffer_.get(), buffer_.get() + aligned, filled_ - aligned);
  filled_ -= aligned;
}

off_t DirectWriter::finish() {
  flush_aligned();
  if (direct_) set_direct(false);
  write_all_at(fd_, buffer_.get(), filled_, offset_, what_);
  offset_ += static_cast<off_t>(filled_);
  filled_ = 0;
  fd_ = -1;
  return offset_;
}

}  // namespace layerfs
