// What a file's first bytes say it is, so that an upload's type is checked rather than taken
// from its name: a text or code file must not be a PDF, an image, an executable or an archive
// renamed (the PDF and DOCX readers check their own formats' structure).
#pragma once

#include <string_view>

namespace ag {

enum class SniffedType { kPdf, kZip, kImage, kExecutable, kArchive, kOffice97, kOther };

SniffedType SniffContent(std::string_view bytes);
// "a PDF", "an image", ...: for error messages.
std::string_view Describe(SniffedType type);

}  // namespace ag
