#include "util/utf8.h"

#include <gtest/gtest.h>

namespace layerfs {
namespace {

TEST(Utf8, EncodesEveryLength) {
  std::string out;
  append_utf8(out, U'A');
  append_utf8(out, U'\u00e9');
  append_utf8(out, U'\u65e5');
  append_utf8(out, U'\U0001F600');
  EXPECT_EQ(out, "A\xc3\xa9\xe6\x97\xa5\xf0\x9f\x98\x80");
}

TEST(Utf8, DecodesAndCounts) {
  std::string text = "A\xc3\xa9\xe6\x97\xa5\xf0\x9f\x98\x80";
  size_t pos = 0;
  EXPECT_EQ(next_code_point(text, pos), U'A');
  EXPECT_EQ(next_code_point(text, pos), U'\u00e9');
  EXPECT_EQ(next_code_point(text, pos), U'\u65e5');
  EXPECT_EQ(next_code_point(text, pos), U'\U0001F600');
  EXPECT_EQ(pos, text.size());
  EXPECT_EQ(code_point_count(text), 4u);
  EXPECT_EQ(code_point_count(""), 0u);
}

TEST(Utf8, InvalidBytesAdvanceOneByteEach) {
  std::string text = "\xff\xc3(\xe6\x97";  // stray byte, broken 2-byte and truncated 3-byte
  EXPECT_EQ(utf8_sequence_length(text, 0), 0u);
  EXPECT_EQ(utf8_sequence_length(text, 1), 0u);
  EXPECT_EQ(utf8_sequence_length(text, 3), 0u);
  size_t pos = 0;
  EXPECT_EQ(next_code_point(text, pos), 0xffu);
  EXPECT_EQ(pos, 1u);
  EXPECT_EQ(code_point_count(text), 5u);
  // Overlong two-byte encodings (0xc0, 0xc1 leads) are not valid sequences.
  EXPECT_EQ(utf8_sequence_length("\xc0\x80", 0), 0u);
}

}  // namespace
}  // namespace layerfs
