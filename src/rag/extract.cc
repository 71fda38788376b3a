#include "rag/extract.h"

#include <algorithm>
#include <cctype>

#include "core/text.h"
#include "rag/content_sniff.h"
#include "rag/extract_formats.h"

namespace ag {
namespace {

std::string LowerExtension(std::string_view filename) {
  const auto slash = filename.find_last_of("/\\");
  if (slash != std::string_view::npos) filename.remove_prefix(slash + 1);
  const auto dot = filename.rfind('.');
  if (dot == std::string_view::npos || dot == 0) return "";
  std::string ext(filename.substr(dot));
  std::transform(ext.begin(), ext.end(), ext.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return ext;
}

constexpr std::string_view kCodeExtensions[] = {
    ".py",   ".c",   ".h",    ".cc",  ".cpp",  ".hpp", ".cxx", ".java",  ".js",
    ".ts",   ".go",  ".rs",   ".rb",  ".php",  ".cs",  ".kt",  ".swift", ".scala",
    ".sh",   ".sql", ".r",    ".m",   ".jl",   ".hs",  ".lua", ".pl",    ".json",
    ".yaml", ".yml", ".toml", ".xml", ".html", ".css", ".csv", ".tex",   ".ipynb"};

constexpr std::string_view kDocxMediaType =
    "application/vnd.openxmlformats-officedocument.wordprocessingml.document";

bool StartsWith(std::string_view s, std::string_view prefix) {
  return s.substr(0, prefix.size()) == prefix;
}

// Plain text, Markdown or code: UTF-8 without NUL bytes, CR LF and CR become LF.
Result<std::string> DecodeText(std::string_view filename, std::string_view bytes) {
  if (StartsWith(bytes, "\xEF\xBB\xBF")) bytes.remove_prefix(3);
  if (bytes.find('\0') != std::string_view::npos || !IsValidUtf8(bytes)) {
    return InvalidArgumentError("file " + std::string(filename) + " is not UTF-8 text");
  }
  std::string text;
  text.reserve(bytes.size());
  for (std::size_t i = 0; i < bytes.size(); ++i) {
    if (bytes[i] == '\r') {
      text.push_back('\n');
      if (i + 1 < bytes.size() && bytes[i + 1] == '\n') ++i;
    } else {
      text.push_back(bytes[i]);
    }
  }
  return text;
}

}  // namespace

namespace extract_internal {

void AppendTextLine(std::string& out, std::string_view line) {
  std::size_t hashes = 0;
  while (hashes < line.size() && line[hashes] == '#') ++hashes;
  const bool heading = hashes >= 1 && hashes <= 6 && hashes < line.size() && line[hashes] == ' ';
  const auto first = line.find_first_not_of(" \t");
  const bool fence = first != std::string_view::npos &&
                     (line.substr(first, 3) == "```" || line.substr(first, 3) == "~~~");
  if (heading || fence) {
    out.append(line.substr(0, first)).push_back('\\');
    out.append(line.substr(first));
  } else {
    out.append(line);
  }
  out.push_back('\n');
}

}  // namespace extract_internal

Result<ExtractedText> ExtractText(std::string_view filename, std::string_view bytes) {
  std::string ext = LowerExtension(filename);
  // The bytes decide, not the name: a PDF or a Word file named as text is read as what it is,
  // and an image, executable or archive named as text is refused.
  const bool text_name = ext.empty() || ext == ".txt" || ext == ".text" || ext == ".md" ||
                         ext == ".markdown" ||
                         std::find(std::begin(kCodeExtensions), std::end(kCodeExtensions), ext) !=
                             std::end(kCodeExtensions);
  if (text_name && !bytes.empty()) {
    switch (const SniffedType sniffed = SniffContent(bytes)) {
      case SniffedType::kPdf:
        ext = ".pdf";
        break;
      case SniffedType::kZip:
        ext = ".docx";
        break;
      case SniffedType::kOther:
        break;
      default:
        return UnsupportedMediaTypeError("file " + std::string(filename) + " is " +
                                         std::string(Describe(sniffed)) + ", not text");
    }
  }
  ExtractedText out;
  if (ext == ".pdf") {
    out.format = TextFormat::kMarkdown;
    out.media_type = "application/pdf";
  } else if (ext == ".docx") {
    out.format = TextFormat::kMarkdown;
    out.media_type = kDocxMediaType;
  } else if (ext == ".txt" || ext == ".text" || ext.empty()) {
    out.format = TextFormat::kPlain;
    out.media_type = "text/plain";
  } else if (ext == ".md" || ext == ".markdown") {
    out.format = TextFormat::kMarkdown;
    out.media_type = "text/markdown";
  } else if (std::find(std::begin(kCodeExtensions), std::end(kCodeExtensions), ext) !=
             std::end(kCodeExtensions)) {
    out.format = TextFormat::kCode;
    out.media_type = "text/plain";
  } else {
    return UnsupportedMediaTypeError("Unsupported file type: " + ext +
                                     " (supported: .pdf, .docx, .txt, .md and source code files)");
  }
  if (bytes.empty()) return InvalidArgumentError("file " + std::string(filename) + " is empty");
  if (ext == ".pdf") {
    ASSIGN_OR_RETURN(out.text, extract_internal::PdfToMarkdown(filename, bytes));
  } else if (ext == ".docx") {
    ASSIGN_OR_RETURN(out.text, extract_internal::DocxToMarkdown(filename, bytes));
  } else {
    ASSIGN_OR_RETURN(out.text, DecodeText(filename, bytes));
  }
  if (out.text.find_first_not_of(" \t\n") == std::string::npos) {
    return InvalidArgumentError("file " + std::string(filename) + " is empty");
  }
  return out;
}

}  // namespace ag
