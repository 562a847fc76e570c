#include <gtest/gtest.h>

#include "builder/dockerfile.h"
#include "util/error.h"

using layerfs::UserError;
using layerfs::builder::dump_dockerfile;
using layerfs::builder::parse_dockerfile;

namespace {

std::string dump(std::string_view text) { return dump_dockerfile(parse_dockerfile(text)); }

std::string error_of(std::string_view text) {
  try {
    parse_dockerfile(text, "app/Dockerfile");
  } catch (const UserError& e) {
    return e.what();
  }
  return "(no error)";
}

TEST(Parser, FormsAndFlags) {
  EXPECT_EQ(dump("FROM busybox AS build\n"
                 "COPY --from=build --chown=1:2 a b /c/\n"
                 "CMD [\"sh\", \"-c\", \"echo\"]\n"
                 "RUN echo  hi   there\n"
                 "ENV A=1 B=\"two words\"\n"
                 "ENV OLD value with spaces\n"
                 "HEALTHCHECK --interval=5s CMD [\"true\"]\n"
                 "ONBUILD RUN make\n"),
            "(from \"busybox\" \"AS\" \"build\")\n"
            "(copy [\"--from=build\" \"--chown=1:2\"] \"a\" \"b\" \"/c/\")\n"
            "(cmd \"sh\" \"-c\" \"echo\")\n"
            "(run \"echo  hi   there\")\n"
            "(env \"A\" \"1\" \"=\" \"B\" \"\\\"two words\\\"\" \"=\")\n"
            "(env \"OLD\" \"value with spaces\" \"\")\n"
            "(healthcheck [\"--interval=5s\"] \"CMD\" \"true\")\n"
            "(onbuild (run \"make\"))\n");
}

TEST(Parser, ContinuationsCommentsAndLines) {
  auto df = parse_dockerfile(
      "# a comment\n"
      "FROM scratch\n"
      "\n"
      "RUN a \\\n"
      "  # inside\n"
      "  b \\\n"
      "\n"
      "  c\n"
      "LABEL x=y\n");
  ASSERT_EQ(df.instructions.size(), 3u);
  EXPECT_EQ(df.instructions[1].args[0], "a   b   c");
  EXPECT_EQ(df.instructions[1].start_line, 4);
  EXPECT_EQ(df.instructions[1].end_line, 8);
  EXPECT_EQ(df.instructions[2].start_line, 9);
  EXPECT_EQ(df.warnings.size(), 1u);
}

TEST(Parser, EscapeDirective) {
  auto df = parse_dockerfile(
      "# syntax=docker/dockerfile:1\n"
      "# escape=`\n"
      "FROM scratch\n"
      "COPY a `\n"
      "  C:\\dir\\\n");
  EXPECT_EQ(df.escape, '`');
  EXPECT_EQ(df.directives.at("syntax"), "docker/dockerfile:1");
  EXPECT_EQ(df.instructions[1].args, (std::vector<std::string>{"a", "C:\\dir\\"}));
  // A directive after the first instruction is a plain comment.
  auto late = parse_dockerfile("FROM scratch\n# escape=`\nRUN a \\\n b\n");
  EXPECT_EQ(late.escape, '\\');
  EXPECT_EQ(late.instructions[1].args[0], "a  b");
}

TEST(Parser, Heredocs) {
  auto df = parse_dockerfile(
      "FROM busybox\n"
      "RUN <<EOF\n"
      "echo $HOME\n"
      "EOF\n"
      "COPY <<-'END' <<two /dest/\n"
      "\t\tliteral $x\n"
      "\tEND\n"
      "second\n"
      "two\n"
      "RUN [\"echo\", \"<<EOF\"]\n");
  ASSERT_EQ(df.instructions.size(), 4u);
  const auto& run = df.instructions[1];
  ASSERT_EQ(run.heredocs.size(), 1u);
  EXPECT_EQ(run.heredocs[0].name, "EOF");
  EXPECT_EQ(run.heredocs[0].content, "echo $HOME\n");
  EXPECT_TRUE(run.heredocs[0].expand);
  const auto& copy = df.instructions[2];
  ASSERT_EQ(copy.heredocs.size(), 2u);
  EXPECT_EQ(copy.heredocs[0].name, "END");
  EXPECT_TRUE(copy.heredocs[0].chomp);
  EXPECT_FALSE(copy.heredocs[0].expand);
  EXPECT_EQ(copy.heredocs[0].content, "\t\tliteral $x\n");
  EXPECT_EQ(copy.heredocs[1].content, "second\n");
  EXPECT_EQ(copy.end_line, 9);
  EXPECT_TRUE(df.instructions[3].heredocs.empty());
}

TEST(Parser, ErrorsNameFileAndLine) {
  EXPECT_EQ(error_of(""), "app/Dockerfile:0: file with no instructions");
  EXPECT_EQ(error_of("# only\n\n"), "app/Dockerfile:2: file with no instructions");
  EXPECT_EQ(error_of("FROM a\nENV PATH\n"), "app/Dockerfile:2: ENV must have two arguments");
  EXPECT_EQ(error_of("FROM a\nCMD [\"a\", [\"b\"]]\n"),
            "app/Dockerfile:2: when using JSON array syntax, arrays must be comprised of strings "
            "only");
  EXPECT_EQ(error_of("FROM a\nRUN <<EOF\necho\n"), "app/Dockerfile:2: unterminated heredoc");
  EXPECT_EQ(error_of("# escape=x\nFROM a\n"),
            "app/Dockerfile:1: invalid escape token 'x' does not match ` or \\");
  EXPECT_EQ(error_of("# escape=`\n# escape=\\\nFROM a\n"),
            "app/Dockerfile:2: only one escape parser directive can be used");
  EXPECT_EQ(error_of("FROM a\nLABEL a=b c\n"),
            "app/Dockerfile:2: Syntax error - can't find = in \"c\". Must be of the form: "
            "name=value");
}

}  // namespace
