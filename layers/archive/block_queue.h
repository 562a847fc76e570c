// Blocks of bytes handed from one producer thread to one consumer thread, a few at a time, so
// that two stages of a stream (decompressing, extracting) run on two cores. Spent blocks go back
// to the producer: the same few buffers carry the whole stream.
#pragma once

#include <condition_variable>
#include <cstddef>
#include <cstring>
#include <deque>
#include <memory>
#include <mutex>
#include <new>
#include <utility>
#include <vector>

namespace layerfs {

// An allocator whose resize() leaves new bytes uninitialised: a block is sized to receive bytes
// (read, inflated) that overwrite it at once, and zero-filling every MiB first costs a pass over
// memory for nothing. Its memory is page-aligned: bytes at 512-byte offsets into a block (a tar's
// file data, a whole received block) can then be written with O_DIRECT straight from it
// (util/direct_writer.h) instead of being copied to an aligned buffer first.
template <typename T>
struct UninitializedAllocator : std::allocator<T> {
  using value_type = T;
  template <typename U>
  struct rebind {
    using other = UninitializedAllocator<U>;
  };
  static constexpr std::align_val_t kPage{4096};
  UninitializedAllocator() = default;
  template <typename U>
  UninitializedAllocator(const UninitializedAllocator<U>&) noexcept {}

  T* allocate(size_t n) { return static_cast<T*>(::operator new(n * sizeof(T), kPage)); }
  void deallocate(T* p, size_t n) noexcept { ::operator delete(p, n * sizeof(T), kPage); }

  template <typename U>
  void construct(U* p) noexcept {
    ::new (static_cast<void*>(p)) U;  // default-initialised: no value for a char
  }
  template <typename U, typename... Args>
  void construct(U* p, Args&&... args) {
    ::new (static_cast<void*>(p)) U(std::forward<Args>(args)...);
  }
};

using Block = std::vector<char, UninitializedAllocator<char>>;

// Appends bytes with one memcpy (a range insert() copies element by element through the
// allocator's construct()).
inline void append(Block& block, const char* data, size_t size) {
  size_t old_size = block.size();
  block.resize(old_size + size);
  std::memcpy(block.data() + old_size, data, size);
}

class BlockQueue {
 public:
  explicit BlockQueue(size_t max_blocks) : max_blocks_(max_blocks) {}

  // Producer: an empty buffer, recycled when the consumer has returned one.
  Block spare();
  // Producer: waits while the queue is full; false once the consumer has cancelled (stop then).
  bool push(Block block);
  // Producer: the stream ends after the blocks already pushed.
  void close();

  // Consumer: waits for the next block; false at the end of the stream or after cancel().
  bool pop(Block& block);
  // Consumer: gives a spent block back for reuse.
  void recycle(Block block);
  // Consumer: no more blocks wanted; a waiting or later push() returns false.
  void cancel();

 private:
  const size_t max_blocks_;
  std::mutex mutex_;
  std::condition_variable changed_;
  std::deque<Block> blocks_;
  std::vector<Block> spares_;
  bool closed_ = false;
  bool cancelled_ = false;
};

}  // namespace layerfs
