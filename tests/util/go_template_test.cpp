#include "util/go_template.h"

#include <gtest/gtest.h>

#include "util/error.h"

namespace layerfs {
namespace {

using nlohmann::json;

json image() {
  return json{{"ID", "1d34ffeaf190"},
              {"Repository", "alpine"},
              {"Tag", "latest"},
              {"Size", "7.8MB"},
              {"Count", 3},
              {"Ratio", 1.5},
              {"Dangling", false},
              {"Nothing", nullptr},
              {"Labels", {{"b", "2"}, {"a", "1"}}},
              {"Tags", {"3.19", "latest"}},
              {"Layers", json::array({{{"Digest", "sha256:aa"}, {"Size", 10}},
                                      {{"Digest", "sha256:bb"}, {"Size", 20}}})},
              {"Empty", json::array()}};
}

std::string render(std::string_view format, const json& value = image()) {
  return GoTemplate::parse(format).render(value);
}

std::string raw(std::string_view text, const json& value = image()) {
  return GoTemplate::parse_raw(text).render(value);
}

// The UserError message a template produces, or "" when it renders.
std::string render_error(std::string_view format, const json& value = image()) {
  try {
    GoTemplate::parse(format).render(value);
  } catch (const UserError& error) {
    return error.what();
  }
  return "";
}

std::string raw_error(std::string_view text, const json& value = image()) {
  try {
    GoTemplate::parse_raw(text).render(value);
  } catch (const UserError& error) {
    return error.what();
  }
  return "";
}

TEST(GoTemplate, FieldsAndNestedFields) {
  EXPECT_EQ(render("{{.Repository}}:{{.Tag}}"), "alpine:latest");
  EXPECT_EQ(render("{{.Labels.a}}"), "1");
  EXPECT_EQ(render("{{$.ID}} {{$}}", json{{"ID", "x"}}), "x map[ID:x]");
  EXPECT_EQ(render("text only"), "text only");
}

TEST(GoTemplate, ValuesPrintAsGo) {
  EXPECT_EQ(render("{{.Count}} {{.Ratio}} {{.Dangling}} {{.Nothing}}"), "3 1.5 false <no value>");
  EXPECT_EQ(render("{{.Labels}} {{.Tags}} {{.Empty}}"), "map[a:1 b:2] [3.19 latest] []");
  EXPECT_EQ(render("{{.}}", json(1e6)), "1e+06");
  EXPECT_EQ(render("{{.Layers}}"), "[map[Digest:sha256:aa Size:10] map[Digest:sha256:bb Size:20]]");
}

TEST(GoTemplate, DockerEscapesTabAndNewline) {
  // docker images --format "{{.ID}}\t{{.Size}}" (a literal backslash-t) prints a tab.
  EXPECT_EQ(render("{{.ID}}\\t{{.Size}}"), "1d34ffeaf190\t7.8MB");
  EXPECT_EQ(render("{{.ID}}\\n{{.Size}}"), "1d34ffeaf190\n7.8MB");
  EXPECT_EQ(render("  {{.Tag}}  "), "latest");
  // Go templates themselves (docker inspect) keep the backslash.
  EXPECT_EQ(raw("{{.Tag}}\\t"), "latest\\t");
  EXPECT_EQ(raw("  {{.Tag}}  "), "  latest  ");
}

TEST(GoTemplate, JsonFunctionAndKeyword) {
  EXPECT_EQ(render("{{json .Labels}}"), "{\"a\":\"1\",\"b\":\"2\"}");
  EXPECT_EQ(render("{{json .Tags}}"), "[\"3.19\",\"latest\"]");
  EXPECT_EQ(render("{{.Tags | json}}"), "[\"3.19\",\"latest\"]");
  EXPECT_EQ(render("{{json .ID}}"), "\"1d34ffeaf190\"");
  EXPECT_EQ(render("{{json .}}", json{{"b", "<x>"}, {"a", 1}}), "{\"a\":1,\"b\":\"<x>\"}");
  EXPECT_EQ(render("json", json{{"a", 1}}), "{\"a\":1}");
  EXPECT_FALSE(GoTemplate::parse("json").is_table());
}

TEST(GoTemplate, Index) {
  EXPECT_EQ(render("{{index .Labels \"b\"}}"), "2");
  EXPECT_EQ(render("{{index .Tags 1}}"), "latest");
  EXPECT_EQ(render("{{index .Layers 1 \"Digest\"}}"), "sha256:bb");
  EXPECT_EQ(render("{{index .Labels \"missing\"}}"), "<no value>");
  EXPECT_EQ(render("{{index \"abc\" 1}}"), "98");
  EXPECT_EQ(render_error("{{index .Tags 5}}"),
            "template parsing error: template: :1:2: executing \"\" at <index .Tags 5>: error "
            "calling index: index out of range: 5");
  // Go shortens long nodes to 20 bytes in messages.
  EXPECT_EQ(render_error("{{index .Layers 0 \"Digest\" \"x\"}}"),
            "template parsing error: template: :1:2: executing \"\" at <index .Layers 0 \"Dig...>: "
            "error calling index: cannot index slice/array with type string");
  EXPECT_EQ(render_error("{{index .Count 0}}"),
            "template parsing error: template: :1:2: executing \"\" at <index .Count 0>: error "
            "calling index: can't index item of type int");
  EXPECT_EQ(render_error("{{index .Nothing 0}}"),
            "template parsing error: template: :1:2: executing \"\" at <index .Nothing 0>: error "
            "calling index: index of untyped nil");
}

TEST(GoTemplate, Range) {
  EXPECT_EQ(render("{{range .Tags}}[{{.}}]{{end}}"), "[3.19][latest]");
  EXPECT_EQ(render("{{range $i, $t := .Tags}}{{$i}}={{$t}} {{end}}"), "0=3.19 1=latest ");
  EXPECT_EQ(render("{{range $k, $v := .Labels}}{{$k}}:{{$v}};{{end}}"), "a:1;b:2;");
  EXPECT_EQ(render("{{range $v := .Labels}}{{$v}}{{end}}"), "12");
  EXPECT_EQ(render("{{range .Layers}}{{.Digest}}/{{$.Repository}} {{end}}"),
            "sha256:aa/alpine sha256:bb/alpine ");
  EXPECT_EQ(render("{{range .Empty}}x{{else}}none{{end}}"), "none");
  EXPECT_EQ(render("{{range .Nothing}}x{{else}}none{{end}}"), "none");
  EXPECT_EQ(render("{{range 3}}{{.}}{{end}}"), "012");
  EXPECT_EQ(render("{{range .Tags}}{{if eq . \"3.19\"}}{{continue}}{{end}}{{.}}{{end}}"), "latest");
  EXPECT_EQ(render("{{range .Tags}}{{.}}{{break}}{{end}}"), "3.19");
  EXPECT_EQ(render_error("{{range .ID}}{{end}}"),
            "template parsing error: template: :1:8: executing \"\" at <.ID>: range can't "
            "iterate over 1d34ffeaf190");
}

TEST(GoTemplate, IfElseWith) {
  EXPECT_EQ(render("{{if .Dangling}}yes{{else}}no{{end}}"), "no");
  EXPECT_EQ(render("{{if .Count}}yes{{else}}no{{end}}"), "yes");
  EXPECT_EQ(render("{{if .Nothing}}a{{else if .Empty}}b{{else if .Tags}}c{{else}}d{{end}}"), "c");
  EXPECT_EQ(render("{{if .Nothing}}a{{else if .Empty}}b{{end}}"), "");
  EXPECT_EQ(render("{{with .Labels}}{{.a}}{{else}}none{{end}}"), "1");
  EXPECT_EQ(render("{{with .Empty}}{{.}}{{else}}none{{end}}"), "none");
  EXPECT_EQ(render("{{with .Nothing}}a{{else with .Labels}}{{.b}}{{else}}c{{end}}"), "2");
  EXPECT_EQ(render("{{if and .Count .Tags}}both{{end}}{{if or .Nothing .Dangling}}x{{end}}"),
            "both");
  EXPECT_EQ(render("{{if not .Dangling}}clean{{end}}"), "clean");
}

TEST(GoTemplate, Printf) {
  EXPECT_EQ(render("{{printf \"%s:%d\" .Repository .Count}}"), "alpine:3");
  EXPECT_EQ(render("{{printf \"%v %q\" .Tags .Tag}}"), "[3.19 latest] \"latest\"");
  EXPECT_EQ(render("{{printf \"%-8s|\" .Tag}}"), "latest  |");
  EXPECT_EQ(render("{{.Count | printf \"%03d\"}}"), "003");
  EXPECT_EQ(render("{{printf \"%d\" .Tag}}"), "%!d(string=latest)");
  EXPECT_EQ(render("{{print .Count 2 \"a\" .Tag}}"), "3 2alatest");
  EXPECT_EQ(render("{{println .Count .Tag}}"), "3 latest\n");
}

TEST(GoTemplate, StringFunctions) {
  EXPECT_EQ(render("{{upper .Repository}} {{lower \"ABC\"}} {{title \"hello wide-world\"}}"),
            "ALPINE abc Hello Wide-World");
  EXPECT_EQ(render("{{join .Tags \", \"}}"), "3.19, latest");
  EXPECT_EQ(render("{{split \"a:b:c\" \":\"}} {{len (split \"a:b\" \":\")}}"), "[a b c] 2");
  EXPECT_EQ(render("[{{pad .Tag 2 1}}][{{pad \"\" 2 1}}]"), "[  latest ][]");
  EXPECT_EQ(render("{{truncate .ID 5}} {{truncate \"ab\" 5}}"), "1d34f ab");
  EXPECT_EQ(render("{{.Repository | upper | printf \"<%s>\"}}"), "<ALPINE>");
  EXPECT_EQ(render("{{(index .Layers 0).Digest | upper}}"), "SHA256:AA");
}

TEST(GoTemplate, LenAndComparisons) {
  EXPECT_EQ(render("{{len .Tags}} {{len .Labels}} {{len .ID}}"), "2 2 12");
  EXPECT_EQ(render("{{eq .Count 3}} {{eq .Count 1 2 3}} {{ne .Tag \"latest\"}}"),
            "true true false");
  EXPECT_EQ(render("{{lt 1 2}} {{le 2 2}} {{gt \"b\" \"a\"}} {{ge 1.5 2}}"),
            "true true true false");
  EXPECT_EQ(render("{{eq .Dangling false}} {{eq .Nothing \"x\"}}"), "true false");
  EXPECT_EQ(render("{{or .Count (len 5)}}"), "3");  // or stops before the failing call
  EXPECT_EQ(render_error("{{lt .Tags 1}}"),
            "template parsing error: template: :1:2: executing \"\" at <lt .Tags 1>: error "
            "calling lt: invalid type for comparison");
  EXPECT_EQ(render_error("{{eq .Tags .Tags}}"),
            "template parsing error: template: :1:2: executing \"\" at <eq .Tags .Tags>: error "
            "calling eq: non-comparable type []interface {}");
  EXPECT_EQ(render_error("{{eq .Tag 1}}"),
            "template parsing error: template: :1:2: executing \"\" at <eq .Tag 1>: error "
            "calling eq: incompatible types for comparison");
  EXPECT_EQ(render_error("{{lt true false}}"),
            "template parsing error: template: :1:2: executing \"\" at <lt true false>: error "
            "calling lt: invalid type for comparison");
  EXPECT_EQ(render_error("{{len 5}}"),
            "template parsing error: template: :1:2: executing \"\" at <len 5>: error calling "
            "len: len of type int");
}

TEST(GoTemplate, VariablesAndScopes) {
  EXPECT_EQ(render("{{$n := .Count}}{{$n}}{{$n = 7}} {{$n}}"), "3 7");
  EXPECT_EQ(render("{{if $t := .Tag}}{{$t}}{{end}}"), "latest");
  EXPECT_EQ(render("{{range .Tags}}{{$x := .}}{{end}}done"), "done");
  EXPECT_EQ(render_error("{{range .Tags}}{{$x := .}}{{end}}{{$x}}"),
            "template parsing error: template: :1: undefined variable \"$x\"");
}

TEST(GoTemplate, LiteralsAndParentheses) {
  EXPECT_EQ(raw("{{printf \"%d %d %d %v\" 0x1F 017 -4 1.5}}"), "31 15 -4 1.5");
  EXPECT_EQ(raw("{{\"a\\tb\"}}|{{`a\\tb`}}|{{'x'}}|{{true}}"), "a\tb|a\\tb|120|true");
  EXPECT_EQ(raw("{{(printf \"%s-%s\" .Repository .Tag)}}"), "alpine-latest");
  EXPECT_EQ(raw("{{len (index .Layers 0)}}"), "2");
}

TEST(GoTemplate, TrimMarkersAndComments) {
  EXPECT_EQ(raw("a  {{- .Tag -}}  \n b"), "alatestb");
  EXPECT_EQ(raw("{{.Tag}} {{- /* note */ -}} \n x"), "latestx");
  EXPECT_EQ(raw("{{/* only a comment */}}ok"), "ok");
  // Without the space, "-3" is a number, not a trim marker.
  EXPECT_EQ(raw("a {{-3}}"), "a -3");
  EXPECT_EQ(raw("{{range .Tags}}\n  {{- .}}\n{{- end}}"), "3.19latest");
}

TEST(GoTemplate, MissingFieldIsAnErrorLikeDockerStructs) {
  EXPECT_EQ(render_error("{{.Foo}}"),
            "template parsing error: template: :1:2: executing \"\" at <.Foo>: can't evaluate "
            "field Foo");
  EXPECT_EQ(raw_error("{{.Foo}}"),
            "template: :1:2: executing \"\" at <.Foo>: can't evaluate field Foo");
  EXPECT_EQ(raw_error("ab\n  {{.Labels.c}}"),
            "template: :2:11: executing \"\" at <.Labels.c>: can't evaluate field c");
  EXPECT_EQ(raw_error("{{.Tag.Name}}"),
            "template: :1:6: executing \"\" at <.Tag.Name>: can't evaluate field Name in type "
            "string");
  EXPECT_EQ(raw_error("{{.Tags.Name}}"),
            "template: :1:7: executing \"\" at <.Tags.Name>: can't evaluate field Name in type "
            "[]interface {}");
}

TEST(GoTemplate, MissingFieldNamesDockersContextType) {
  try {
    GoTemplate::parse("{{.Foo}}")
        .render(image(), GoTemplate::MissingField::kError, "*formatter.imageContext");
    FAIL();
  } catch (const UserError& error) {
    EXPECT_STREQ(error.what(),
                 "template parsing error: template: :1:2: executing \"\" at <.Foo>: can't "
                 "evaluate field Foo in type *formatter.imageContext");
  }
  // Only the top-level value is that type.
  try {
    GoTemplate::parse("{{.Labels.zz}}")
        .render(image(), GoTemplate::MissingField::kError, "*formatter.imageContext");
    FAIL();
  } catch (const UserError& error) {
    EXPECT_STREQ(error.what(),
                 "template parsing error: template: :1:9: executing \"\" at <.Labels.zz>: can't "
                 "evaluate field zz");
  }
  try {
    render_listing(GoTemplate::parse("table {{.Nope}}"), {image()}, {}, "*formatter.imageContext");
    FAIL();
  } catch (const UserError& error) {
    EXPECT_STREQ(error.what(),
                 "template parsing error: template: :1:2: executing \"\" at <.Nope>: can't "
                 "evaluate field Nope in type *formatter.imageContext");
  }
}

TEST(GoTemplate, NullInsideAFieldChainIsANilInterface) {
  EXPECT_EQ(raw_error("{{.Nothing.Foo}}"),
            "template: :1:10: executing \"\" at <.Nothing.Foo>: nil pointer evaluating interface "
            "{}.Foo");
  // A null dot or variable is Go's invalid value: its fields are <no value>.
  EXPECT_EQ(raw("{{.Foo}}", nullptr), "<no value>");
  EXPECT_EQ(raw("{{$x := .Nothing}}{{$x.Foo}}"), "<no value>");
  EXPECT_EQ(raw_error("{{nil}}"), "template: :1:2: executing \"\" at <nil>: nil is not a command");
}

TEST(GoTemplate, MissingFieldPrintsNoValueForMaps) {
  auto tmpl = GoTemplate::parse_raw("{{.Foo}} {{.Foo.Bar}} {{.Labels.zz}}");
  EXPECT_EQ(tmpl.render(image(), GoTemplate::MissingField::kNoValue),
            "<no value> <no value> <no value>");
}

TEST(GoTemplate, FunctionArgumentErrors) {
  EXPECT_EQ(raw_error("{{upper .Count}}"),
            "template: :1:8: executing \"\" at <.Count>: wrong type for value; expected string; "
            "got int");
  EXPECT_EQ(raw_error("{{upper 5}}"),
            "template: :1:8: executing \"\" at <5>: expected string; found 5");
  EXPECT_EQ(raw_error("{{truncate .ID \"x\"}}"),
            "template: :1:15: executing \"\" at <\"x\">: expected integer; found \"x\"");
  EXPECT_EQ(raw_error("{{upper}}"),
            "template: :1:2: executing \"\" at <upper>: wrong number of args for upper: want 1 "
            "got 0");
  EXPECT_EQ(raw_error("{{.ID 1}}"),
            "template: :1:2: executing \"\" at <.ID>: wrong number of args for ID: want 0 got 1");
  try {
    GoTemplate::parse_raw("{{.ID 1}}").render(image(), GoTemplate::MissingField::kNoValue);
    FAIL();
  } catch (const UserError& error) {
    EXPECT_STREQ(error.what(),
                 "template: :1:2: executing \"\" at <.ID>: ID is not a method but has arguments");
  }
  EXPECT_EQ(raw_error("{{\"x\" 1}}"),
            "template: :1:2: executing \"\" at <\"x\">: can't give argument to non-function \"x\"");
  EXPECT_EQ(raw_error("{{upper 1 2}}"),
            "template: :1:2: executing \"\" at <upper>: wrong number of args for upper: want 1 "
            "got 2");
  EXPECT_EQ(raw_error("{{.Count | upper}}"),
            "template: :1:11: executing \"\" at <upper>: wrong type for value; expected string; "
            "got int");
  EXPECT_EQ(raw_error("{{truncate .ID -1}}"),
            "template: :1:2: executing \"\" at <truncate .ID -1>: error calling truncate: "
            "runtime error: slice bounds out of range [:-1]");
}

TEST(GoTemplate, ParseErrorsReadLikeGo) {
  auto parse_error = [](std::string_view text) -> std::string {
    try {
      GoTemplate::parse(text);
    } catch (const UserError& error) {
      return error.what();
    }
    return "";
  };
  EXPECT_EQ(parse_error("{{foo .ID}}"),
            "template parsing error: template: :1: function \"foo\" not defined");
  EXPECT_EQ(parse_error("{{if .ID}}x"), "template parsing error: template: :1: unexpected EOF");
  EXPECT_EQ(parse_error("x\n{{end}}"), "template parsing error: template: :2: unexpected {{end}}");
  EXPECT_EQ(parse_error("{{.ID"), "template parsing error: template: :1: unclosed action");
  EXPECT_EQ(parse_error("abc{{"), "template parsing error: template: :1: unclosed action");
  EXPECT_EQ(parse_error("abc {{-\n"), "template parsing error: template: :2: unclosed action");
  EXPECT_EQ(parse_error("{{}}"), "template parsing error: template: :1: missing value for command");
  EXPECT_EQ(parse_error("{{if}}{{end}}"),
            "template parsing error: template: :1: missing value for if");
  EXPECT_EQ(parse_error("{{\"abc}}"),
            "template parsing error: template: :1: unterminated quoted string");
  EXPECT_EQ(parse_error("{{$x}}"),
            "template parsing error: template: :1: undefined variable \"$x\"");
  EXPECT_EQ(parse_error("{{break}}"),
            "template parsing error: template: :1: {{break}} outside {{range}}");
  EXPECT_EQ(parse_error("{{ .ID @}}"),
            "template parsing error: template: :1: unexpected \"@\" in operand");
  EXPECT_EQ(parse_error("{{@}}"),
            "template parsing error: template: :1: unexpected \"@\" in command");
  EXPECT_EQ(parse_error("{{if ,}}{{end}}"),
            "template parsing error: template: :1: unexpected \",\" in if");
  EXPECT_EQ(parse_error("{{.ID \xc3\xa9}}"),
            "template parsing error: template: :1: function \"\xc3\xa9\" not defined");
  EXPECT_EQ(parse_error("{{.ID \x01}}"),
            "template parsing error: template: :1: unrecognized character in action: U+0001");
  EXPECT_EQ(parse_error("{{end 1}}"),
            "template parsing error: template: :1: unexpected \"1\" in end");
  EXPECT_EQ(parse_error("{{if 1}}{{else \"abcdefghijkl\"}}{{end}}"),
            "template parsing error: template: :1: unexpected \"\\\"abcdefghi\"... in else");
  EXPECT_EQ(parse_error("{{/* open"), "template parsing error: template: :1: unclosed comment");
  EXPECT_EQ(parse_error("{{(.ID}}"), "template parsing error: template: :1: unclosed left paren");
  EXPECT_EQ(parse_error("{{.ID)}}"),
            "template parsing error: template: :1: unexpected right paren");
  EXPECT_EQ(parse_error("{{template \"x\"}}"),
            "template parsing error: template: :1: {{template}} is not supported");
  EXPECT_THROW(GoTemplate::parse_raw("{{if}}"), UserError);
}

TEST(GoTemplate, TableMode) {
  auto tmpl = GoTemplate::parse("table {{.ID}}\\t{{.Size}}");
  EXPECT_TRUE(tmpl.is_table());
  EXPECT_FALSE(tmpl.empty());
  EXPECT_EQ(tmpl.render(image()), "1d34ffeaf190\t7.8MB");
  EXPECT_EQ(tmpl.render_header({{"ID", "IMAGE ID"}, {"Size", "SIZE"}}), "IMAGE ID\tSIZE");
  EXPECT_TRUE(GoTemplate::parse("table").empty());
  EXPECT_TRUE(GoTemplate::parse("table").is_table());
  EXPECT_FALSE(GoTemplate::parse("{{.ID}}").is_table());
}

TEST(GoTemplate, HeaderFunctionsKeepTitles) {
  auto tmpl = GoTemplate::parse(
      "table {{.ID | upper}}\\t{{json .Size}}\\t{{lower .Tag}}\\t{{truncate .Repository 2}}\\t"
      "{{.Missing}}");
  EXPECT_EQ(
      tmpl.render_header(
          {{"ID", "IMAGE ID"}, {"Size", "SIZE"}, {"Tag", "TAG"}, {"Repository", "REPOSITORY"}}),
      "IMAGE ID\tSIZE\tTAG\tREPOSITORY\t<no value>");
}

TEST(GoTemplate, FieldNamesOfTopLevelValue) {
  auto tmpl = GoTemplate::parse(
      "table {{.ID}}\\t{{.Size | json}}\\t{{range .Tags}}{{.X}}{{end}}"
      "{{if .Dangling}}{{.Tag}}{{else}}{{.Repository}}{{end}}{{with .Labels}}{{.a}}{{end}}"
      "{{printf \"%s\" (upper .ID)}}{{$.Count}}");
  EXPECT_EQ(tmpl.field_names(), (std::vector<std::string>{"ID", "Size", "Tags", "Dangling", "Tag",
                                                          "Repository", "Labels", "Count"}));
}

TEST(RenderListing, TableLikeDockerImages) {
  auto format = GoTemplate::parse(
      "table {{.Repository}}\\t{{.Tag}}\\t{{.ID}}\\t{{.CreatedSince}}\\t{{.Size}}");
  std::vector<json> rows = {
      {{"Repository", "alpine"},
       {"Tag", "latest"},
       {"ID", "1d34ffeaf190"},
       {"CreatedSince", "2 weeks ago"},
       {"Size", "7.8MB"}},
      {{"Repository", "busybox"},
       {"Tag", "1.36"},
       {"ID", "a416a98b71e2"},
       {"CreatedSince", "3 months ago"},
       {"Size", "4.26MB"}},
  };
  std::map<std::string, std::string> headers = {{"Repository", "REPOSITORY"},
                                                {"Tag", "TAG"},
                                                {"ID", "IMAGE ID"},
                                                {"CreatedSince", "CREATED"},
                                                {"Size", "SIZE"}};
  EXPECT_EQ(render_listing(format, rows, headers),
            "REPOSITORY   TAG       IMAGE ID       CREATED        SIZE\n"
            "alpine       latest    1d34ffeaf190   2 weeks ago    7.8MB\n"
            "busybox      1.36      a416a98b71e2   3 months ago   4.26MB\n");
  EXPECT_EQ(render_listing(format, {}, headers),
            "REPOSITORY   TAG       IMAGE ID   CREATED   SIZE\n");
}

TEST(RenderListing, PlainFormatPrintsOneLinePerRow) {
  auto format = GoTemplate::parse("{{.ID}}: {{.Size}}");
  EXPECT_EQ(render_listing(
                format, {json{{"ID", "a"}, {"Size", "1B"}}, json{{"ID", "b"}, {"Size", "2B"}}}, {}),
            "a: 1B\nb: 2B\n");
  EXPECT_EQ(render_listing(format, {}, {}), "");
}

TEST(RenderListing, ErrorsCarryDockerPrefix) {
  auto format = GoTemplate::parse("table {{.Nope}}");
  try {
    render_listing(format, {json{{"ID", "a"}}}, {});
    FAIL();
  } catch (const UserError& error) {
    EXPECT_STREQ(error.what(),
                 "template parsing error: template: :1:2: executing \"\" at <.Nope>: can't "
                 "evaluate field Nope");
  }
}

TEST(GoTemplate, CopiesShareTheParsedTree) {
  auto original = GoTemplate::parse("{{.Tag}}");
  GoTemplate copy = original;
  EXPECT_EQ(copy.render(image()), "latest");
  EXPECT_EQ(original.render(image()), "latest");
}

}  // namespace
}  // namespace layerfs
