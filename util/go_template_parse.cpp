// Parser for Go's text/template syntax (the subset in go_template.h); tokens come from
// go_template_lex.cpp.
#include <algorithm>
#include <array>
#include <optional>

#include "util/error.h"
#include "util/go_fmt.h"
#include "util/go_template_ast.h"
#include "util/go_template_lex.h"
#include "util/utf8.h"

namespace layerfs::go_template_detail {

namespace {

constexpr std::array kFunctions = {
    "and", "or", "not", "len",  "index", "print", "printf", "println", "eq",    "ne",  "lt",
    "le",  "gt", "ge",  "json", "split", "join",  "title",  "lower",   "upper", "pad", "truncate",
};

class Parser {
 public:
  explicit Parser(std::string_view text) : text_(text), lexer_(text) {}

  std::shared_ptr<List> parse() {
    auto list = std::make_shared<List>();
    Stop stop = parse_list(*list);
    if (stop.kind != Stop::Kind::kEof) fail(stop.pos, "unexpected " + stop.spelling);
    return list;
  }

 private:
  // Why parse_list returned.
  struct Stop {
    enum class Kind { kEof, kEnd, kElse, kElseIf, kElseWith } kind;
    size_t pos = 0;
    std::string spelling;  // {{end}} or {{else}}, for "unexpected ..." errors
  };

  [[noreturn]] void fail(size_t pos, const std::string& message) const {
    throw_parse_error(text_, pos, message);
  }

  // Reads text and actions into `list` until {{end}}, {{else}} or the end of the template.
  Stop parse_list(List& list) {
    while (true) {
      size_t text_pos = 0;
      std::string_view plain = lexer_.next_text(text_pos);
      if (!plain.empty()) {
        Node node;
        node.kind = Node::Kind::kText;
        node.pos = text_pos;
        node.text = std::string(plain);
        list.nodes.push_back(std::move(node));
      }
      if (lexer_.at_end()) return Stop{Stop::Kind::kEof, text_.size(), ""};
      if (auto stop = parse_action(list)) return *stop;
    }
  }

  // Parses the action the lexer stands at; returns a Stop for end/else.
  std::optional<Stop> parse_action(List& list) {
    size_t action_pos = lexer_.position();
    if (lexer_.skip_comment()) return std::nullopt;
    std::vector<Token> tokens = lexer_.lex_action();
    size_t index = 0;
    skip_spaces(tokens, index);
    const Token& first = tokens[index];
    if (first.kind == Token::Kind::kIdentifier) {
      const std::string& word = first.text;
      if (word == "end") {
        expect_end(tokens, index + 1, "end");
        return Stop{Stop::Kind::kEnd, first.pos, "{{end}}"};
      }
      if (word == "else") {
        size_t next = index + 1;
        skip_spaces(tokens, next);
        if (tokens[next].kind == Token::Kind::kIdentifier &&
            (tokens[next].text == "if" || tokens[next].text == "with")) {
          // Leave the "if"/"with" pipeline for the caller, which parses it as a nested control.
          pending_tokens_ = std::vector<Token>(tokens.begin() + next + 1, tokens.end());
          return Stop{tokens[next].text == "if" ? Stop::Kind::kElseIf : Stop::Kind::kElseWith,
                      first.pos, "{{else}}"};
        }
        expect_end(tokens, index + 1, "else");
        return Stop{Stop::Kind::kElse, first.pos, "{{else}}"};
      }
      if (word == "if" || word == "with" || word == "range") {
        list.nodes.push_back(parse_control(word, tokens, index + 1, first.pos));
        return std::nullopt;
      }
      if (word == "break" || word == "continue") {
        if (range_depth_ == 0) fail(first.pos, "{{" + word + "}} outside {{range}}");
        expect_end(tokens, index + 1, word);
        Node node;
        node.kind = word == "break" ? Node::Kind::kBreak : Node::Kind::kContinue;
        node.pos = first.pos;
        list.nodes.push_back(std::move(node));
        return std::nullopt;
      }
      if (word == "define" || word == "template" || word == "block") {
        fail(first.pos, "{{" + word + "}} is not supported");
      }
    }
    Node node;
    node.kind = Node::Kind::kAction;
    node.pos = action_pos;
    node.pipeline = parse_pipeline(tokens, index, "command", false);
    list.nodes.push_back(std::move(node));
    return std::nullopt;
  }

  Node parse_control(const std::string& word, std::vector<Token> tokens, size_t index, size_t pos) {
    size_t vars_mark = variables_.size();
    Node node;
    node.kind = word == "if"     ? Node::Kind::kIf
                : word == "with" ? Node::Kind::kWith
                                 : Node::Kind::kRange;
    node.pos = pos;
    node.pipeline = parse_pipeline(tokens, index, word, word == "range");
    node.body = std::make_shared<List>();
    if (word == "range") ++range_depth_;
    Stop stop = parse_list(*node.body);
    if (word == "range") --range_depth_;
    if (stop.kind == Stop::Kind::kElseIf || stop.kind == Stop::Kind::kElseWith) {
      if (word == "range")
        fail(stop.pos, "unexpected {{else " +
                           std::string(stop.kind == Stop::Kind::kElseIf ? "if" : "with") +
                           "}} in range");
      // {{else if x}} is {{else}}{{if x}}...{{end}}{{end}} sharing one {{end}}.
      node.else_body = std::make_shared<List>();
      std::vector<Token> rest = std::move(pending_tokens_);
      node.else_body->nodes.push_back(parse_control(
          stop.kind == Stop::Kind::kElseIf ? "if" : "with", std::move(rest), 0, stop.pos));
      variables_.resize(vars_mark);
      return node;
    }
    if (stop.kind == Stop::Kind::kElse) {
      node.else_body = std::make_shared<List>();
      stop = parse_list(*node.else_body);
    }
    if (stop.kind != Stop::Kind::kEnd) {
      fail(stop.kind == Stop::Kind::kEof ? text_.size() : stop.pos,
           stop.kind == Stop::Kind::kEof ? "unexpected EOF" : "unexpected " + stop.spelling);
    }
    variables_.resize(vars_mark);
    return node;
  }

  void expect_end(const std::vector<Token>& tokens, size_t index, const std::string& word) {
    skip_spaces(tokens, index);
    if (tokens[index].kind != Token::Kind::kEnd) {
      fail(tokens[index].pos, "unexpected " + describe(tokens[index]) + " in " + word);
    }
  }

  static void skip_spaces(const std::vector<Token>& tokens, size_t& index) {
    while (tokens[index].kind == Token::Kind::kSpace) ++index;
  }

  // A token as Go's parser names it in "unexpected ..." errors: keywords in angle brackets,
  // anything else quoted and cut after 10 characters.
  static std::string describe(const Token& token) {
    static constexpr std::string_view kKeywords[] = {"block", "break",    "continue", "define",
                                                     "else",  "end",      "if",       "nil",
                                                     "range", "template", "with"};
    bool keyword =
        token.kind == Token::Kind::kDot ||
        (token.kind == Token::Kind::kIdentifier &&
         std::find(std::begin(kKeywords), std::end(kKeywords), token.text) != std::end(kKeywords));
    if (keyword) return "<" + token.text + ">";
    std::string text = token.kind == Token::Kind::kEnd ? "}}" : token.text;
    size_t end = 0, runes = 0;
    while (end < text.size() && runes < 10) next_code_point(text, end), ++runes;
    return go_quote(text.substr(0, end)) + (end < text.size() ? "..." : "");
  }

  // --- parsing ------------------------------------------------------------------------------

  // Parses a pipeline from tokens[index] to the closing delimiter (or right paren when nested).
  std::shared_ptr<Pipeline> parse_pipeline(const std::vector<Token>& tokens, size_t& index,
                                           const std::string& context, bool allow_two_vars,
                                           bool nested = false) {
    auto pipe = std::make_shared<Pipeline>();
    skip_spaces(tokens, index);
    pipe->pos = tokens[index].pos;
    parse_declaration(tokens, index, *pipe, allow_two_vars);
    while (true) {
      skip_spaces(tokens, index);
      Command command;
      command.pos = tokens[index].pos;
      Token::Kind start = tokens[index].kind;
      if (start == Token::Kind::kChar || start == Token::Kind::kComma ||
          start == Token::Kind::kDeclare || start == Token::Kind::kAssign) {
        fail(tokens[index].pos, "unexpected " + describe(tokens[index]) + " in " + context);
      }
      while (true) {
        skip_spaces(tokens, index);
        Token::Kind kind = tokens[index].kind;
        if (kind == Token::Kind::kEnd || kind == Token::Kind::kPipe ||
            kind == Token::Kind::kRightParen) {
          break;
        }
        command.args.push_back(parse_operand(tokens, index));
      }
      const Token& stop = tokens[index];
      if (stop.kind == Token::Kind::kRightParen && !nested)
        fail(stop.pos, "unexpected right paren");
      if (stop.kind == Token::Kind::kEnd && nested) fail(stop.pos, "unclosed left paren");
      if (command.args.empty()) {
        if (stop.kind == Token::Kind::kPipe || !pipe->commands.empty()) {
          fail(stop.pos, "missing value for command");
        }
        fail(stop.pos, "missing value for " + context);
      }
      pipe->commands.push_back(std::move(command));
      if (stop.kind != Token::Kind::kPipe) break;
      ++index;
    }
    // A declared variable is visible from the end of its declaring action on.
    if (!pipe->is_assign) {
      for (const auto& name : pipe->variables) variables_.push_back(name);
    }
    return pipe;
  }

  void parse_declaration(const std::vector<Token>& tokens, size_t& index, Pipeline& pipe,
                         bool allow_two_vars) {
    if (tokens[index].kind != Token::Kind::kVariable) return;
    size_t probe = index + 1;
    skip_spaces(tokens, probe);
    Token::Kind next = tokens[probe].kind;
    if (next == Token::Kind::kDeclare || next == Token::Kind::kAssign) {
      pipe.variables.push_back(tokens[index].text);
      pipe.is_assign = next == Token::Kind::kAssign;
      if (pipe.is_assign) check_variable(tokens[index]);
      index = probe + 1;
      return;
    }
    if (next == Token::Kind::kComma && allow_two_vars) {
      size_t second = probe + 1;
      skip_spaces(tokens, second);
      size_t op = second + 1;
      skip_spaces(tokens, op);
      if (tokens[second].kind == Token::Kind::kVariable &&
          (tokens[op].kind == Token::Kind::kDeclare || tokens[op].kind == Token::Kind::kAssign)) {
        pipe.variables = {tokens[index].text, tokens[second].text};
        pipe.is_assign = tokens[op].kind == Token::Kind::kAssign;
        index = op + 1;
        return;
      }
      fail(tokens[second].pos, "too many declarations in range");
    }
    if (next == Token::Kind::kComma) fail(tokens[probe].pos, "too many declarations in command");
  }

  void check_variable(const Token& token) const {
    if (std::find(variables_.begin(), variables_.end(), token.text) == variables_.end()) {
      fail(token.pos, "undefined variable \"" + token.text + "\"");
    }
  }

  Operand parse_operand(const std::vector<Token>& tokens, size_t& index) {
    const Token& token = tokens[index];
    Operand operand;
    operand.pos = token.pos;
    switch (token.kind) {
      case Token::Kind::kField:
        operand.kind = Operand::Kind::kField;
        break;  // the chain loop below reads this token too
      case Token::Kind::kDot:
        operand.kind = Operand::Kind::kDot;
        operand.text = ".";
        ++index;
        break;
      case Token::Kind::kVariable:
        check_variable(token);
        operand.kind = Operand::Kind::kVariable;
        operand.name = token.text;
        operand.text = token.text;
        ++index;
        break;
      case Token::Kind::kIdentifier:
        operand.text = token.text;
        ++index;
        if (token.text == "true" || token.text == "false") {
          operand.literal = token.text == "true";
        } else if (token.text == "nil") {
          operand.literal = nullptr;
        } else if (is_template_function(token.text)) {
          operand.kind = Operand::Kind::kFunction;
          operand.name = token.text;
        } else {
          fail(token.pos, "function \"" + token.text + "\" not defined");
        }
        return operand;
      case Token::Kind::kLiteral:
        operand.literal = token.literal;
        operand.text = token.text;
        ++index;
        return operand;
      case Token::Kind::kLeftParen: {
        ++index;
        operand.kind = Operand::Kind::kPipeline;
        operand.pipeline = parse_pipeline(tokens, index, "parenthesized pipeline", false, true);
        ++index;  // the right paren
        operand.text = "(" + operand.pipeline->text() + ")";
        break;
      }
      default:
        fail(token.pos, "unexpected " + describe(token) + " in operand");
    }
    // Go places a chain (.A.B, $x.A, (pipe).A) at its first chained field: errors in .A.B
    // point at .B.
    size_t field_count = 0;
    while (tokens[index].kind == Token::Kind::kField) {
      bool starts_chain =
          operand.kind == Operand::Kind::kField ? field_count == 1 : field_count == 0;
      if (starts_chain) operand.pos = tokens[index].pos;
      ++field_count;
      operand.fields.push_back(tokens[index].text);
      operand.text += "." + tokens[index].text;
      ++index;
    }
    Token::Kind after = tokens[index].kind;
    if (after == Token::Kind::kDot || after == Token::Kind::kVariable ||
        after == Token::Kind::kIdentifier || after == Token::Kind::kLiteral ||
        after == Token::Kind::kLeftParen) {
      fail(tokens[index].pos, "unexpected " + describe(tokens[index]) + " in operand");
    }
    return operand;
  }

  std::string_view text_;
  Lexer lexer_;
  int range_depth_ = 0;
  std::vector<std::string> variables_{"$"};
  std::vector<Token> pending_tokens_;  // the rest of an {{else if ...}} action
};

}  // namespace

std::string Command::text() const {
  std::string out;
  for (const auto& arg : args) {
    if (!out.empty()) out += ' ';
    out += arg.text;
  }
  return out;
}

std::string Pipeline::text() const {
  std::string out;
  for (size_t i = 0; i < variables.size(); ++i) out += (i ? ", " : "") + variables[i];
  if (!variables.empty()) out += is_assign ? " = " : " := ";
  for (size_t i = 0; i < commands.size(); ++i) out += (i ? " | " : "") + commands[i].text();
  return out;
}

std::shared_ptr<List> parse_template(std::string_view text) { return Parser(text).parse(); }

bool is_template_function(std::string_view name) {
  return std::find(kFunctions.begin(), kFunctions.end(), name) != kFunctions.end();
}

std::string error_location(std::string_view text, size_t pos) {
  pos = std::min(pos, text.size());
  std::string_view before = text.substr(0, pos);
  size_t line = 1 + std::count(before.begin(), before.end(), '\n');
  size_t last_newline = before.rfind('\n');
  size_t column = last_newline == std::string_view::npos ? pos : pos - (last_newline + 1);
  return "template: :" + std::to_string(line) + ":" + std::to_string(column);
}

}  // namespace layerfs::go_template_detail
