#include "grading/pii_redactor.h"

#include <algorithm>
#include <cctype>

namespace ag {
namespace {

bool IsAlnum(char c) { return std::isalnum(static_cast<unsigned char>(c)) != 0; }
bool IsDigit(char c) { return std::isdigit(static_cast<unsigned char>(c)) != 0; }
bool IsAlpha(char c) { return std::isalpha(static_cast<unsigned char>(c)) != 0; }
bool IsLocalPart(char c) {
  return IsAlnum(c) || c == '.' || c == '_' || c == '%' || c == '+' || c == '-';
}
bool IsDomainPart(char c) { return IsAlnum(c) || c == '.' || c == '-'; }

struct Span {
  std::size_t begin, end;
  const char* kind;
};

// E-mail addresses: local@domain.tld, found around each '@'.
void FindEmails(std::string_view t, std::vector<Span>& out) {
  for (std::size_t at = t.find('@'); at != std::string_view::npos; at = t.find('@', at + 1)) {
    std::size_t b = at;
    while (b > 0 && IsLocalPart(t[b - 1])) --b;
    while (b < at && (t[b] == '.' || t[b] == '-')) ++b;
    std::size_t e = at + 1;
    while (e < t.size() && IsDomainPart(t[e])) ++e;
    while (e > at + 1 && (t[e - 1] == '.' || t[e - 1] == '-')) --e;
    const std::string_view domain = t.substr(at + 1, e - at - 1);
    const auto dot = domain.rfind('.');
    if (b == at || dot == std::string_view::npos || dot == 0 || domain.size() - dot - 1 < 2 ||
        !std::all_of(domain.begin() + static_cast<std::ptrdiff_t>(dot) + 1, domain.end(),
                     IsAlpha)) {
      continue;
    }
    out.push_back({b, e, "EMAIL"});
  }
}

bool ContextNamesAnId(std::string_view before) {
  std::string lower(before);
  std::transform(lower.begin(), lower.end(), lower.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  if (lower.find("student") != std::string::npos || lower.find("matric") != std::string::npos) {
    return true;
  }
  // "id" as a word: "ID:", "id no", "(id 1234567)".
  for (std::size_t p = lower.find("id"); p != std::string::npos; p = lower.find("id", p + 1)) {
    const bool start = p == 0 || !IsAlnum(lower[p - 1]);
    const bool end = p + 2 >= lower.size() || !IsAlnum(lower[p + 2]);
    if (start && end) return true;
  }
  return false;
}

// Student numbers: letters+digits tokens, or digit runs an id keyword precedes.
void FindStudentNumbers(std::string_view t, std::vector<Span>& out) {
  std::size_t i = 0;
  while (i < t.size()) {
    if (!IsAlnum(t[i]) || (i > 0 && (IsAlnum(t[i - 1]) || t[i - 1] == '.' || t[i - 1] == ','))) {
      ++i;
      continue;
    }
    std::size_t j = i;
    while (j < t.size() && IsAlpha(t[j]) && j - i < 3) ++j;
    const std::size_t letters = j - i;
    std::size_t k = j;
    while (k < t.size() && IsDigit(t[k])) ++k;
    const std::size_t digits = k - j;
    const bool ends = k >= t.size() || (!IsAlnum(t[k]) && !((t[k] == '.' || t[k] == ',') &&
                                                            k + 1 < t.size() && IsDigit(t[k + 1])));
    if (ends && letters >= 1 && letters <= 2 && digits >= 6 && digits <= 10) {
      out.push_back({i, k, "STUDENT_ID"});
    } else if (ends && letters == 0 && digits >= 6 && digits <= 12) {
      const std::size_t from = i >= 40 ? i - 40 : 0;
      if (ContextNamesAnId(t.substr(from, i - from))) out.push_back({i, k, "STUDENT_ID"});
    }
    i = std::max(k, i + 1);
  }
}

void FindKnownId(std::string_view t, std::string_view id, std::vector<Span>& out) {
  if (id.size() < 3) return;
  if (!std::any_of(id.begin(), id.end(), [](char c) { return IsDigit(c) || c == '@'; })) return;
  for (std::size_t p = t.find(id); p != std::string_view::npos; p = t.find(id, p + id.size())) {
    out.push_back(
        {p, p + id.size(), id.find('@') == std::string_view::npos ? "STUDENT_ID" : "EMAIL"});
  }
}

void ReplaceAll(std::string& s, std::string_view from, std::string_view to) {
  for (std::size_t p = s.find(from); p != std::string::npos; p = s.find(from, p + to.size())) {
    s.replace(p, from.size(), to);
  }
}

}  // namespace

Redaction RedactPii(std::string_view text, std::string_view known_id) {
  std::vector<Span> spans;
  FindKnownId(text, known_id, spans);
  FindEmails(text, spans);
  FindStudentNumbers(text, spans);
  // Earliest first; of overlapping spans the first (then the longest) wins.
  std::sort(spans.begin(), spans.end(), [](const Span& a, const Span& b) {
    return a.begin != b.begin ? a.begin < b.begin : a.end > b.end;
  });
  Redaction out;
  int emails = 0, ids = 0;
  std::size_t pos = 0;
  for (const Span& s : spans) {
    if (s.begin < pos) continue;
    out.text.append(text.substr(pos, s.begin - pos));
    const std::string original(text.substr(s.begin, s.end - s.begin));
    auto known = std::find_if(out.replaced.begin(), out.replaced.end(),
                              [&](const auto& r) { return r.second == original; });
    if (known == out.replaced.end()) {
      const bool email = std::string_view(s.kind) == "EMAIL";
      std::string placeholder = "[";
      placeholder.append(s.kind).append("_").append(std::to_string(email ? ++emails : ++ids));
      placeholder.push_back(']');
      out.replaced.emplace_back(std::move(placeholder), original);
      known = out.replaced.end() - 1;
    }
    out.text.append(known->first);
    pos = s.end;
  }
  out.text.append(text.substr(pos));
  return out;
}

std::string RestorePii(std::string_view text, const Redaction& redaction) {
  std::string out(text);
  for (const auto& [placeholder, original] : redaction.replaced) {
    ReplaceAll(out, placeholder, original);
  }
  return out;
}

}  // namespace ag
