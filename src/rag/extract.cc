#include "rag/extract.h"

#include <algorithm>
#include <cctype>

#include "core/text.h"

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

}  // namespace

Result<ExtractedText> ExtractText(std::string_view filename, std::string_view bytes) {
  const std::string ext = LowerExtension(filename);
  ExtractedText out;
  if (ext == ".txt" || ext == ".text" || ext.empty()) {
    out.format = TextFormat::kPlain;
    out.media_type = "text/plain";
  } else if (ext == ".md" || ext == ".markdown") {
    out.format = TextFormat::kMarkdown;
    out.media_type = "text/markdown";
  } else if (std::find(std::begin(kCodeExtensions), std::end(kCodeExtensions), ext) !=
             std::end(kCodeExtensions)) {
    out.format = TextFormat::kCode;
    out.media_type = "text/plain";
  } else if (ext == ".pdf" || ext == ".docx") {
    return InvalidArgumentError("Unsupported file type: " + ext +
                                " (text extraction for PDF and DOCX is not built yet; upload "
                                ".txt or .md)");
  } else {
    return InvalidArgumentError("Unsupported file type: " + ext +
                                " (supported: .txt, .md and source code files)");
  }
  if (bytes.size() >= 3 && bytes.substr(0, 3) == "\xEF\xBB\xBF") bytes.remove_prefix(3);
  if (bytes.find('\0') != std::string_view::npos || !IsValidUtf8(bytes)) {
    return InvalidArgumentError("file " + std::string(filename) + " is not UTF-8 text");
  }
  out.text.reserve(bytes.size());
  for (std::size_t i = 0; i < bytes.size(); ++i) {
    if (bytes[i] == '\r') {
      out.text.push_back('\n');
      if (i + 1 < bytes.size() && bytes[i + 1] == '\n') ++i;
    } else {
      out.text.push_back(bytes[i]);
    }
  }
  if (out.text.find_first_not_of(" \t\n") == std::string::npos) {
    return InvalidArgumentError("file " + std::string(filename) + " is empty");
  }
  return out;
}

}  // namespace ag
