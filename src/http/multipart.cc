#include "http/multipart.h"

#include <algorithm>
#include <cctype>

#include "http/message.h"

namespace ag {
namespace {

std::string Lower(std::string_view s) {
  std::string out(s);
  std::transform(out.begin(), out.end(), out.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return out;
}

std::string_view Trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
  return s;
}

// Reads `; key=value` parameters (values optionally quoted, with backslash escapes).
std::vector<std::pair<std::string, std::string>> HeaderParams(std::string_view v) {
  std::vector<std::pair<std::string, std::string>> out;
  std::size_t i = v.find(';');
  while (i != std::string_view::npos && i < v.size()) {
    ++i;
    while (i < v.size() && (v[i] == ' ' || v[i] == '\t')) ++i;
    const std::size_t eq = v.find('=', i);
    if (eq == std::string_view::npos) break;
    std::string key = Lower(Trim(v.substr(i, eq - i)));
    std::size_t j = eq + 1;
    std::string value;
    if (j < v.size() && v[j] == '"') {
      ++j;
      while (j < v.size() && v[j] != '"') {
        if (v[j] == '\\' && j + 1 < v.size()) ++j;
        value.push_back(v[j++]);
      }
      if (j < v.size()) ++j;  // closing quote
      i = v.find(';', j);
    } else {
      const std::size_t end = v.find(';', j);
      value = std::string(Trim(v.substr(j, end == std::string_view::npos ? v.npos : end - j)));
      i = end;
    }
    out.emplace_back(std::move(key), std::move(value));
  }
  return out;
}

}  // namespace

Result<std::string> MultipartBoundary(std::string_view content_type) {
  const std::string lower = Lower(content_type.substr(0, content_type.find(';')));
  if (Trim(lower) != "multipart/form-data") {
    return InvalidArgumentError("expected a multipart/form-data upload with a 'file' field");
  }
  for (auto& [k, v] : HeaderParams(content_type)) {
    if (k == "boundary") {
      if (v.empty() || v.size() > 200) break;
      return v;
    }
  }
  return InvalidArgumentError("multipart/form-data without a valid boundary");
}

Result<std::vector<MultipartPart>> ParseMultipart(std::string_view body,
                                                  std::string_view boundary) {
  const std::string delimiter = "--" + std::string(boundary);
  const std::string separator = "\r\n" + delimiter;
  std::vector<MultipartPart> parts;
  // The body starts with the first delimiter (a preamble before it is allowed and ignored).
  std::size_t pos;
  if (body.substr(0, delimiter.size()) == delimiter) {
    pos = delimiter.size();
  } else {
    pos = body.find(separator);
    if (pos == std::string_view::npos) return InvalidArgumentError("malformed multipart body");
    pos += separator.size();
  }
  for (;;) {
    if (body.substr(pos, 2) == "--") return parts;  // the closing delimiter
    // Transport padding, then CRLF.
    while (pos < body.size() && (body[pos] == ' ' || body[pos] == '\t')) ++pos;
    if (body.substr(pos, 2) != "\r\n") return InvalidArgumentError("malformed multipart body");
    pos += 2;
    const std::size_t headers_end = body.find("\r\n\r\n", pos);
    if (headers_end == std::string_view::npos) {
      return InvalidArgumentError("malformed multipart part headers");
    }
    MultipartPart part;
    bool has_disposition = false;
    std::string_view headers = body.substr(pos, headers_end - pos);
    while (!headers.empty()) {
      const std::size_t eol = headers.find("\r\n");
      std::string_view line = headers.substr(0, eol);
      headers = eol == std::string_view::npos ? std::string_view() : headers.substr(eol + 2);
      const std::size_t colon = line.find(':');
      if (colon == std::string_view::npos) continue;
      const std::string name = Lower(Trim(line.substr(0, colon)));
      const std::string_view value = Trim(line.substr(colon + 1));
      if (name == "content-disposition") {
        has_disposition = true;
        std::optional<std::string> ext_filename;
        for (auto& [k, v] : HeaderParams(value)) {
          if (k == "name") part.name = v;
          if (k == "filename") part.filename = v;
          if (k == "filename*") {
            // RFC 5987: charset'language'percent-encoded
            const auto q = v.find('\'');
            const auto q2 = q == std::string::npos ? q : v.find('\'', q + 1);
            if (q2 != std::string::npos) ext_filename = PercentDecode(v.substr(q2 + 1), false);
          }
        }
        if (ext_filename) part.filename = ext_filename;
      } else if (name == "content-type") {
        part.content_type = std::string(value);
      }
    }
    if (!has_disposition) return InvalidArgumentError("multipart part without Content-Disposition");
    const std::size_t data_start = headers_end + 4;
    const std::size_t data_end = body.find(separator, data_start);
    if (data_end == std::string_view::npos) {
      return InvalidArgumentError("multipart body is truncated (no closing boundary)");
    }
    part.data = body.substr(data_start, data_end - data_start);
    parts.push_back(std::move(part));
    pos = data_end + separator.size();
    if (parts.size() > 100) return InvalidArgumentError("too many multipart parts");
  }
}

std::string SanitizeFilename(std::string_view raw) {
  const auto slash = raw.find_last_of("/\\");
  if (slash != std::string_view::npos) raw.remove_prefix(slash + 1);
  std::string out;
  for (unsigned char c : raw) {
    if (c >= 0x20 && c != 0x7f) out.push_back(static_cast<char>(c));
  }
  while (!out.empty() && out.front() == ' ') out.erase(0, 1);
  while (!out.empty() && out.back() == ' ') out.pop_back();
  if (out.size() > 255) {
    std::size_t cut = 255;
    while (cut > 0 && (static_cast<unsigned char>(out[cut]) & 0xC0) == 0x80) --cut;
    out.resize(cut);
  }
  return out.empty() ? "upload" : out;
}

}  // namespace ag
