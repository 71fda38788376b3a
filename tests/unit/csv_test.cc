#include "core/csv.h"

#include <gtest/gtest.h>

namespace ag {
namespace {

TEST(CsvTest, ParsesQuotedFieldsWithCommasQuotesAndNewlines) {
  auto rows = ParseCsv("id,answer\r\n1,\"Hello, \"\"world\"\"\nsecond line\"\n2,plain\n\n3,\n");
  ASSERT_TRUE(rows.ok()) << rows.status().ToString();
  ASSERT_EQ(rows->size(), 4u);
  EXPECT_EQ((*rows)[1][1], "Hello, \"world\"\nsecond line");
  EXPECT_EQ((*rows)[2], (CsvRow{"2", "plain"}));
  EXPECT_EQ((*rows)[3], (CsvRow{"3", ""}));
}

TEST(CsvTest, AnUnclosedQuoteNamesItsLine) {
  auto rows = ParseCsv("a,b\n1,\"open\n2,x\n");
  ASSERT_FALSE(rows.ok());
  EXPECT_NE(rows.status().message().find("line 2"), std::string::npos);
}

TEST(CsvTest, WritesWhatItReads) {
  CsvRow row = {"a", "b,c", "say \"x\"", "multi\nline"};
  auto back = ParseCsv(CsvLine(row));
  ASSERT_TRUE(back.ok());
  EXPECT_EQ(back->at(0), row);
}

}  // namespace
}  // namespace ag
