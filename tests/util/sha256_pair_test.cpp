#include "util/sha256_pair.h"

#include <gtest/gtest.h>

#include <random>
#include <string>

#include "util/sha256.h"

namespace layerfs {
namespace {

const Sha256Pair::Engine kEngines[] = {Sha256Pair::Engine::kBest, Sha256Pair::Engine::kOpenSsl};

std::string random_bytes(std::mt19937& rng, size_t size) {
  std::string out(size, '\0');
  for (auto& c : out) c = static_cast<char>(rng());
  return out;
}

TEST(Sha256Pair, KnownVectors) {
  for (auto engine : kEngines) {
    Sha256Pair pair(engine);
    pair.update("", "ab");
    pair.update("", "c");
    EXPECT_EQ(pair.finish_first_hex(),
              "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
    EXPECT_EQ(pair.finish_second_hex(),
              "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
  }
  // FIPS 180-2's two-block message.
  Sha256Pair pair;
  std::string two_blocks = "abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq";
  pair.update(two_blocks, two_blocks);
  EXPECT_EQ(pair.finish_first_hex(),
            "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1");
  EXPECT_EQ(pair.finish_second_hex(),
            "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1");
}

// Every length around the padding's edges (55, 56, 63, 64 bytes into a block), in one update.
TEST(Sha256Pair, PaddingEdges) {
  std::mt19937 rng(7);
  std::string data = random_bytes(rng, 300);
  for (size_t n = 0; n <= data.size(); ++n) {
    Sha256Pair pair;
    std::string first = data.substr(0, n), second = data.substr(data.size() - n / 2);
    pair.update(first, second);
    ASSERT_EQ(pair.finish_first_hex(), sha256_hex(first)) << n;
    ASSERT_EQ(pair.finish_second_hex(), sha256_hex(second)) << n;
  }
}

// Streams fed in random pieces (empty, partial blocks, many blocks, one stream ahead of the
// other) give the digests of their bytes in order, paired or not.
TEST(Sha256Pair, RandomSplitsEqualOpenSsl) {
  std::mt19937 rng(42);
  for (auto engine : kEngines) {
    for (int round = 0; round < 40; ++round) {
      std::string first = random_bytes(rng, rng() % 200000);
      std::string second = random_bytes(rng, rng() % 300000);
      Sha256Pair pair(engine);
      size_t a = 0, b = 0;
      while (a < first.size() || b < second.size()) {
        auto piece = [&](size_t left) -> size_t {
          switch (rng() % 4) {
            case 0:
              return 0;
            case 1:
              return std::min<size_t>(left, rng() % 130);
            case 2:
              return std::min<size_t>(left, 64 * (rng() % 40));
            default:
              return std::min<size_t>(left, rng() % 70000);
          }
        };
        size_t na = piece(first.size() - a), nb = piece(second.size() - b);
        pair.update(std::string_view(first).substr(a, na), std::string_view(second).substr(b, nb));
        a += na;
        b += nb;
      }
      ASSERT_EQ(pair.finish_first_hex(), sha256_hex(first)) << round;
      ASSERT_EQ(pair.finish_second_hex(), sha256_hex(second)) << round;
    }
  }
}

// Both digests may be taken in either order, and the streams stay independent: identical
// input on one side does not leak into the other.
TEST(Sha256Pair, StreamsAreIndependent) {
  std::mt19937 rng(3);
  std::string x = random_bytes(rng, 64 * 1000), y = random_bytes(rng, 64 * 1000);
  Sha256Pair pair;
  pair.update(x, y);
  EXPECT_EQ(pair.finish_second_hex(), sha256_hex(y));
  EXPECT_EQ(pair.finish_first_hex(), sha256_hex(x));
}

}  // namespace
}  // namespace layerfs
