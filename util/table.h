// Column alignment for listings, equivalent to the tabwriter docker's CLI uses
// (text/tabwriter with minwidth 10, padding 3, padchar ' ', no flags).
#pragma once

#include <string>
#include <string_view>
#include <vector>

namespace layerfs {

struct TabwriterOptions {
  size_t min_width = 10;  // a column is at least this wide, padding included
  size_t padding = 3;     // spaces added to the widest cell of a column
};

// Aligns tab-terminated cells the way Go's text/tabwriter does: a cell ended by '\t' belongs to
// a column; the text after a line's last tab is not aligned and never padded, so rows built as
// "a\tb\tc\n" have no trailing spaces. Contiguous lines sharing a column form one block with one
// width. Widths count terminal columns (CJK and emoji count 2, combining marks 0).
std::string tabwrite(std::string_view text, const TabwriterOptions& options = {});

// Display width of UTF-8 text in terminal columns.
size_t display_width(std::string_view text);

// A listing: a header row and data rows, rendered with docker's column alignment.
class Table {
 public:
  explicit Table(std::vector<std::string> header, TabwriterOptions options = {});
  void add_row(std::vector<std::string> cells);
  size_t row_count() const { return rows_.size(); }
  // Every row, header first, each ending in '\n'.
  std::string render() const;

 private:
  std::vector<std::string> header_;
  std::vector<std::vector<std::string>> rows_;
  TabwriterOptions options_;
};

}  // namespace layerfs
