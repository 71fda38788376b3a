#include "rag/chunker.h"

#include <gtest/gtest.h>

namespace ag {
namespace {

TEST(ChunkerTest, HeadingsStartSectionsAndNameTheirChunks) {
  const std::string md =
      "Intro paragraph.\n\n# Causes\nFossil fuels burn.\n\nMore causes.\n\n## Effects\nSea levels "
      "rise.\n";
  auto chunks = ChunkText(md, TextFormat::kMarkdown);
  ASSERT_EQ(chunks.size(), 3u);
  EXPECT_EQ(chunks[0].heading, "");
  EXPECT_EQ(chunks[0].text, "Intro paragraph.");
  EXPECT_EQ(chunks[1].heading, "Causes");
  EXPECT_EQ(chunks[1].text, "Fossil fuels burn.\n\nMore causes.");
  EXPECT_EQ(chunks[2].heading, "Effects");
  for (std::size_t i = 0; i < chunks.size(); ++i)
    EXPECT_EQ(chunks[i].position, static_cast<int>(i));
}

TEST(ChunkerTest, RespectsTheSizeLimitWithOverlap) {
  std::string text;
  for (int i = 0; i < 200; ++i) text += "Sentence number " + std::to_string(i) + " is here. ";
  ChunkOptions o{300, 60};
  auto chunks = ChunkText(text, TextFormat::kPlain, o);
  ASSERT_GT(chunks.size(), 5u);
  for (const auto& c : chunks) EXPECT_LE(c.text.size(), 300u) << c.text;
  // Consecutive chunks share text, so a sentence cut at a boundary is whole in one of them.
  for (std::size_t i = 1; i < chunks.size(); ++i) {
    const std::string tail = chunks[i - 1].text.substr(chunks[i - 1].text.size() - 20);
    EXPECT_NE(chunks[i].text.find(tail.substr(tail.find(' ') + 1)), std::string::npos) << i;
  }
  // Nothing is lost: every sentence appears somewhere.
  for (int i = 0; i < 200; ++i) {
    const std::string s = "Sentence number " + std::to_string(i) + " is here.";
    bool found = false;
    for (const auto& c : chunks) found = found || c.text.find(s) != std::string::npos;
    EXPECT_TRUE(found) << s;
  }
}

TEST(ChunkerTest, KeepsAFencedCodeBlockWhole) {
  const std::string md = "# Code\n```python\ndef f():\n\n    return 1\n```\nAfter.";
  auto chunks = ChunkText(md, TextFormat::kMarkdown);
  ASSERT_EQ(chunks.size(), 1u);
  EXPECT_NE(chunks[0].text.find("def f():\n\n    return 1"), std::string::npos);
}

TEST(ChunkerTest, NeverCutsInsideAUtf8Character) {
  std::string text;
  for (int i = 0; i < 400; ++i) text += "\xC3\xA9";  // é without spaces
  auto chunks = ChunkText(text, TextFormat::kPlain, {100, 20});
  for (const auto& c : chunks) {
    ASSERT_FALSE(c.text.empty());
    EXPECT_NE(static_cast<unsigned char>(c.text[0]) & 0xC0, 0x80);
  }
}

TEST(ChunkerTest, EmptyInputHasNoChunks) {
  EXPECT_TRUE(ChunkText("", TextFormat::kPlain).empty());
  EXPECT_TRUE(ChunkText("\n\n  \n", TextFormat::kMarkdown).empty());
}

}  // namespace
}  // namespace ag
