#include "support/document_fixtures.h"

#include <zip.h>

#include <cstdio>
#include <stdexcept>

namespace ag::testing {

std::string ZipArchive(const std::vector<std::pair<std::string, std::string>>& entries) {
  zip_error_t error;
  zip_error_init(&error);
  zip_source_t* buffer = zip_source_buffer_create(nullptr, 0, 0, &error);
  if (buffer == nullptr) throw std::runtime_error("zip_source_buffer_create failed");
  zip_t* zip = zip_open_from_source(buffer, ZIP_TRUNCATE, &error);
  if (zip == nullptr) {
    zip_source_free(buffer);
    throw std::runtime_error(std::string("zip_open_from_source: ") + zip_error_strerror(&error));
  }
  zip_error_fini(&error);
  zip_source_keep(buffer);  // read back after zip_close
  for (const auto& [name, content] : entries) {
    zip_source_t* data = zip_source_buffer(zip, content.data(), content.size(), 0);
    if (data == nullptr || zip_file_add(zip, name.c_str(), data, ZIP_FL_ENC_UTF_8) < 0) {
      if (data != nullptr) zip_source_free(data);
      zip_discard(zip);
      zip_source_free(buffer);
      throw std::runtime_error("zip_file_add failed for " + name);
    }
  }
  if (zip_close(zip) != 0) {
    zip_discard(zip);
    zip_source_free(buffer);
    throw std::runtime_error("zip_close failed");
  }
  std::string out;
  zip_stat_t st;
  if (zip_source_stat(buffer, &st) != 0 || zip_source_open(buffer) != 0) {
    zip_source_free(buffer);
    throw std::runtime_error("cannot read the archive back");
  }
  out.resize(st.size);
  const zip_int64_t n = zip_source_read(buffer, out.data(), out.size());
  zip_source_close(buffer);
  zip_source_free(buffer);
  if (n < 0 || static_cast<zip_uint64_t>(n) != st.size) throw std::runtime_error("short read");
  return out;
}

std::string Docx(std::string_view body_xml, std::string_view styles_xml) {
  constexpr std::string_view kW = "http://schemas.openxmlformats.org/wordprocessingml/2006/main";
  std::vector<std::pair<std::string, std::string>> entries = {
      {"[Content_Types].xml",
       R"(<?xml version="1.0" encoding="UTF-8" standalone="yes"?>)"
       R"(<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">)"
       R"(<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>)"
       R"(<Default Extension="xml" ContentType="application/xml"/>)"
       R"(<Override PartName="/word/document.xml" ContentType="application/vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml"/>)"
       R"(</Types>)"},
      {"_rels/.rels",
       R"(<?xml version="1.0" encoding="UTF-8" standalone="yes"?>)"
       R"(<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">)"
       R"(<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument" Target="word/document.xml"/>)"
       R"(</Relationships>)"},
      {"word/document.xml",
       std::string(R"(<?xml version="1.0" encoding="UTF-8" standalone="yes"?>)") +
           R"(<w:document xmlns:w=")" + std::string(kW) +
           R"(" xmlns:mc="http://schemas.openxmlformats.org/markup-compatibility/2006"><w:body>)" +
           std::string(body_xml) + "</w:body></w:document>"},
  };
  if (!styles_xml.empty()) {
    entries.emplace_back(
        "word/styles.xml",
        std::string(R"(<?xml version="1.0" encoding="UTF-8"?><w:styles xmlns:w=")") +
            std::string(kW) + R"(">)" + std::string(styles_xml) + "</w:styles>");
  }
  return ZipArchive(entries);
}

namespace {

// A PDF literal string's body: UTF-8 to WinAnsi (Latin-1 for U+00A0..U+00FF), ( ) \ escaped.
std::string PdfString(std::string_view utf8) {
  std::string out;
  for (std::size_t i = 0; i < utf8.size(); ++i) {
    const auto c = static_cast<unsigned char>(utf8[i]);
    if (c == '(' || c == ')' || c == '\\') {
      out += '\\';
      out += static_cast<char>(c);
    } else if (c < 0x80) {
      out += static_cast<char>(c);
    } else if ((c == 0xC2 || c == 0xC3) && i + 1 < utf8.size()) {
      const auto next = static_cast<unsigned char>(utf8[++i]);
      char octal[8];
      std::snprintf(octal, sizeof octal, "\\%03o", ((c & 0x1F) << 6) | (next & 0x3F));
      out += octal;
    } else {
      out += '?';
      while (i + 1 < utf8.size() && (static_cast<unsigned char>(utf8[i + 1]) & 0xC0) == 0x80) ++i;
    }
  }
  return out;
}

}  // namespace

std::string MinimalPdf(const std::vector<std::vector<std::string>>& pages,
                       bool password_protected) {
  // Objects: 1 catalog, 2 page tree, 3 font, then for page i: 4+2i page, 5+2i content stream.
  const int count = 3 + 2 * static_cast<int>(pages.size());
  std::vector<std::string> objects(count + 1);
  objects[1] = "<< /Type /Catalog /Pages 2 0 R >>";
  std::string kids;
  for (std::size_t i = 0; i < pages.size(); ++i) kids += std::to_string(4 + 2 * i) + " 0 R ";
  objects[2] =
      "<< /Type /Pages /Kids [" + kids + "] /Count " + std::to_string(pages.size()) + " >>";
  objects[3] = "<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica /Encoding /WinAnsiEncoding >>";
  for (std::size_t i = 0; i < pages.size(); ++i) {
    const int page = 4 + 2 * static_cast<int>(i);
    objects[page] =
        "<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Resources << /Font "
        "<< /F1 3 0 R >> >> /Contents " +
        std::to_string(page + 1) + " 0 R >>";
    std::string content = "BT /F1 12 Tf 16 TL 72 720 Td\n";
    for (const std::string& line : pages[i])
      content.append("(").append(PdfString(line)).append(") Tj T*\n");
    content += "ET\n";
    objects[page + 1] =
        "<< /Length " + std::to_string(content.size()) + " >>\nstream\n" + content + "endstream";
  }
  std::string pdf = "%PDF-1.4\n%\xE2\xE3\xCF\xD3\n";
  std::vector<std::size_t> offsets(count + 1);
  for (int n = 1; n <= count; ++n) {
    offsets[n] = pdf.size();
    pdf += std::to_string(n) + " 0 obj\n" + objects[n] + "\nendobj\n";
  }
  const std::size_t xref = pdf.size();
  pdf += "xref\n0 " + std::to_string(count + 1) + "\n0000000000 65535 f \n";
  for (int n = 1; n <= count; ++n) {
    char entry[24];
    std::snprintf(entry, sizeof entry, "%010zu 00000 n \n", offsets[n]);
    pdf += entry;
  }
  pdf += "trailer\n<< /Size " + std::to_string(count + 1) + " /Root 1 0 R";
  if (password_protected) {
    const std::string id = "<00112233445566778899AABBCCDDEEFF>";
    pdf +=
        " /Encrypt << /Filter /Standard /V 1 /R 2 /Length 40 /P -44"
        " /O <" +
        std::string(64, 'A') + "> /U <" + std::string(64, '5') +
        "> >>"
        " /ID [" +
        id + " " + id + "]";
  }
  pdf += " >>\nstartxref\n" + std::to_string(xref) + "\n%%EOF\n";
  return pdf;
}

}  // namespace ag::testing
