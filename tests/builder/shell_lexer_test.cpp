#include "builder/shell_lexer.h"

#include <gtest/gtest.h>

#include "util/error.h"

using layerfs::UserError;
using layerfs::builder::LexOptions;
using layerfs::builder::ShellLexer;
using layerfs::builder::Variables;

namespace {

const Variables kVars = {{"PWD", "/home"}, {"SHELL", "bash"}, {"NULL", ""}, {"V", "a.b.c"}};

std::string word(std::string_view text) { return ShellLexer().process_word(text, kVars); }

TEST(ShellLexer, PlainAndQuoted) {
  EXPECT_EQ(word("hello"), "hello");
  EXPECT_EQ(word("he'll'o"), "hello");
  EXPECT_EQ(word("he\\'llo"), "he'llo");
  EXPECT_EQ(word("\"abc\\tdef\""), "abc\\tdef");
  EXPECT_EQ(word("'he${XX}'"), "he${XX}");
  EXPECT_THROW(word("he'llo"), UserError);
  EXPECT_THROW(word("\"hello"), UserError);
}

TEST(ShellLexer, Substitution) {
  EXPECT_EQ(word("he$PWD"), "he/home");
  EXPECT_EQ(word("he${PWD}x"), "he/homex");
  EXPECT_EQ(word("he\\$PWD"), "he$PWD");
  EXPECT_EQ(word("${XXX:-000}"), "000");
  EXPECT_EQ(word("${NULL:-000}"), "000");
  EXPECT_EQ(word("${NULL-000}"), "");
  EXPECT_EQ(word("${XXX-000}"), "000");
  EXPECT_EQ(word("${PWD:+x}"), "x");
  EXPECT_EQ(word("${NULL:+x}"), "");
  EXPECT_EQ(word("${NULL+x}"), "x");
  EXPECT_EQ(word("${XXX:-${PWD:-y}}"), "/home");
  EXPECT_THROW(word("${}"), UserError);
  EXPECT_THROW(word("${XXX:?}"), UserError);
  EXPECT_THROW(word("${PWD"), UserError);
}

TEST(ShellLexer, Patterns) {
  EXPECT_EQ(word("${V#*.}"), "b.c");
  EXPECT_EQ(word("${V##*.}"), "c");
  EXPECT_EQ(word("${V%.*}"), "a.b");
  EXPECT_EQ(word("${V%%.*}"), "a");
  EXPECT_EQ(word("${V/./-}"), "a-b.c");
  EXPECT_EQ(word("${V//./-}"), "a-b-c");
}

TEST(ShellLexer, WordsAndUsedVariables) {
  Variables vars = {{"space", "abc  def"}};
  ShellLexer lexer;
  auto result = lexer.process("x${space}y \"${space}\" $unset", vars);
  EXPECT_EQ(result.words, (std::vector<std::string>{"xabc", "defy", "abc  def"}));
  EXPECT_EQ(result.used, (std::set<std::string>{"space"}));
}

TEST(ShellLexer, BacktickEscapeAndSkipUnset) {
  EXPECT_EQ(ShellLexer('`').process_word("a`$PWD", kVars), "a$PWD");
  LexOptions keep;
  keep.skip_unset_env = true;
  EXPECT_EQ(ShellLexer('\\', keep).process_word("$X ${Y:-z} $PWD", kVars), "$X ${Y:-z} /home");
}

}  // namespace
