#include "util/table.h"

#include <gtest/gtest.h>

namespace layerfs {
namespace {

TEST(Tabwrite, PadsColumnsToWidestCellPlusThreeWithMinimumTen) {
  // Column width max(10, 11 + 3) = 14.
  EXPECT_EQ(tabwrite("a\tb\nlonger-cell\tc\n"),
            "a" + std::string(13, ' ') + "b\n" + "longer-cell" + std::string(3, ' ') + "c\n");
  EXPECT_EQ(tabwrite("ID\tSIZE\nabc\t1MB\n"),
            "ID        SIZE\n"
            "abc       1MB\n");
}

TEST(Tabwrite, LastCellIsNeverPadded) {
  std::string out = tabwrite("x\ty\tz\nxx\tyyyyyyyyyyyyyy\tzz\n");
  // Widths: max(10, 2 + 3) = 10, then max(10, 14 + 3) = 17.
  EXPECT_EQ(out, "x" + std::string(9, ' ') + "y" + std::string(16, ' ') + "z\n" + "xx" +
                     std::string(8, ' ') + "yyyyyyyyyyyyyy" + std::string(3, ' ') + "zz\n");
  for (size_t at = out.find('\n'); at != std::string::npos; at = out.find('\n', at + 1)) {
    EXPECT_NE(out[at - 1], ' ');
  }
}

TEST(Tabwrite, ColumnBlocksFollowGoElasticTabstops) {
  // The example from Go's text/tabwriter documentation: b and c are separate column blocks
  // because the "a" line interrupts the second column.
  TabwriterOptions options{.min_width = 0, .padding = 1};
  EXPECT_EQ(tabwrite("aaaa\tbbb\td\naa\tb\tdd\na\t\naa\tcccc\teee\n", options),
            "aaaa bbb d\n"
            "aa   b   dd\n"
            "a    \n"
            "aa   cccc eee\n");
}

TEST(Tabwrite, LineWithoutTabsEndsTheBlock) {
  EXPECT_EQ(tabwrite("a\tb\nsection\nlonger-cell\tc\n"),
            "a         b\n"
            "section\n"
            "longer-cell   c\n");
}

TEST(Tabwrite, TextWithoutFinalNewline) {
  EXPECT_EQ(tabwrite("a\tb"), "a         b");
  // A trailing tab with nothing after it ends no cell, as in Go.
  EXPECT_EQ(tabwrite("a\t"), "a");
  EXPECT_EQ(tabwrite(""), "");
  EXPECT_EQ(tabwrite("\n"), "\n");
  EXPECT_EQ(tabwrite("plain text"), "plain text");
}

TEST(Tabwrite, WideCharactersCountTwoColumns) {
  EXPECT_EQ(display_width("abc"), 3u);
  EXPECT_EQ(display_width("\xe6\x97\xa5\xe6\x9c\xac"), 4u);  // 日本
  EXPECT_EQ(display_width("\xc3\xa9"), 1u);                  // é
  EXPECT_EQ(display_width("e\xcc\x81"), 1u);                 // e + combining acute
  EXPECT_EQ(tabwrite("\xe6\x97\xa5\xe6\x9c\xac\xe8\xaa\x9e\xe3\x81\xae\xe5\x90\x8d\xe5\x89\x8d\tx\n"
                     "a\ty\n"),
            "\xe6\x97\xa5\xe6\x9c\xac\xe8\xaa\x9e\xe3\x81\xae\xe5\x90\x8d\xe5\x89\x8d   x\n"
            "a              y\n");
}

TEST(Table, RendersHeaderAndRowsLikeDockerImages) {
  Table table({"REPOSITORY", "TAG", "IMAGE ID", "CREATED", "SIZE"});
  table.add_row({"alpine", "latest", "1d34ffeaf190", "2 weeks ago", "7.8MB"});
  table.add_row({"busybox", "1.36", "a416a98b71e2", "3 months ago", "4.26MB"});
  EXPECT_EQ(table.row_count(), 2u);
  EXPECT_EQ(table.render(),
            "REPOSITORY   TAG       IMAGE ID       CREATED        SIZE\n"
            "alpine       latest    1d34ffeaf190   2 weeks ago    7.8MB\n"
            "busybox      1.36      a416a98b71e2   3 months ago   4.26MB\n");
}

TEST(Table, HeaderOnlyWhenEmpty) {
  Table table({"CONTAINER ID", "IMAGE"});
  EXPECT_EQ(table.render(), "CONTAINER ID   IMAGE\n");
}

TEST(Table, EmptyCellsKeepTheirColumn) {
  Table table({"A", "B", "C"});
  table.add_row({"", "", "c"});
  EXPECT_EQ(table.render(),
            "A         B         C\n"
            "                    c\n");
}

}  // namespace
}  // namespace layerfs
