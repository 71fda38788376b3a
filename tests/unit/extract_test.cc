#include "rag/extract.h"

#include <gtest/gtest.h>

#include <tuple>

namespace ag {
namespace {

TEST(ExtractTest, PlainTextAndMarkdown) {
  auto t = ExtractText("answer.TXT", "line one\r\nline two\r");
  ASSERT_TRUE(t.ok());
  EXPECT_EQ(t->text, "line one\nline two\n");
  EXPECT_EQ(t->format, TextFormat::kPlain);
  auto m = ExtractText("notes.md", "\xEF\xBB\xBF# Title\nbody");
  ASSERT_TRUE(m.ok());
  EXPECT_EQ(m->text, "# Title\nbody");
  EXPECT_EQ(m->format, TextFormat::kMarkdown);
  auto c = ExtractText("solution.py", "def f():\n    return 1\n");
  ASSERT_TRUE(c.ok());
  EXPECT_EQ(c->format, TextFormat::kCode);
  EXPECT_TRUE(ExtractText("README", "no extension is text").ok());
}

TEST(ExtractTest, RejectsWhatItCannotRead) {
  for (const auto& [name, bytes] :
       std::vector<std::pair<std::string, std::string>>{{"paper.pdf", "%PDF-1.4"},
                                                        {"essay.docx", "PK\x03\x04"},
                                                        {"a.txt", "bad \xff\xfe utf8"},
                                                        {"a.txt", std::string("nul\0byte", 8)},
                                                        {"a.txt", "  \n\t "},
                                                        {"a.txt", ""}}) {
    auto r = ExtractText(name, bytes);
    ASSERT_FALSE(r.ok()) << name;
    EXPECT_EQ(r.status().code(), StatusCode::kInvalidArgument);
    EXPECT_TRUE(r.status().field().empty());             // a 400 about the file, not a 422
    EXPECT_EQ(r.status().reason(), ErrorReason::kNone);  // nor a 415: the type is supported
  }
  EXPECT_NE(ExtractText("x.pdf", "x").status().message().find(".pdf"), std::string::npos);
  auto png = ExtractText("image.png", "\x89PNG");
  EXPECT_EQ(png.status().code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(png.status().reason(), ErrorReason::kUnsupportedMediaType);  // 415
  EXPECT_NE(png.status().message().find(".png"), std::string::npos);
}

TEST(ExtractTest, ANameThatSaysTextCannotHideAnotherType) {
  using namespace std::string_literals;
  for (const auto& [name, bytes, kind] :
       std::vector<std::tuple<std::string, std::string, std::string>>{
           {"answer.md", "\x89PNG\r\n\x1a\n rest"s, "an image"},
           {"photo.txt", "\xFF\xD8\xFF\xE0 jpeg"s, "an image"},
           {"solution.py",
            "\x7F"
            "ELF\x02\x01"s,
            "an executable"},
           {"notes.txt", "\x1F\x8B\x08 gzip"s, "a compressed archive"},
           {"README", "\xD0\xCF\x11\xE0\xA1\xB1\x1A\xE1 doc"s, "an old (97-2003) Office file"},
       }) {
    auto r = ExtractText(name, bytes);
    ASSERT_FALSE(r.ok()) << name;
    EXPECT_EQ(r.status().reason(), ErrorReason::kUnsupportedMediaType) << name;  // 415
    EXPECT_NE(r.status().message().find(kind + ", not text"), std::string::npos)
        << r.status().message();
  }
  // Text that merely names a format, or starts with letters some formats start with, is text.
  for (const char* text : {"GIF89a is the animated GIF format.", "MZ marks DOS executables.",
                           "BZh starts bzip2 files.", "RIFF is a container.", "RIFFs"}) {
    EXPECT_TRUE(ExtractText("answer.txt", text).ok()) << text;
  }
}

}  // namespace
}  // namespace ag
