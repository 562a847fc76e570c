#include "tests/fuse/differential/random.h"

namespace layerfs::differential {

std::string pattern_bytes(uint64_t seed, size_t length) {
  // splitmix64: fast, and any seed gives well-mixed bytes, so overlapping writes are visible.
  std::string bytes(length, '\0');
  uint64_t state = seed;
  for (size_t i = 0; i < length; i += 8) {
    state += 0x9e3779b97f4a7c15ULL;
    uint64_t z = state;
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
    z ^= z >> 31;
    for (size_t j = 0; j < 8 && i + j < length; ++j) bytes[i + j] = static_cast<char>(z >> (8 * j));
  }
  return bytes;
}

}  // namespace layerfs::differential
