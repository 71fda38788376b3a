// PDF text through poppler's C++ API (poppler-cpp).
//
// Each page's text is taken in poppler's reading order (pdftotext's default mode): physical
// layout keeps the columns of a two-column paper side by side on one line, interleaving them,
// and raw order follows the content stream, which a producer may write in any order. Every page
// with text starts with a `# Page N` heading (N counts from 1, the physical page, not the
// printed label), so that no chunk spans two pages and a chunk's heading says where its text
// is. A page's first line is not promoted to a heading: running heads and titles repeat on
// every page and would name every chunk alike.
#include <poppler-document.h>
#include <poppler-global.h>
#include <poppler-page.h>

#include <climits>
#include <memory>
#include <mutex>
#include <new>

#include "core/text.h"
#include "rag/extract_formats.h"

namespace ag::extract_internal {
namespace {

// poppler reports damaged files on stderr by default, which would break the JSON log lines;
// the damage is reported to the uploader as a 400 instead.
void IgnorePopplerMessage(const std::string& /*message*/, void* /*closure*/) {}

void SilencePoppler() {
  static std::once_flag once;
  std::call_once(once, [] { poppler::set_debug_error_function(IgnorePopplerMessage, nullptr); });
}

// The length of the valid UTF-8 sequence at s[i], or 0 when none starts there.
std::size_t Utf8SequenceAt(std::string_view s, std::size_t i) {
  const auto lead = static_cast<unsigned char>(s[i]);
  const std::size_t n = lead < 0x80 ? 1 : lead >= 0xF0 ? 4 : lead >= 0xE0 ? 3 : 2;
  if (i + n > s.size() || !IsValidUtf8(s.substr(i, n))) return 0;
  return n;
}

// poppler's text as UTF-8 lines: LF line ends, no form feeds or other control characters, no
// trailing blanks, U+FFFD for anything that is not UTF-8; lines escaped by AppendTextLine; no
// blank lines at either end and never two in a row.
std::string NormalizePageText(std::string_view raw) {
  std::string clean;
  clean.reserve(raw.size());
  for (std::size_t i = 0; i < raw.size();) {
    const char c = raw[i];
    if (c == '\r') {
      clean.push_back('\n');
      i += (i + 1 < raw.size() && raw[i + 1] == '\n') ? 2 : 1;
    } else if (c == '\n' || c == '\t') {
      clean.push_back(c);
      ++i;
    } else if (static_cast<unsigned char>(c) < 0x20 || c == 0x7F) {
      ++i;  // form feed at the page end, NUL, ...
    } else if (const std::size_t n = Utf8SequenceAt(raw, i); n > 0) {
      clean.append(raw.substr(i, n));
      i += n;
    } else {
      clean.append("\xEF\xBF\xBD");
      ++i;
    }
  }
  std::string out;
  out.reserve(clean.size());
  std::string_view rest = clean;
  while (!rest.empty()) {
    const auto nl = rest.find('\n');
    std::string_view line = rest.substr(0, nl);
    rest.remove_prefix(nl == std::string_view::npos ? rest.size() : nl + 1);
    const auto end = line.find_last_not_of(" \t");
    if (end == std::string_view::npos) {
      if (!out.empty() && !out.ends_with("\n\n")) out.push_back('\n');
      continue;
    }
    AppendTextLine(out, line.substr(0, end + 1));
  }
  while (out.ends_with("\n\n")) out.pop_back();
  return out;
}

Result<std::string> Extract(std::string_view filename, std::string_view bytes) {
  const std::string name(filename);
  // Readers accept the header anywhere in the first 1024 bytes; anything else is no PDF.
  if (bytes.substr(0, 1024).find("%PDF-") == std::string_view::npos) {
    return InvalidArgumentError("file " + name + " is not a PDF (it does not start with %PDF-)");
  }
  if (bytes.size() > static_cast<std::size_t>(INT_MAX)) {
    return InvalidArgumentError("file " + name + " is too large to read as a PDF");
  }
  SilencePoppler();
  std::unique_ptr<poppler::document> doc(
      poppler::document::load_from_raw_data(bytes.data(), static_cast<int>(bytes.size())));
  if (doc == nullptr) {
    return InvalidArgumentError("file " + name + " is not a readable PDF (damaged or truncated)");
  }
  if (doc->is_locked()) {
    return InvalidArgumentError("file " + name +
                                " is a password-protected PDF; upload it without a password");
  }
  std::string out;
  const int pages = doc->pages();
  for (int i = 0; i < pages; ++i) {
    std::unique_ptr<poppler::page> page(doc->create_page(i));
    if (page == nullptr) continue;
    const poppler::byte_array utf8 =
        page->text(poppler::rectf(), poppler::page::non_raw_non_physical_layout).to_utf8();
    const std::string text = NormalizePageText(std::string_view(utf8.data(), utf8.size()));
    if (text.find_first_not_of(" \t\n") == std::string::npos) continue;
    if (!out.empty()) out.push_back('\n');
    out += "# Page " + std::to_string(i + 1) + "\n\n";
    out += text;
    if (out.size() > kMaxExtractedBytes) {
      return InvalidArgumentError("file " + name + " has more than " +
                                  std::to_string(kMaxExtractedBytes >> 20) +
                                  " MiB of text; split it into smaller files");
    }
  }
  if (out.empty()) {
    return InvalidArgumentError("file " + name +
                                " has no text to extract (a scanned PDF needs OCR, which is not "
                                "supported)");
  }
  return out;
}

}  // namespace

Result<std::string> PdfToMarkdown(std::string_view filename, std::string_view bytes) {
  try {
    return Extract(filename, bytes);
  } catch (const std::bad_alloc&) {
    return InvalidArgumentError("file " + std::string(filename) + " is too large to extract");
  } catch (const std::exception& e) {
    return InternalError("PDF extraction of " + std::string(filename) + " failed: " + e.what());
  }
}

}  // namespace ag::extract_internal
