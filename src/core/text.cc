#include "core/text.h"

#include <algorithm>
#include <cctype>
#include <cstdint>
#include <iterator>

namespace ag {
namespace {

constexpr std::string_view kStopWords[] = {
    "a",       "about",  "above",   "after",  "again",  "against",  "all",     "am",    "an",
    "and",     "any",    "are",     "as",     "at",     "be",       "because", "been",  "before",
    "being",   "below",  "between", "both",   "but",    "by",       "can",     "could", "did",
    "do",      "does",   "doing",   "down",   "during", "each",     "few",     "for",   "from",
    "further", "had",    "has",     "have",   "having", "he",       "her",     "here",  "hers",
    "herself", "him",    "himself", "his",    "how",    "i",        "if",      "in",    "into",
    "is",      "it",     "its",     "itself", "just",   "me",       "more",    "most",  "my",
    "myself",  "no",     "nor",     "not",    "now",    "of",       "off",     "on",    "once",
    "only",    "or",     "other",   "our",    "ours",   "out",      "over",    "own",   "same",
    "she",     "should", "so",      "some",   "such",   "than",     "that",    "the",   "their",
    "theirs",  "them",   "then",    "there",  "these",  "they",     "this",    "those", "through",
    "to",      "too",    "under",   "until",  "up",     "very",     "was",     "we",    "were",
    "what",    "when",   "where",   "which",  "while",  "who",      "whom",    "why",   "will",
    "with",    "would",  "you",     "your",   "yours",  "yourself", "also",    "may",   "must",
    "shall"};

bool EndsWith(std::string_view s, std::string_view suffix) {
  return s.size() >= suffix.size() && s.substr(s.size() - suffix.size()) == suffix;
}

}  // namespace

std::string JoinWords(const std::vector<std::string>& words, std::size_t max) {
  std::string out;
  for (std::size_t i = 0; i < words.size() && i < max; ++i) {
    if (i) out += ", ";
    out += words[i];
  }
  return out;
}

bool IsStopWord(std::string_view word) {
  return std::find(std::begin(kStopWords), std::end(kStopWords), word) != std::end(kStopWords);
}

std::string LightStem(std::string_view w) {
  std::string s(w);
  if (s.size() <= 3) return s;
  if (EndsWith(s, "ies") && s.size() > 4) return s.substr(0, s.size() - 3) + "y";
  if (EndsWith(s, "sses")) return s.substr(0, s.size() - 2);
  if (EndsWith(s, "ing") && s.size() > 5) return s.substr(0, s.size() - 3);
  if (EndsWith(s, "ed") && s.size() > 4) return s.substr(0, s.size() - 2);
  if (EndsWith(s, "es") && s.size() > 4 &&
      (EndsWith(s, "ches") || EndsWith(s, "shes") || EndsWith(s, "xes"))) {
    return s.substr(0, s.size() - 2);
  }
  if (EndsWith(s, "s") && !EndsWith(s, "ss") && !EndsWith(s, "us") && !EndsWith(s, "is")) {
    return s.substr(0, s.size() - 1);
  }
  return s;
}

std::vector<std::string> ContentWords(std::string_view text) {
  std::vector<std::string> words;
  std::string cur;
  auto flush = [&] {
    if (!cur.empty() && !IsStopWord(cur)) words.push_back(LightStem(cur));
    cur.clear();
  };
  for (unsigned char c : text) {
    if (std::isalnum(c) || c >= 0x80) {
      cur.push_back(static_cast<char>(std::tolower(c)));
    } else {
      flush();
    }
  }
  flush();
  return words;
}

std::vector<std::string_view> Sentences(std::string_view text) {
  std::vector<std::string_view> out;
  std::size_t start = 0;
  auto emit = [&](std::size_t end) {
    std::string_view s = text.substr(start, end - start);
    const auto b = s.find_first_not_of(" \t\r\n");
    if (b != std::string_view::npos) {
      const auto e = s.find_last_not_of(" \t\r\n");
      out.push_back(s.substr(b, e - b + 1));
    }
  };
  for (std::size_t i = 0; i < text.size(); ++i) {
    const char c = text[i];
    if (c == '\n' ||
        ((c == '.' || c == '!' || c == '?') &&
         (i + 1 == text.size() || std::isspace(static_cast<unsigned char>(text[i + 1]))))) {
      emit(c == '\n' ? i : i + 1);
      start = i + 1;
    }
  }
  if (start < text.size()) emit(text.size());
  return out;
}

std::string_view Utf8Prefix(std::string_view text, std::size_t max_bytes) {
  if (text.size() <= max_bytes) return text;
  std::size_t cut = max_bytes;
  // Back up over continuation bytes to the start of the character that crosses the limit.
  while (cut > 0 && (static_cast<unsigned char>(text[cut]) & 0xC0) == 0x80) --cut;
  return text.substr(0, cut);
}

bool IsValidUtf8(std::string_view text) {
  std::size_t i = 0;
  const auto* s = reinterpret_cast<const unsigned char*>(text.data());
  const std::size_t n = text.size();
  while (i < n) {
    const unsigned char c = s[i];
    if (c < 0x80) {
      ++i;
      continue;
    }
    int len;
    std::uint32_t cp;
    if ((c & 0xE0) == 0xC0) {
      len = 2;
      cp = c & 0x1F;
    } else if ((c & 0xF0) == 0xE0) {
      len = 3;
      cp = c & 0x0F;
    } else if ((c & 0xF8) == 0xF0) {
      len = 4;
      cp = c & 0x07;
    } else {
      return false;
    }
    if (i + static_cast<std::size_t>(len) > n) return false;
    for (int k = 1; k < len; ++k) {
      if ((s[i + k] & 0xC0) != 0x80) return false;
      cp = (cp << 6) | (s[i + k] & 0x3F);
    }
    if ((len == 2 && cp < 0x80) || (len == 3 && cp < 0x800) || (len == 4 && cp < 0x10000) ||
        cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF)) {
      return false;
    }
    i += static_cast<std::size_t>(len);
  }
  return true;
}

}  // namespace ag
