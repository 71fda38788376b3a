#include "blob/sigv4.h"

#include <openssl/evp.h>

#include <algorithm>
#include <cctype>
#include <ctime>
#include <stdexcept>

#include "core/sha256.h"

namespace ag {
namespace {

std::string HmacSha256(std::string_view key, std::string_view data) {
  unsigned char out[EVP_MAX_MD_SIZE];
  std::size_t len = 0;
  if (EVP_Q_mac(nullptr, "HMAC", nullptr, "SHA256", nullptr, key.data(), key.size(),
                reinterpret_cast<const unsigned char*>(data.data()), data.size(), out, sizeof out,
                &len) == nullptr) {
    // Only a broken OpenSSL installation gets here (no SHA-256 provider).
    throw std::runtime_error("HMAC-SHA256 is not available from OpenSSL");
  }
  return std::string(reinterpret_cast<const char*>(out), len);
}

std::string Hex(std::string_view bytes) {
  static constexpr char kHex[] = "0123456789abcdef";
  std::string out;
  out.reserve(bytes.size() * 2);
  for (unsigned char c : bytes) {
    out.push_back(kHex[c >> 4]);
    out.push_back(kHex[c & 0xf]);
  }
  return out;
}

std::string Lower(std::string_view s) {
  std::string out(s);
  for (char& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return out;
}

// Header values are trimmed and inner runs of spaces folded to one.
std::string CanonicalValue(std::string_view v) {
  std::string out;
  bool space = false;
  for (char c : v) {
    if (c == ' ' || c == '\t') {
      space = !out.empty();
      continue;
    }
    if (space) out.push_back(' ');
    space = false;
    out.push_back(c);
  }
  return out;
}

std::vector<std::pair<std::string, std::string>> SortedHeaders(const SigV4Request& r) {
  std::vector<std::pair<std::string, std::string>> headers;
  headers.reserve(r.headers.size());
  for (const auto& [name, value] : r.headers)
    headers.emplace_back(Lower(name), CanonicalValue(value));
  std::stable_sort(headers.begin(), headers.end(),
                   [](const auto& a, const auto& b) { return a.first < b.first; });
  return headers;
}

std::string SignedHeaderNames(const std::vector<std::pair<std::string, std::string>>& sorted) {
  std::string names;
  for (std::size_t i = 0; i < sorted.size(); ++i) {
    if (i > 0 && sorted[i].first == sorted[i - 1].first) continue;  // one name per header
    if (!names.empty()) names.push_back(';');
    names += sorted[i].first;
  }
  return names;
}

std::string Scope(std::string_view amz_date, const SigV4Key& key) {
  std::string scope(amz_date.substr(0, 8));
  scope.append("/").append(key.region).append("/").append(key.service).append("/aws4_request");
  return scope;
}

}  // namespace

std::string UriEncode(std::string_view text, bool encode_slash) {
  static constexpr char kHex[] = "0123456789ABCDEF";
  std::string out;
  out.reserve(text.size());
  for (unsigned char c : text) {
    if (std::isalnum(c) || c == '-' || c == '_' || c == '.' || c == '~' ||
        (c == '/' && !encode_slash)) {
      out.push_back(static_cast<char>(c));
    } else {
      out.push_back('%');
      out.push_back(kHex[c >> 4]);
      out.push_back(kHex[c & 0xf]);
    }
  }
  return out;
}

std::string AmzDate(TimePoint t) {
  const std::time_t secs = std::chrono::system_clock::to_time_t(t);
  std::tm tm{};
  gmtime_r(&secs, &tm);
  char buf[20];
  std::strftime(buf, sizeof buf, "%Y%m%dT%H%M%SZ", &tm);
  return buf;
}

std::string CanonicalRequest(const SigV4Request& r) {
  std::vector<std::pair<std::string, std::string>> query;
  query.reserve(r.query.size());
  for (const auto& [k, v] : r.query) query.emplace_back(UriEncode(k, true), UriEncode(v, true));
  std::sort(query.begin(), query.end());
  std::string out = r.method;
  out.append("\n").append(r.path.empty() ? "/" : r.path).append("\n");
  for (std::size_t i = 0; i < query.size(); ++i) {
    if (i) out.push_back('&');
    out.append(query[i].first).append("=").append(query[i].second);
  }
  out.append("\n");
  const auto headers = SortedHeaders(r);
  // A header given twice is one line with its values joined by commas.
  for (std::size_t i = 0; i < headers.size(); ++i) {
    if (i > 0 && headers[i].first == headers[i - 1].first) {
      out.pop_back();
      out.append(",").append(headers[i].second).append("\n");
      continue;
    }
    out.append(headers[i].first).append(":").append(headers[i].second).append("\n");
  }
  out.append("\n").append(SignedHeaderNames(headers)).append("\n").append(r.payload_sha256);
  return out;
}

std::string StringToSign(const SigV4Request& request, std::string_view amz_date,
                         const SigV4Key& key) {
  std::string out = "AWS4-HMAC-SHA256\n";
  out.append(amz_date).append("\n").append(Scope(amz_date, key)).append("\n");
  out.append(Sha256Hex(CanonicalRequest(request)));
  return out;
}

std::string SigV4Authorization(const SigV4Request& request, std::string_view amz_date,
                               const SigV4Key& key) {
  std::string k = HmacSha256("AWS4" + key.secret_key, amz_date.substr(0, 8));
  k = HmacSha256(k, key.region);
  k = HmacSha256(k, key.service);
  k = HmacSha256(k, "aws4_request");
  const std::string signature = Hex(HmacSha256(k, StringToSign(request, amz_date, key)));
  std::string out = "AWS4-HMAC-SHA256 Credential=";
  out.append(key.access_key).append("/").append(Scope(amz_date, key));
  out.append(",SignedHeaders=").append(SignedHeaderNames(SortedHeaders(request)));
  out.append(",Signature=").append(signature);
  return out;
}

}  // namespace ag
