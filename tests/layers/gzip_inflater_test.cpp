// igzip-based gzip decompression: compressed by the real gzip tool (so igzip is not its own
// oracle), fed in pieces of every awkward size; multi-member streams, empty members, trailing
// bytes, and every way the data can be wrong (corrupt, truncated, bad CRC-32 or ISIZE).
#include "layers/archive/gzip_inflater.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <string>

#include "layers/archive/layer_reader.h"
#include "tests/layers/archive_test_support.h"

namespace layerfs {
namespace {

using namespace archive_test;

// `data` compressed by gzip(1) with `flags` (no name, unless the flags ask for one).
std::string gzip_tool(const std::string& data, const std::string& flags = "-n") {
  TempDir tmp;
  write_file_atomic(tmp.sub("in"), data);
  std::string command = "gzip " + flags + " -c < " + tmp.sub("in") + " > " + tmp.sub("out");
  if (std::system(command.c_str()) != 0) throw std::runtime_error(command + " failed");
  return read_file(tmp.sub("out"));
}

std::string numbered_text(size_t bytes) {
  std::string data;
  for (int i = 0; data.size() < bytes; ++i) data += "record " + std::to_string(i * 7919) + "\n";
  return data;
}

// Inflates `compressed` fed `in_piece` bytes at a time into an `out_room`-byte buffer, as the
// decompressing thread does; finish() at the end.
std::string inflate_all(const std::string& compressed, size_t in_piece = 1 << 20,
                        size_t out_room = 1 << 20) {
  GzipInflater gzip;
  std::string out;
  std::string room(out_room, '\0');
  size_t offset = 0;
  bool fed = false;
  for (;;) {
    if (!fed || (gzip.input_consumed() && !gzip.ended())) {
      if (offset == compressed.size()) {
        gzip.finish();
        break;
      }
      size_t n = std::min(in_piece, compressed.size() - offset);
      gzip.feed(compressed.data() + offset, n);
      offset += n;
      fed = true;
    }
    size_t n = gzip.inflate(room.data(), room.size());
    out.append(room.data(), n);
    if (gzip.ended() && n == 0) break;
  }
  return out;
}

TEST(GzipInflater, RecognisesGzipHeaders) {
  std::string gz = gzip_tool("x");
  EXPECT_TRUE(GzipInflater::starts_gzip(gz.data(), gz.size()));
  EXPECT_FALSE(GzipInflater::starts_gzip(gz.data(), 2));
  EXPECT_FALSE(GzipInflater::starts_gzip("\x1f\x8b\x07", 3));  // not deflate
  EXPECT_FALSE(GzipInflater::starts_gzip("ustar", 5));
}

TEST(GzipInflater, MatchesGzipInPiecesOfEverySize) {
  const std::string data = numbered_text(3 << 20) + std::string(100000, 'z');
  const std::string gz = gzip_tool(data);
  for (size_t in_piece : {size_t{1} << 20, size_t{4096}, size_t{7}}) {
    for (size_t out_room : {size_t{1} << 20, size_t{65536}, size_t{13}}) {
      if (in_piece < 4096 && out_room < 4096) continue;  // a few seconds each otherwise
      EXPECT_EQ(inflate_all(gz, in_piece, out_room), data)
          << "in pieces of " << in_piece << ", out room " << out_room;
    }
  }
  // Byte by byte on a small stream: every header, block and trailer boundary is split.
  const std::string small = numbered_text(20000);
  EXPECT_EQ(inflate_all(gzip_tool(small), 1, 1), small);
  EXPECT_EQ(inflate_all(gzip_tool(small), 1, 1 << 20), small);
}

TEST(GzipInflater, ReadsHeadersWithAName) {
  TempDir tmp;
  const std::string data = numbered_text(5000);
  write_file_atomic(tmp.sub("named.txt"), data);
  std::string command = "gzip -k " + tmp.sub("named.txt");  // stores the name and mtime
  ASSERT_EQ(std::system(command.c_str()), 0);
  std::string gz = read_file(tmp.sub("named.txt.gz"));
  ASSERT_NE(gz[3] & 0x08, 0) << "gzip did not store the name";
  EXPECT_EQ(inflate_all(gz, 3), data);
}

TEST(GzipInflater, ConcatenatedMembersAreOneStream) {
  const std::string a = numbered_text(300000), b = "second member\n", c = numbered_text(70000);
  const std::string gz = gzip_tool(a) + gzip_tool(b) + gzip_tool(c, "-n -1");
  for (size_t in_piece : {size_t{1} << 20, size_t{5}, size_t{1}})
    EXPECT_EQ(inflate_all(gz, in_piece, 4096), a + b + c) << "in pieces of " << in_piece;
}

TEST(GzipInflater, EmptyMembersAddNothing) {
  const std::string empty = gzip_tool("");
  EXPECT_EQ(inflate_all(empty), "");
  EXPECT_EQ(inflate_all(empty + gzip_tool("middle") + empty, 2), "middle");
  EXPECT_EQ(inflate_all(empty + empty, 1), "");
}

TEST(GzipInflater, BytesAfterTheLastMemberAreIgnored) {
  const std::string data = numbered_text(10000);
  const std::string gz = gzip_tool(data);
  EXPECT_EQ(inflate_all(gz + std::string(4096, '\0')), data);
  EXPECT_EQ(inflate_all(gz + "garbage after the stream", 3), data);
  EXPECT_EQ(inflate_all(gz + "\x1f"), data);
  EXPECT_EQ(inflate_all(gz + "\x1f\x8b", 1), data);
}

TEST(GzipInflater, BadCrcIsRefused) {
  std::string gz = gzip_tool(numbered_text(10000));
  gz[gz.size() - 8] ^= 0x01;  // CRC-32, first byte of the trailer
  EXPECT_THROW(inflate_all(gz), UserError);
  EXPECT_THROW(inflate_all(gz, 1), UserError);
}

TEST(GzipInflater, BadSizeIsRefused) {
  std::string gz = gzip_tool(numbered_text(10000));
  gz[gz.size() - 1] ^= 0x01;  // ISIZE, last byte of the trailer
  EXPECT_THROW(inflate_all(gz), UserError);
}

TEST(GzipInflater, BadCrcInALaterMemberIsRefused) {
  std::string second = gzip_tool("second");
  second[second.size() - 5] ^= 0x10;
  EXPECT_THROW(inflate_all(gzip_tool("first") + second), UserError);
}

TEST(GzipInflater, DataThatIsNotGzipIsRefused) {
  EXPECT_THROW(inflate_all("plain text, no gzip header"), UserError);
}

TEST(GzipInflater, CorruptDataIsRefused) {
  std::string gz = gzip_tool(numbered_text(200000));
  for (size_t i = 10; i < 40; ++i) gz[i] = static_cast<char>(0xff);  // inside the deflate data
  EXPECT_THROW(inflate_all(gz), UserError);
}

TEST(GzipInflater, CorruptHeaderOfALaterMemberIsRefused) {
  std::string second = gzip_tool("second");
  second[3] = static_cast<char>(0xe0);  // reserved flag bits set
  EXPECT_THROW(inflate_all(gzip_tool("first") + second), UserError);
}

TEST(GzipInflater, TruncatedStreamsAreRefused) {
  const std::string gz = gzip_tool(numbered_text(100000));
  // Inside the header, inside the deflate data, inside the trailer.
  for (size_t keep : {size_t{5}, gz.size() / 2, gz.size() - 3}) {
    EXPECT_THROW(inflate_all(gz.substr(0, keep)), UserError) << "cut at " << keep;
    EXPECT_THROW(inflate_all(gz.substr(0, keep), 1), UserError) << "cut at " << keep;
  }
  EXPECT_THROW(inflate_all(""), UserError);
  EXPECT_THROW(inflate_all(gz.substr(0, 2)), UserError);
  // A second member cut short is as truncated as the first.
  const std::string two = gz + gzip_tool("tail");
  EXPECT_THROW(inflate_all(two.substr(0, gz.size() + 12)), UserError);
}

// Through ingest_layer: a layer of several gzip members has the digests of its bytes and its tar.
TEST(GzipLayer, MultiMemberLayerIsExtractedAndDigested) {
  TempDir tmp;
  const std::string tar =
      build_tar({file("a", numbered_text(2 << 20)), file("b", "bee"), dir("c")});
  const size_t cut = 3 * 512 + 1000;  // inside a's data
  const std::string gz = gzip_tool(tar.substr(0, cut)) + gzip_tool("") + gzip_tool(tar.substr(cut));
  UniqueFd in = fd_with(gz);
  UniqueFd blob = empty_memfd();
  IngestedLayer layer = ingest_layer(in.get(), blob.get(), tmp.make_sub("out"));
  EXPECT_EQ(layer.compression, "gzip");
  EXPECT_EQ(layer.blob_digest, sha256_digest(gz));
  EXPECT_EQ(layer.diff_id, sha256_digest(tar));
  EXPECT_EQ(layer.tar_size, tar.size());
  EXPECT_EQ(read_all(blob.get()), gz);
  EXPECT_EQ(read_file(tmp.sub("out/b")), "bee");
  EXPECT_EQ(read_file(tmp.sub("out/a")), numbered_text(2 << 20));
}

TEST(GzipLayer, TrailingBytesCountInTheBlobDigestOnly) {
  TempDir tmp;
  const std::string tar = build_tar({file("a", "a")});
  const std::string gz = gzip_tool(tar) + std::string(1000, '\0');
  UniqueFd in = fd_with(gz);
  IngestedLayer layer = ingest_layer(in.get(), -1, tmp.make_sub("out"));
  EXPECT_EQ(layer.blob_digest, sha256_digest(gz));
  EXPECT_EQ(layer.blob_size, gz.size());
  EXPECT_EQ(layer.diff_id, sha256_digest(tar));
}

TEST(GzipLayer, BadCrcNamesTheProblem) {
  TempDir tmp;
  std::string gz = gzip_tool(build_tar({file("a", numbered_text(100000))}));
  gz[gz.size() - 6] ^= 0x01;
  UniqueFd in = fd_with(gz);
  try {
    ingest_layer(in.get(), -1, tmp.make_sub("out"));
    FAIL() << "a layer with a bad CRC was accepted";
  } catch (const UserError& e) {
    EXPECT_NE(std::string(e.what()).find("CRC-32"), std::string::npos) << e.what();
  }
}

}  // namespace
}  // namespace layerfs
