// Text out of an uploaded file. Plain text, Markdown and source code here; PDF and DOCX are
// not built yet (README, "Not yet").
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

// InvalidArgument (no field: the file itself is wrong) for an empty file, a type that is not
// supported, or bytes that are not UTF-8 text.
Result<ExtractedText> ExtractText(std::string_view filename, std::string_view bytes);

}  // namespace ag
