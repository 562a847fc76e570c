#include "util/go_fmt.h"

#include <gtest/gtest.h>

namespace layerfs {
namespace {

using nlohmann::json;

TEST(GoPrint, ScalarsPrintAsGoFmtV) {
  EXPECT_EQ(go_print("text"), "text");
  EXPECT_EQ(go_print(42), "42");
  EXPECT_EQ(go_print(-7), "-7");
  EXPECT_EQ(go_print(json(18446744073709551615ull)), "18446744073709551615");
  EXPECT_EQ(go_print(true), "true");
  EXPECT_EQ(go_print(nullptr), "<nil>");
}

TEST(GoPrint, FloatsUseShortestFormWithGoExponentRule) {
  EXPECT_EQ(go_print(1.5), "1.5");
  EXPECT_EQ(go_print(3.0), "3");
  EXPECT_EQ(go_print(123456.0), "123456");
  EXPECT_EQ(go_print(1e6), "1e+06");
  EXPECT_EQ(go_print(1234567.0), "1.234567e+06");
  EXPECT_EQ(go_print(0.0001), "0.0001");
  EXPECT_EQ(go_print(0.00001), "1e-05");
  EXPECT_EQ(go_print(-0.25), "-0.25");
  EXPECT_EQ(go_print(0.1 + 0.2), "0.30000000000000004");
  EXPECT_EQ(go_print(1e100), "1e+100");
}

TEST(GoPrint, CompositesPrintAsMapsAndSlices) {
  EXPECT_EQ(go_print(json::array({1, "a", true})), "[1 a true]");
  EXPECT_EQ(go_print(json::array()), "[]");
  EXPECT_EQ(go_print(json{{"b", 2}, {"a", "x"}}), "map[a:x b:2]");
  EXPECT_EQ(go_print(json::object()), "map[]");
  EXPECT_EQ(go_print(json{{"a", {{"b", nullptr}}}, {"l", json::array({json::array({1})})}}),
            "map[a:map[b:<nil>] l:[[1]]]");
}

TEST(GoSprintf, CommonVerbs) {
  EXPECT_EQ(go_sprintf("%s|%v|%d|%q", {"abc", json::array({1, 2}), 42, "a\"b\n"}),
            "abc|[1 2]|42|\"a\\\"b\\n\"");
  EXPECT_EQ(go_sprintf("%t %c %x %X %o %b", {true, 65, 255, 255, 8, 5}), "true A ff FF 10 101");
  EXPECT_EQ(go_sprintf("%#x %#o %x", {255, 8, "hi"}), "0xff 010 6869");
  EXPECT_EQ(go_sprintf("100%%", {}), "100%");
  EXPECT_EQ(go_sprintf("%v %v %v", {nullptr, 1.5, json{{"k", "v"}}}), "<nil> 1.5 map[k:v]");
  EXPECT_EQ(go_sprintf("%q", {65}), "'A'");
}

TEST(GoSprintf, WidthPrecisionAndFlags) {
  EXPECT_EQ(go_sprintf("[%5s][%-5s][%.2s]", {"ab", "ab", "abcdef"}), "[   ab][ab   ][ab]");
  EXPECT_EQ(go_sprintf("[%5d][%-4d][%+d][%05d][% d]", {42, 7, 7, -42, 5}),
            "[   42][7   ][+7][-0042][ 5]");
  EXPECT_EQ(
      go_sprintf("[%5.1f][%6.2f][%.0f][%e][%g][%G]", {3.14159, 1.0, 2.5, 1234.5678, 1e6, 1e-7}),
      "[  3.1][  1.00][2][1.234568e+03][1e+06][1E-07]");
  EXPECT_EQ(go_sprintf("[%*d][%-*d]", {5, 42, 4, 1}), "[   42][1   ]");
  EXPECT_EQ(go_sprintf("[%8.3f]", {-3.14159}), "[  -3.142]");
  EXPECT_EQ(go_sprintf("[%.3d]", {7}), "[007]");
  // Width counts runes, not bytes.
  EXPECT_EQ(go_sprintf("[%4s]", {"\xc3\xa9t\xc3\xa9"}), "[ \xc3\xa9t\xc3\xa9]");
}

TEST(GoSprintf, VerbsApplyToElementsOfSlicesAndMaps) {
  EXPECT_EQ(go_sprintf("%d", {json::array({1, 2})}), "[1 2]");
  EXPECT_EQ(go_sprintf("%s", {json::array({"a", "b"})}), "[a b]");
  EXPECT_EQ(go_sprintf("%q", {json::array({"a"})}), "[\"a\"]");
  EXPECT_EQ(go_sprintf("%s", {json{{"k", "v"}}}), "map[k:v]");
}

TEST(GoSprintf, MismatchesPrintLikeGo) {
  EXPECT_EQ(go_sprintf("%d", {"abc"}), "%!d(string=abc)");
  EXPECT_EQ(go_sprintf("%s", {5}), "%!s(int=5)");
  EXPECT_EQ(go_sprintf("%d", {1.5}), "%!d(float64=1.5)");
  EXPECT_EQ(go_sprintf("%f", {5}), "%!f(int=5)");
  EXPECT_EQ(go_sprintf("%s", {true}), "%!s(bool=true)");
  EXPECT_EQ(go_sprintf("%s", {nullptr}), "%!s(<nil>)");
  EXPECT_EQ(go_sprintf("%z", {"x"}), "%!z(string=x)");
  EXPECT_EQ(go_sprintf("%d %s", {1}), "1 %!s(MISSING)");
  EXPECT_EQ(go_sprintf("a", {1, "x"}), "a%!(EXTRA int=1, string=x)");
  EXPECT_EQ(go_sprintf("%", {}), "%!(NOVERB)");
}

TEST(GoQuote, EscapesLikeStrconvQuote) {
  EXPECT_EQ(go_quote("plain"), "\"plain\"");
  EXPECT_EQ(go_quote("tab\there"), "\"tab\\there\"");
  EXPECT_EQ(go_quote(std::string("\x01\x7f", 2)), "\"\\x01\\x7f\"");
  EXPECT_EQ(go_quote("back\\slash"), "\"back\\\\slash\"");
  EXPECT_EQ(go_quote("\xc3\xa9"), "\"\xc3\xa9\"");
  EXPECT_EQ(go_quote("\xff"), "\"\\xff\"");
}

TEST(GoTypeName, NamesJsonDecodedTypes) {
  EXPECT_EQ(go_type_name("s"), "string");
  EXPECT_EQ(go_type_name(1), "int");
  EXPECT_EQ(go_type_name(1.5), "float64");
  EXPECT_EQ(go_type_name(false), "bool");
  EXPECT_EQ(go_type_name(json::array()), "[]interface {}");
  EXPECT_EQ(go_type_name(json::object()), "map[string]interface {}");
  EXPECT_EQ(go_type_name(nullptr), "<nil>");
}

TEST(GoJson, CompactSortedAndWithoutHtmlEscaping) {
  EXPECT_EQ(go_json(json{{"b", 1}, {"a", "<&>"}}), "{\"a\":\"<&>\",\"b\":1}");
  EXPECT_EQ(go_json(json::array({nullptr, true, "x\ny"})), "[null,true,\"x\\ny\"]");
  EXPECT_EQ(go_json("\xe2\x80\xa8"), "\"\\u2028\"");
  EXPECT_EQ(go_json(json::object()), "{}");
}

TEST(GoJson, FloatsAsEncodingJson) {
  EXPECT_EQ(go_json(5.0), "5");
  EXPECT_EQ(go_json(1.5), "1.5");
  EXPECT_EQ(go_json(1e20), "100000000000000000000");
  EXPECT_EQ(go_json(1e21), "1e+21");
  EXPECT_EQ(go_json(0.000001), "0.000001");
  EXPECT_EQ(go_json(1e-7), "1e-7");
  EXPECT_EQ(go_json(-2.5e-8), "-2.5e-8");
}

}  // namespace
}  // namespace layerfs
