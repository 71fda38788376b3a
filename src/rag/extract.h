// Text out of an uploaded file: plain text, Markdown, source code, PDF (poppler) and DOCX
// (libzip + pugixml). PDF and DOCX come out as Markdown, so that the chunker cuts them at their
// structure: a PDF page starts with a `# Page N` heading, a DOCX heading paragraph becomes a
// `#`..`######` heading, a list paragraph a `- ` item and a table row one `a | b | c` line.
// A line of a document's own text that would read as Markdown structure (`# x`, a code fence)
// is escaped with a backslash.
#pragma once

#include <string>
#include <string_view>

#include "core/status.h"

namespace ag {

enum class TextFormat { kPlain, kMarkdown, kCode };

struct ExtractedText {
  std::string text;  // UTF-8, LF line ends, no byte-order mark
  TextFormat format = TextFormat::kPlain;
  std::string media_type;
};

// The file name's extension says which type the file claims to be; the bytes must then be of
// that type (sniffed, never trusted). A name without an extension is sniffed: `%PDF-` is a PDF,
// a ZIP archive a DOCX, anything else plain text.
//
// Errors, all without a field (the file itself is wrong, not a form field):
//   UnsupportedMediaTypeError (InvalidArgument, 415 over HTTP) for a type we do not read
//     (.exe, .png, .doc, ...);
//   InvalidArgument (400) for a supported type whose bytes are not of it or do not parse: a
//     `.pdf` that is no PDF, or a damaged, password-protected or text-less one; a `.docx` that
//     is not a ZIP archive with word/document.xml, a damaged one or a ZIP bomb; text that is
//     not UTF-8; an empty file.
// The message names the file and says what is wrong with it. Thread-safe.
Result<ExtractedText> ExtractText(std::string_view filename, std::string_view bytes);

}  // namespace ag
