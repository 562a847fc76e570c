#include "layers/archive/block_queue.h"

#include <utility>

namespace layerfs {

Block BlockQueue::spare() {
  std::lock_guard lock(mutex_);
  if (spares_.empty()) return {};
  Block block = std::move(spares_.back());
  spares_.pop_back();
  block.clear();
  return block;
}

bool BlockQueue::push(Block block) {
  std::unique_lock lock(mutex_);
  changed_.wait(lock, [&] { return cancelled_ || blocks_.size() < max_blocks_; });
  if (cancelled_) return false;
  blocks_.push_back(std::move(block));
  changed_.notify_all();
  return true;
}

void BlockQueue::close() {
  std::lock_guard lock(mutex_);
  closed_ = true;
  changed_.notify_all();
}

bool BlockQueue::pop(Block& block) {
  std::unique_lock lock(mutex_);
  changed_.wait(lock, [&] { return cancelled_ || closed_ || !blocks_.empty(); });
  if (cancelled_ || blocks_.empty()) return false;
  block = std::move(blocks_.front());
  blocks_.pop_front();
  changed_.notify_all();
  return true;
}

void BlockQueue::recycle(Block block) {
  std::lock_guard lock(mutex_);
  if (spares_.size() < max_blocks_ + 1) spares_.push_back(std::move(block));
}

void BlockQueue::cancel() {
  std::lock_guard lock(mutex_);
  cancelled_ = true;
  changed_.notify_all();
}

}  // namespace layerfs
