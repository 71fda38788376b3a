#include "core/text.h"

#include <gtest/gtest.h>

#include "core/time_format.h"

namespace ag {
namespace {

TEST(TextTest, ContentWordsDropStopWordsAndStem) {
  EXPECT_EQ(ContentWords("The graders are grading the Classes, and studies!"),
            (std::vector<std::string>{"grader", "grad", "class", "study"}));
  EXPECT_EQ(ContentWords("Größe über 42"), (std::vector<std::string>{"größe", "über", "42"}));
  EXPECT_TRUE(ContentWords("  ,.; ").empty());
}

TEST(TextTest, LightStemIsConservative) {
  EXPECT_EQ(LightStem("bus"), "bus");
  EXPECT_EQ(LightStem("analysis"), "analysis");
  EXPECT_EQ(LightStem("boxes"), "box");
  EXPECT_EQ(LightStem("glass"), "glass");
}

TEST(TextTest, SentencesSplitAtEndsAndLines) {
  auto s = Sentences("First one. Second one!\nThird line\n\n e.g.x stays");
  ASSERT_EQ(s.size(), 4u);
  EXPECT_EQ(s[0], "First one.");
  EXPECT_EQ(s[1], "Second one!");
  EXPECT_EQ(s[2], "Third line");
  EXPECT_EQ(s[3], "e.g.x stays");
}

TEST(TextTest, Utf8Validation) {
  EXPECT_TRUE(IsValidUtf8("plain ascii"));
  EXPECT_TRUE(IsValidUtf8("h\xC3\xA9llo \xE2\x82\xAC \xF0\x9F\x98\x80"));
  EXPECT_FALSE(IsValidUtf8("\xC3"));          // truncated
  EXPECT_FALSE(IsValidUtf8("\xC0\xAF"));      // overlong
  EXPECT_FALSE(IsValidUtf8("\xED\xA0\x80"));  // surrogate
  EXPECT_FALSE(IsValidUtf8("\xFF"));
}

TEST(TextTest, Utf8PrefixNeverSplitsACharacter) {
  const std::string s = "ab\xE2\x82\xAC";  // "ab€"
  EXPECT_EQ(Utf8Prefix(s, 10), s);
  EXPECT_EQ(Utf8Prefix(s, 5), s);
  EXPECT_EQ(Utf8Prefix(s, 4), "ab");
  EXPECT_EQ(Utf8Prefix(s, 3), "ab");
  EXPECT_EQ(Utf8Prefix(s, 2), "ab");
  EXPECT_TRUE(IsValidUtf8(Utf8Prefix(s, 3)));
}

TEST(TimeFormatTest, Iso8601Utc) {
  EXPECT_EQ(FormatIso8601(FromUnixMillis(0)), "1970-01-01T00:00:00.000Z");
  EXPECT_EQ(FormatIso8601(FromUnixMillis(1764337720123)), "2025-11-28T13:48:40.123Z");
}

}  // namespace
}  // namespace ag
