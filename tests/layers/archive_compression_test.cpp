// Compressed layers: auto-detected, blob digest over the bytes as read, diff ID over the tar, the
// blob copied as received. Compressed by the real tools, so libarchive is not its own oracle.
#include <gtest/gtest.h>

#include "layers/archive/layer_reader.h"
#include "tests/layers/archive_test_support.h"

namespace layerfs {
namespace {

using namespace archive_test;

struct Compressor {
  const char* command;      // reads the tar file named by $1... see compress()
  const char* filter_name;  // what ingest_layer reports
};

class CompressedLayer : public ::testing::TestWithParam<Compressor> {};

TEST_P(CompressedLayer, DigestsMatchTheToolsAndTheBlobIsKept) {
  TempDir tmp;
  const std::string tar =
      build_tar({dir("d"), file("d/a", std::string(300000, 'a')), file("d/b", "hello")});
  write_file_atomic(tmp.sub("layer.tar"), tar);
  const std::string compressed_path = tmp.sub("layer.tar.c");
  std::string command =
      std::string(GetParam().command) + " < " + tmp.sub("layer.tar") + " > " + compressed_path;
  ASSERT_EQ(std::system(command.c_str()), 0) << command;
  const std::string compressed = read_file(compressed_path);

  UniqueFd in = fd_with(compressed);
  UniqueFd blob = empty_memfd();
  IngestedLayer layer = ingest_layer(in.get(), blob.get(), tmp.make_sub("out"));
  EXPECT_EQ(layer.compression, GetParam().filter_name);
  EXPECT_EQ(layer.blob_digest, sha256_digest(compressed));
  EXPECT_EQ(layer.blob_size, compressed.size());
  EXPECT_EQ(layer.diff_id, sha256_digest(tar));
  EXPECT_EQ(layer.tar_size, tar.size());
  EXPECT_EQ(read_all(blob.get()), compressed);
  EXPECT_EQ(read_file(tmp.sub("out/d/b")), "hello");
  EXPECT_EQ(read_file(tmp.sub("out/d/a")).size(), 300000u);
}

INSTANTIATE_TEST_SUITE_P(Tools, CompressedLayer,
                         ::testing::Values(Compressor{"cat", "none"}, Compressor{"gzip -n", "gzip"},
                                           Compressor{"zstd -q", "zstd"}, Compressor{"xz", "xz"},
                                           Compressor{"bzip2", "bzip2"}),
                         [](const auto& info) { return std::string(info.param.filter_name); });

TEST(CompressedLayerTail, BytesAfterTheEndMarkerCountInBothDigests) {
  // GNU tar pads to 10 KiB records; some tools append garbage after the compressed stream. The
  // store keeps the blob as received, so both digests cover every byte.
  TempDir tmp;
  std::string tar = build_tar({file("a", "a")});
  tar += std::string(8192, '\0');
  UniqueFd in = fd_with(tar);
  IngestedLayer layer = ingest_layer(in.get(), -1, tmp.make_sub("out"));
  EXPECT_EQ(layer.diff_id, sha256_digest(tar));
  EXPECT_EQ(layer.blob_digest, sha256_digest(tar));
  EXPECT_EQ(layer.tar_size, tar.size());
}

TEST(CompressedLayerTail, ReadsFromAPipe) {
  TempDir tmp;
  const std::string tar = build_tar({file("a", std::string(1 << 20, 'q'))}, "gzip");
  write_file_atomic(tmp.sub("l.tgz"), tar);
  FILE* pipe = ::popen(("cat " + tmp.sub("l.tgz")).c_str(), "r");
  ASSERT_NE(pipe, nullptr);
  IngestedLayer layer = ingest_layer(fileno(pipe), -1, tmp.make_sub("out"));
  ::pclose(pipe);
  EXPECT_EQ(layer.blob_digest, sha256_digest(tar));
  EXPECT_EQ(layer.compression, "gzip");
}

// Layers larger than a few of the decompressing thread's blocks: many blocks pass the queue, and
// a stream cut in the middle fails cleanly (no hang between the two threads).
std::string numbered_lines(size_t bytes) {
  std::string data;
  for (int i = 0; data.size() < bytes; ++i) data += "line " + std::to_string(i) + "\n";
  return data;
}

TEST(CompressedLayerStream, ManyBlocksKeepEveryByte) {
  TempDir tmp;
  const std::string data = numbered_lines(9 << 20);
  const std::string tar = build_tar({file("big", data), file("small", "s")}, "gzip");
  UniqueFd in = fd_with(tar);
  IngestedLayer layer = ingest_layer(in.get(), -1, tmp.make_sub("out"));
  EXPECT_EQ(layer.blob_digest, sha256_digest(tar));
  EXPECT_EQ(read_file(tmp.sub("out/big")), data);
  EXPECT_EQ(read_file(tmp.sub("out/small")), "s");
}

// Both digests are taken on the decompressing thread, each stream's bytes hashed when its buffer
// is given back, paired with what the other stream has at hand. Pieces of uneven sizes, and data
// that compresses well, not at all, and in between, move where the buffers of the two streams
// end relative to each other: every byte must still count once, in order.
TEST(CompressedLayerStream, BothDigestsOverUnevenPiecesAndBlocks) {
  TempDir tmp;
  std::string noise;
  uint32_t x = 12345;
  for (size_t i = 0; i < (3 << 20); ++i)
    noise.push_back(static_cast<char>((x = x * 1103515245 + 12345) >> 24));
  const std::string tar =
      build_tar({file("noise", noise), file("text", numbered_lines(5 << 20)),
                 file("zeros", std::string(2 << 20, '\0')), file("tail", noise.substr(0, 777))});
  write_file_atomic(tmp.sub("layer.tar"), tar);
  ASSERT_EQ(std::system(("gzip -n < " + tmp.sub("layer.tar") + " > " + tmp.sub("l.gz")).c_str()),
            0);
  const std::string gz = read_file(tmp.sub("l.gz"));
  for (size_t piece : {size_t(1) << 20, size_t(4095), size_t(70001), size_t(333333)}) {
    size_t at = 0, turn = 0;
    LayerSource source = [&](Block& block) {
      // Mostly `piece` bytes, now and then a tiny or an empty one.
      size_t n = std::min(gz.size() - at, ++turn % 7 == 0 ? turn % 3 : piece);
      block.assign(gz.data() + at, gz.data() + at + n);
      at += n;
      return at < gz.size() || n > 0;
    };
    UniqueFd blob = empty_memfd();
    IngestedLayer layer =
        ingest_layer(source, blob.get(), tmp.make_sub("out" + std::to_string(piece)));
    EXPECT_EQ(layer.blob_digest, sha256_digest(gz)) << piece;
    EXPECT_EQ(layer.diff_id, sha256_digest(tar)) << piece;
    EXPECT_EQ(read_all(blob.get()), gz) << piece;
    EXPECT_EQ(read_file(tmp.sub("out" + std::to_string(piece) + "/noise")), noise) << piece;
  }
}

TEST(CompressedLayerStream, TruncatedInTheMiddleIsRefused) {
  TempDir tmp;
  const std::string data = numbered_lines(9 << 20);
  const std::string tar = build_tar({file("big", data)}, "gzip");
  UniqueFd in = fd_with(tar.substr(0, tar.size() / 2));
  EXPECT_THROW(ingest_layer(in.get(), -1, tmp.make_sub("out")), UserError);
}

}  // namespace
}  // namespace layerfs
