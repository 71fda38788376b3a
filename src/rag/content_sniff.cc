#include "rag/content_sniff.h"

namespace ag {
namespace {

bool StartsWith(std::string_view s, std::string_view prefix) {
  return s.substr(0, prefix.size()) == prefix;
}

}  // namespace

SniffedType SniffContent(std::string_view b) {
  using namespace std::string_view_literals;
  // Signatures made of binary bytes only (or that begin a file as no text would): a text
  // answer that mentions "GIF89a" or starts with "MZ" is still text.
  if (StartsWith(b, "%PDF-")) return SniffedType::kPdf;
  if (StartsWith(b, "PK\x03\x04"sv) || StartsWith(b, "PK\x05\x06"sv)) return SniffedType::kZip;
  if (StartsWith(b, "\x89PNG\r\n\x1a\n"sv) || StartsWith(b, "\xFF\xD8\xFF"sv) ||
      (b.size() >= 12 && StartsWith(b, "RIFF"sv) && b.substr(8, 4) == "WEBP"sv)) {
    return SniffedType::kImage;
  }
  if (StartsWith(b,
                 "\x7F"
                 "ELF"sv) ||
      StartsWith(b, "\xCF\xFA\xED\xFE"sv) || StartsWith(b, "\xCE\xFA\xED\xFE"sv) ||
      StartsWith(b, "\xCA\xFE\xBA\xBE"sv)) {
    return SniffedType::kExecutable;
  }
  if (StartsWith(b, "\x1F\x8B"sv) || StartsWith(b, "7z\xBC\xAF\x27\x1C"sv) ||
      StartsWith(b, "Rar!\x1A\x07"sv) ||
      StartsWith(b,
                 "\xFD"
                 "7zXZ\x00"sv)) {
    return SniffedType::kArchive;
  }
  if (StartsWith(b, "\xD0\xCF\x11\xE0\xA1\xB1\x1A\xE1"sv)) return SniffedType::kOffice97;
  return SniffedType::kOther;
}

std::string_view Describe(SniffedType type) {
  switch (type) {
    case SniffedType::kPdf:
      return "a PDF";
    case SniffedType::kZip:
      return "a zip archive";
    case SniffedType::kImage:
      return "an image";
    case SniffedType::kExecutable:
      return "an executable";
    case SniffedType::kArchive:
      return "a compressed archive";
    case SniffedType::kOffice97:
      return "an old (97-2003) Office file";
    case SniffedType::kOther:
      return "something else";
  }
  return "something else";
}

}  // namespace ag
