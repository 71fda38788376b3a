// PDF and DOCX extraction, on documents built in memory (support/document_fixtures.h), and the
// line between a type we do not read (415) and a file that is not what it claims to be (400).
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "rag/chunker.h"
#include "rag/extract.h"
#include "support/document_fixtures.h"

namespace ag {
namespace {

using testing::Docx;
using testing::MinimalPdf;
using testing::ZipArchive;

std::string Para(const std::string& text, const std::string& props = "") {
  return "<w:p>" + (props.empty() ? "" : "<w:pPr>" + props + "</w:pPr>") + "<w:r><w:t>" + text +
         "</w:t></w:r></w:p>";
}
std::string Styled(const std::string& style, const std::string& text) {
  return Para(text, "<w:pStyle w:val=\"" + style + "\"/>");
}
std::string Item(int level, const std::string& text) {
  return Para(text, "<w:numPr><w:ilvl w:val=\"" + std::to_string(level) +
                        "\"/><w:numId w:val=\"1\"/></w:numPr>");
}
std::string Row(const std::vector<std::string>& cells) {
  std::string row = "<w:tr>";
  for (const std::string& c : cells) row += "<w:tc>" + Para(c) + "</w:tc>";
  return row + "</w:tr>";
}

// A 400 about the file (no field, no 415 reason) whose message contains `says`.
void ExpectBadFile(const Result<ExtractedText>& r, const std::string& says) {
  ASSERT_FALSE(r.ok()) << "expected an error saying '" << says << "', got:\n" << r->text;
  EXPECT_EQ(r.status().code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(r.status().reason(), ErrorReason::kNone) << r.status().message();
  EXPECT_TRUE(r.status().field().empty());
  EXPECT_NE(r.status().message().find(says), std::string::npos) << r.status().message();
}

TEST(ExtractDocxTest, HeadingsListsTablesAndBreaksBecomeMarkdown) {
  const std::string body =
      Styled("Title", "Photosynthesis") + Styled("Heading1", "Light reactions") +
      "<w:p><w:r><w:t>Chlorophyll absorbs light.</w:t></w:r>"
      "<w:r><w:t xml:space=\"preserve\"> </w:t></w:r><w:r><w:t>Water is split</w:t></w:r>"
      "<w:r><w:tab/><w:t>(photolysis)</w:t><w:br/><w:t>Oxygen is released.</w:t></w:r></w:p>" +
      Item(0, "ATP") + Item(1, "NADPH") + "<w:tbl><w:tblPr/>" + Row({"Stage", "Place"}) +
      Row({"Calvin cycle", "Stroma – not the thylakoïd"}) + "</w:tbl>" +
      Styled("Heading2", "Dark reactions") +
      "<w:p><w:r><w:t># not a heading</w:t></w:r>"
      "<w:del><w:r><w:delText> deleted</w:delText></w:r></w:del>"
      "<w:ins><w:r><w:t>, inserted</w:t></w:r></w:ins>"
      "<w:hyperlink><w:r><w:t> and linked</w:t></w:r></w:hyperlink></w:p>"
      "<w:sectPr/>";
  auto r = ExtractText("biology.docx", Docx(body));
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_EQ(r->format, TextFormat::kMarkdown);
  EXPECT_EQ(r->media_type,
            "application/vnd.openxmlformats-officedocument.wordprocessingml.document");
  EXPECT_EQ(r->text,
            "# Photosynthesis\n"
            "\n"
            "# Light reactions\n"
            "\n"
            "Chlorophyll absorbs light. Water is split\t(photolysis)\n"
            "Oxygen is released.\n"
            "\n"
            "- ATP\n"
            "  - NADPH\n"
            "\n"
            "Stage | Place\n"
            "Calvin cycle | Stroma – not the thylakoïd\n"
            "\n"
            "## Dark reactions\n"
            "\n"
            "\\# not a heading, inserted and linked\n");

  // The chunker cuts at the DOCX headings and names the chunks after them.
  const std::vector<TextChunk> chunks = ChunkText(r->text, r->format);
  ASSERT_EQ(chunks.size(), 2u);
  EXPECT_EQ(chunks[0].heading, "Light reactions");
  EXPECT_NE(chunks[0].text.find("Calvin cycle | Stroma"), std::string::npos);
  EXPECT_NE(chunks[0].text.find("- ATP"), std::string::npos);
  EXPECT_EQ(chunks[1].heading, "Dark reactions");
}

TEST(ExtractDocxTest, HeadingStylesComeFromStylesXmlWhateverTheirIds) {
  // Word in German names "Heading 1" berschrift1; a custom style inherits its base's level;
  // a list style carries its numbering; a paragraph's own outline level wins.
  const std::string styles =
      "<w:style w:type=\"paragraph\" w:styleId=\"berschrift1\"><w:name w:val=\"heading 1\"/>"
      "</w:style>"
      "<w:style w:type=\"paragraph\" w:styleId=\"Kapitel\"><w:name w:val=\"Kapitel\"/>"
      "<w:basedOn w:val=\"berschrift1\"/></w:style>"
      "<w:style w:type=\"paragraph\" w:styleId=\"Gliederung\"><w:name w:val=\"Gliederung\"/>"
      "<w:pPr><w:outlineLvl w:val=\"2\"/></w:pPr></w:style>"
      "<w:style w:type=\"paragraph\" w:styleId=\"Aufzhlung\"><w:name w:val=\"List Bullet\"/>"
      "<w:pPr><w:numPr><w:numId w:val=\"3\"/></w:numPr></w:pPr></w:style>";
  const std::string body = Styled("berschrift1", "Einleitung") + Para("Text eins.") +
                           Styled("Kapitel", "Hauptteil") + Styled("Gliederung", "Abschnitt") +
                           Styled("Aufzhlung", "Punkt") +
                           Para("Zwischentitel", "<w:outlineLvl w:val=\"1\"/>") +
                           Para("Kein Punkt", "<w:numPr><w:numId w:val=\"0\"/></w:numPr>");
  auto r = ExtractText("aufsatz.docx", Docx(body, styles));
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_EQ(r->text,
            "# Einleitung\n\nText eins.\n\n# Hauptteil\n\n### Abschnitt\n\n- Punkt\n\n"
            "## Zwischentitel\n\nKein Punkt\n");
}

TEST(ExtractDocxTest, ResolvesTheNamespacePrefixAndSkipsFallbackCopies) {
  const std::string document =
      "<?xml version=\"1.0\" encoding=\"UTF-8\"?>"
      "<x:document xmlns:x=\"http://schemas.openxmlformats.org/wordprocessingml/2006/main\" "
      "xmlns:mc=\"http://schemas.openxmlformats.org/markup-compatibility/2006\"><x:body>"
      "<x:p><x:pPr><x:pStyle x:val=\"Heading3\"/></x:pPr><x:r><x:t>Prefixed</x:t></x:r></x:p>"
      "<x:p><x:r><x:t>Anchor.</x:t></x:r><x:r><mc:AlternateContent>"
      "<mc:Choice><x:drawing><x:txbxContent><x:p><x:r><x:t>In the box.</x:t></x:r></x:p>"
      "</x:txbxContent></x:drawing></mc:Choice>"
      "<mc:Fallback><x:pict><x:txbxContent><x:p><x:r><x:t>In the box.</x:t></x:r></x:p>"
      "</x:txbxContent></x:pict></mc:Fallback></mc:AlternateContent></x:r></x:p>"
      "<x:sdt><x:sdtContent><x:p><x:r><x:t>In a content control.</x:t></x:r></x:p>"
      "</x:sdtContent></x:sdt></x:body></x:document>";
  auto r = ExtractText("prefixed.docx", ZipArchive({{"word/document.xml", document}}));
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_EQ(r->text, "### Prefixed\n\nAnchor.\nIn the box.\n\nIn a content control.\n");
}

TEST(ExtractDocxTest, RefusesWhatIsNoReadableDocx) {
  const std::string good = Docx(Para("Some text."));
  ASSERT_TRUE(ExtractText("ok.docx", good).ok());
  ExpectBadFile(ExtractText("cut.docx", good.substr(0, good.size() / 2)), "truncated");
  ExpectBadFile(ExtractText("cut.docx", good.substr(0, good.size() - 10)), "cut.docx");
  ExpectBadFile(ExtractText("other.docx", ZipArchive({{"hello.txt", "hi"}})),
                "no word/document.xml");
  ExpectBadFile(ExtractText("essay.docx", "just some text"), "not a ZIP archive");
  ExpectBadFile(ExtractText("essay.docx", MinimalPdf({{"a PDF"}})), "not a ZIP archive");
  ExpectBadFile(ExtractText("old.docx", std::string("\xD0\xCF\x11\xE0\xA1\xB1\x1A\xE1", 8) +
                                            std::string(504, '\0')),
                "old-format");
  ExpectBadFile(ExtractText("bad.docx", ZipArchive({{"word/document.xml", "<w:document><w:b"}})),
                "not valid XML");
  ExpectBadFile(ExtractText("nobody.docx", ZipArchive({{"word/document.xml", "<a/>"}})),
                "no w:body");
  ExpectBadFile(ExtractText("empty.docx", Docx("<w:p/><w:p><w:r><w:t> </w:t></w:r></w:p>")),
                "no text");
  ExpectBadFile(ExtractText("latin1.docx", Docx(Para("caf\xE9"))), "not UTF-8");
  std::string nested;
  for (int i = 0; i < 200; ++i) nested += "<w:sdt><w:sdtContent>";
  nested += Para("deep");
  for (int i = 0; i < 200; ++i) nested += "</w:sdtContent></w:sdt>";
  ExpectBadFile(ExtractText("deep.docx", Docx(nested)), "nested too deeply");
}

TEST(ExtractDocxTest, RefusesZipBombs) {
  // 51 MiB of XML deflate to a few dozen KiB; the reader stops at 50 MiB.
  std::string xml = "<w:document><w:body>" + Para("x") + "<w:p><w:r><w:t>";
  xml.append(std::size_t{51} << 20, 'a');
  xml += "</w:t></w:r></w:p></w:body></w:document>";
  const std::string bomb = ZipArchive({{"word/document.xml", xml}});
  xml.clear();
  xml.shrink_to_fit();
  EXPECT_LT(bomb.size(), std::size_t{1} << 20);
  ExpectBadFile(ExtractText("bomb.docx", bomb), "inflates to more than 50 MiB");

  std::vector<std::pair<std::string, std::string>> entries;
  for (int i = 0; i <= 10'000; ++i) entries.emplace_back(std::to_string(i) + ".xml", "");
  entries.emplace_back("word/document.xml", "<w:document><w:body/></w:document>");
  ExpectBadFile(ExtractText("many.docx", ZipArchive(entries)), "more than 10000 entries");
}

TEST(ExtractPdfTest, PagesBecomeSectionsInReadingOrder) {
  const std::string pdf = MinimalPdf({{"Climate Change: Key Points", "Café au lait, naïve (sic)."},
                                      {"# Not a heading", "Sea levels rise."}});
  auto r = ExtractText("notes.pdf", pdf);
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_EQ(r->format, TextFormat::kMarkdown);
  EXPECT_EQ(r->media_type, "application/pdf");
  EXPECT_EQ(r->text,
            "# Page 1\n\nClimate Change: Key Points\nCafé au lait, naïve (sic).\n\n"
            "# Page 2\n\n\\# Not a heading\nSea levels rise.\n");
  const std::vector<TextChunk> chunks = ChunkText(r->text, r->format);
  ASSERT_EQ(chunks.size(), 2u);
  EXPECT_EQ(chunks[0].heading, "Page 1");
  EXPECT_EQ(chunks[1].heading, "Page 2");
  EXPECT_NE(chunks[1].text.find("Sea levels rise."), std::string::npos);
}

TEST(ExtractPdfTest, RefusesWhatIsNoReadablePdf) {
  const std::string good = MinimalPdf({{"Hello"}});
  ASSERT_TRUE(ExtractText("ok.pdf", good).ok());
  ExpectBadFile(ExtractText("locked.pdf", MinimalPdf({{"Secret"}}, true)), "password-protected");
  ExpectBadFile(ExtractText("broken.pdf", "%PDF-1.4\n" + std::string(300, '\x01') + "\n%%EOF\n"),
                "not a readable PDF");
  ExpectBadFile(ExtractText("short.pdf", "%PDF-1.7"), "short.pdf");
  ExpectBadFile(ExtractText("scan.pdf", MinimalPdf({{}})), "no text");
  ExpectBadFile(ExtractText("essay.pdf", Docx(Para("Hello"))), "not a PDF");
  ExpectBadFile(ExtractText("essay.pdf", "Hello, I am text."), "does not start with %PDF-");
}

TEST(ExtractPdfTest, PopplerWritesNothingToStderr) {
  // The service logs JSON lines on stderr; poppler's complaints about a damaged file must not
  // end up between them.
  ::testing::internal::CaptureStderr();
  const std::string pdf = MinimalPdf({{"Hello"}, {"World"}});
  std::string damaged = pdf;
  damaged.replace(pdf.find("xref"), 4, "xrex");
  damaged.replace(pdf.find("/Type /Pages"), 12, "/Type /Oops!");
  (void)ExtractText("damaged.pdf", damaged);
  (void)ExtractText("broken.pdf", "%PDF-1.4\n1 0 obj << /Type /Catalog /Pages 9 0 R >>\n");
  EXPECT_EQ(::testing::internal::GetCapturedStderr(), "");
}

TEST(ExtractTest, UnsupportedTypesAre415AndMislabelledFiles400) {
  for (const auto& [name, bytes] :
       std::vector<std::pair<std::string, std::string>>{{"setup.exe", "MZ\x90"},
                                                        {"photo.png", "\x89PNG\r\n\x1a\n"},
                                                        {"old.doc", "\xD0\xCF\x11\xE0"},
                                                        {"slides.pptx", "PK\x03\x04"},
                                                        {"empty.exe", ""}}) {
    auto r = ExtractText(name, bytes);
    ASSERT_FALSE(r.ok()) << name;
    EXPECT_EQ(r.status().code(), StatusCode::kInvalidArgument) << name;
    EXPECT_EQ(r.status().reason(), ErrorReason::kUnsupportedMediaType) << name;
    EXPECT_NE(r.status().message().find("Unsupported file type"), std::string::npos);
  }
  // A supported extension on the wrong bytes is a bad file, not an unsupported type...
  ExpectBadFile(ExtractText("answer.pdf", ""), "empty");
  ExpectBadFile(ExtractText("answer.txt", "%PDF-1.4 and nothing of a PDF"), "answer.txt");
  // ...and a PDF or Word file named as text is read as what its bytes say it is.
  auto pdf = ExtractText("answer.txt", MinimalPdf({{"From a PDF"}}));
  ASSERT_TRUE(pdf.ok()) << pdf.status().ToString();
  EXPECT_EQ(pdf->media_type, "application/pdf");
  EXPECT_NE(pdf->text.find("From a PDF"), std::string::npos);
  auto docx = ExtractText("answer.md", Docx(Para("From Word")));
  ASSERT_TRUE(docx.ok()) << docx.status().ToString();
  EXPECT_NE(docx->text.find("From Word"), std::string::npos);
}

TEST(ExtractTest, FilesWithoutExtensionAreSniffed) {
  auto pdf = ExtractText("scan", MinimalPdf({{"From a PDF"}}));
  ASSERT_TRUE(pdf.ok()) << pdf.status().ToString();
  EXPECT_EQ(pdf->media_type, "application/pdf");
  EXPECT_NE(pdf->text.find("From a PDF"), std::string::npos);
  auto docx = ExtractText("essay", Docx(Para("From a DOCX")));
  ASSERT_TRUE(docx.ok()) << docx.status().ToString();
  EXPECT_EQ(docx->text, "From a DOCX\n");
  auto text = ExtractText("README", "plain");
  ASSERT_TRUE(text.ok());
  EXPECT_EQ(text->media_type, "text/plain");
}

}  // namespace
}  // namespace ag
