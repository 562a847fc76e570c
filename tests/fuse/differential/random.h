// The tester's only source of randomness: one seeded generator, so a seed replays exactly.
#pragma once

#include <cstdint>
#include <random>
#include <string>
#include <vector>

namespace layerfs::differential {

class Random {
 public:
  explicit Random(uint64_t seed) : engine_(seed) {}

  // Uniform in [low, high].
  uint64_t between(uint64_t low, uint64_t high) {
    return std::uniform_int_distribution<uint64_t>(low, high)(engine_);
  }
  // True with the given percentage.
  bool percent(unsigned chance) { return between(0, 99) < chance; }
  template <typename T>
  const T& pick(const std::vector<T>& items) {
    return items[between(0, items.size() - 1)];
  }
  // A fresh seed for a sub-generator (file contents), so contents need not be stored.
  uint64_t next_seed() { return engine_(); }

 private:
  std::mt19937_64 engine_;
};

// Deterministic bytes for a (seed, length) pair: file contents are described by two numbers.
std::string pattern_bytes(uint64_t seed, size_t length);

}  // namespace layerfs::differential
