#include "util/table.h"

#include <cstdint>
#include <utility>

#include "util/utf8.h"

namespace layerfs {

namespace {

struct Cell {
  std::string_view text;
  size_t width = 0;
};
using Line = std::vector<Cell>;

size_t code_point_width(char32_t c) {
  if ((c >= 0x0300 && c <= 0x036f) || (c >= 0x200b && c <= 0x200f) || c == 0xfeff) return 0;
  static constexpr std::pair<char32_t, char32_t> kWide[] = {
      {0x1100, 0x115f},   {0x2e80, 0x303e},   {0x3041, 0x33ff}, {0x3400, 0x4dbf},
      {0x4e00, 0x9fff},   {0xa000, 0xa4cf},   {0xac00, 0xd7a3}, {0xf900, 0xfaff},
      {0xfe30, 0xfe4f},   {0xff00, 0xff60},   {0xffe0, 0xffe6}, {0x1f300, 0x1f64f},
      {0x1f900, 0x1f9ff}, {0x20000, 0x3fffd},
  };
  for (const auto& [low, high] : kWide) {
    if (c >= low && c <= high) return 2;
  }
  return 1;
}

class Formatter {
 public:
  Formatter(const std::vector<Line>& lines, const TabwriterOptions& options, bool ends_in_newline)
      : lines_(lines), options_(options), ends_in_newline_(ends_in_newline) {}

  std::string run() {
    format(0, lines_.size());
    return std::move(out_);
  }

 private:
  // Go's elastic tabstops: find the block of contiguous lines that have a cell in the next
  // column, fix that column's width, recurse for the columns to its right.
  void format(size_t line0, size_t line1) {
    size_t column = widths_.size();
    for (size_t current = line0; current < line1; ++current) {
      if (column + 1 >= lines_[current].size()) continue;
      write_lines(line0, current);
      line0 = current;
      size_t width = options_.min_width;
      for (; current < line1; ++current) {
        const Line& line = lines_[current];
        if (column + 1 >= line.size()) break;
        width = std::max(width, line[column].width + options_.padding);
      }
      widths_.push_back(width);
      format(line0, current);
      widths_.pop_back();
      line0 = current;
      if (current == line1) break;
    }
    write_lines(line0, line1);
  }

  void write_lines(size_t line0, size_t line1) {
    for (size_t i = line0; i < line1; ++i) {
      const Line& line = lines_[i];
      for (size_t j = 0; j < line.size(); ++j) {
        out_ += line[j].text;
        if (j < widths_.size()) out_.append(widths_[j] - line[j].width, ' ');
      }
      if (i + 1 < lines_.size() || ends_in_newline_) out_ += '\n';
    }
  }

  const std::vector<Line>& lines_;
  const TabwriterOptions& options_;
  bool ends_in_newline_;
  std::vector<size_t> widths_;
  std::string out_;
};

}  // namespace

size_t display_width(std::string_view text) {
  size_t width = 0;
  for (size_t pos = 0; pos < text.size();) width += code_point_width(next_code_point(text, pos));
  return width;
}

std::string tabwrite(std::string_view text, const TabwriterOptions& options) {
  std::vector<Line> lines;
  bool ends_in_newline = !text.empty() && text.back() == '\n';
  if (ends_in_newline) text.remove_suffix(1);
  while (true) {
    size_t end = text.find('\n');
    std::string_view line_text = text.substr(0, end);
    Line line;
    size_t start = 0;
    while (true) {
      size_t tab = line_text.find('\t', start);
      std::string_view cell = line_text.substr(start, tab - start);
      // At the very end of the text (no newline) an empty trailing cell is no cell at all, as
      // in Go: "a\t" then is one tab-terminated cell without a column to align to.
      bool final_unterminated = end == std::string_view::npos && !ends_in_newline;
      if (tab != std::string_view::npos || !cell.empty() || !final_unterminated) {
        line.push_back(Cell{cell, display_width(cell)});
      }
      if (tab == std::string_view::npos) break;
      start = tab + 1;
    }
    lines.push_back(std::move(line));
    if (end == std::string_view::npos) break;
    text.remove_prefix(end + 1);
  }
  return Formatter(lines, options, ends_in_newline).run();
}

Table::Table(std::vector<std::string> header, TabwriterOptions options)
    : header_(std::move(header)), options_(options) {}

void Table::add_row(std::vector<std::string> cells) { rows_.push_back(std::move(cells)); }

std::string Table::render() const {
  std::string text;
  auto append_row = [&](const std::vector<std::string>& cells) {
    for (size_t i = 0; i < cells.size(); ++i) {
      if (i > 0) text += '\t';
      text += cells[i];
    }
    text += '\n';
  };
  append_row(header_);
  for (const auto& row : rows_) append_row(row);
  return tabwrite(text, options_);
}

}  // namespace layerfs
