// Documents built in memory for the extraction tests: ZIP archives and DOCX files (libzip) and
// minimal PDF files (written by hand), so that no binary fixture lives in the repository.
#pragma once

#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace ag::testing {

// A ZIP archive (deflated) holding `entries` (name, content) in order.
std::string ZipArchive(const std::vector<std::pair<std::string, std::string>>& entries);

// A DOCX whose word/document.xml is <w:document><w:body>`body_xml`</w:body></w:document> (the
// "w" prefix bound to WordprocessingML), with word/styles.xml when `styles_xml` is not empty
// (the contents of <w:styles>).
std::string Docx(std::string_view body_xml, std::string_view styles_xml = "");

// A PDF 1.4 file with one page per element of `pages`, each line of a page drawn in Helvetica
// (WinAnsi encoding: UTF-8 characters up to U+00FF are drawn, others become '?'). With
// `password_protected`, the trailer names a Standard security handler whose user password is
// not empty, so that a reader cannot open the file without one.
std::string MinimalPdf(const std::vector<std::vector<std::string>>& pages,
                       bool password_protected = false);

}  // namespace ag::testing
