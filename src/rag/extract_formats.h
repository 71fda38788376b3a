// Internal to ag_rag (extract.cc, extract_pdf.cc, extract_docx.cc): the extractors behind
// ExtractText for the formats that need a library. Each returns Markdown text (UTF-8, LF line
// ends, at most kMaxExtractedBytes) or InvalidArgument naming `filename` and what is wrong with
// the file. No exception leaves them.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>

#include "core/status.h"

namespace ag::extract_internal {

// Upper bound on what one document may expand to: the extracted text, and the XML a DOCX
// inflates to (its ZIP bomb guard).
inline constexpr std::size_t kMaxExtractedBytes = std::size_t{50} << 20;

// Pages of text in reading order, each under a `# Page N` heading.
Result<std::string> PdfToMarkdown(std::string_view filename, std::string_view bytes);

// word/document.xml's body: headings, list items, paragraphs and table rows.
Result<std::string> DocxToMarkdown(std::string_view filename, std::string_view bytes);

// Appends `line` and a '\n' to `out`, with a backslash before a line that the chunker would read
// as a Markdown heading ("# x") or a code fence ("```"), so that a document's own text never
// changes the structure. `line` must not contain '\n'.
void AppendTextLine(std::string& out, std::string_view line);

}  // namespace ag::extract_internal
