#include "util/direct_writer.h"

#include <fcntl.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <new>

#include "util/error.h"
#include "util/fs.h"

namespace layerfs {

namespace {

// O_DIRECT wants buffer addresses, offsets and lengths aligned to the device's logical block
// size; 4096 covers every common one.
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

void DirectWriter::start(int fd, const std::string& what) {
  fd_ = fd;
  what_ = what;
  offset_ = 0;
  filled_ = 0;
  direct_ = false;
  if (supported_) supported_ = set_direct(true);
}

void DirectWriter::write(const char* data, size_t size) {
  while (size > 0) {
    size_t n = std::min(size, kBufferBytes - filled_);
    std::memcpy(buffer_.get() + filled_, data, n);
    filled_ += n;
    data += n;
    size -= n;
    if (filled_ == kBufferBytes) flush_aligned();
  }
}

void DirectWriter::flush_aligned() {
  size_t aligned = filled_ - filled_ % kAlignment;
  if (aligned == 0) return;
  size_t done = 0;
  if (direct_) {
    ssize_t n = retry_eintr([&] { return ::pwrite(fd_, buffer_.get(), aligned, offset_); });
    if (n < 0 && errno != EINVAL) throw_errno("write " + what_);
    if (n < 0) supported_ = false;  // opened, but no direct writes here after all
    done = n > 0 ? static_cast<size_t>(n) : 0;
  }
  if (done < aligned) {
    // Not direct, refused, or cut short: the rest through the page cache.
    if (direct_) set_direct(false);
    write_all_at(fd_, buffer_.get() + done, aligned - done, offset_ + static_cast<off_t>(done),
                 what_);
  }
  offset_ += static_cast<off_t>(aligned);
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
