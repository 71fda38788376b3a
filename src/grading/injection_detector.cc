#include "grading/injection_detector.h"

#include <algorithm>
#include <array>
#include <cstdint>
#include <span>
#include <string_view>

#include "core/text.h"

namespace ag {
namespace {

constexpr std::size_t kNone = std::string_view::npos;

// Rule names, as InjectionFinding::rule documents them.
constexpr std::string_view kOverride = "instruction override";
constexpr std::string_view kDemand = "grade demand";
constexpr std::string_view kAddress = "grader address";
constexpr std::string_view kRoleMarker = "role marker";
constexpr std::string_view kTemplate = "chat template";
constexpr std::string_view kFakeGrade = "fake grade";
constexpr std::string_view kFakeRubric = "fake rubric";
constexpr std::string_view kDelimiter = "delimiter escape";
constexpr std::string_view kRolePlay = "role play";
constexpr std::string_view kJailbreak = "jailbreak";
constexpr std::string_view kHidden = "hidden text";

// Scores are in tenths; a span is flagged at 10. A rule's base score is 10 when the phrase
// only ever addresses a grader; lower when it needs an imperative position or grading words
// nearby to tell an attack from an answer that merely talks about such things.
constexpr int kThreshold = 10;

// =============================================================================================
// Folding: the answer as the rules see it, each byte remembering the original bytes it came
// from, so that a finding reports (and WithoutFindings removes) exactly what the student wrote.

struct Fold {
  enum Kind { kDrop, kSpace, kNewline, kAscii, kKeep };
  Fold(Kind k, std::string_view a = {}) : kind(k), ascii(a) {}  // NOLINT: implicit by design
  Kind kind;
  std::string_view ascii;  // for kAscii: one or two lower-case ASCII bytes
};

constexpr auto kAsciiBytes = [] {
  std::array<char, 128> t{};
  for (int i = 0; i < 128; ++i) t[i] = static_cast<char>(i >= 'A' && i <= 'Z' ? i + 32 : i);
  return t;
}();

Fold Ascii(char c) {
  return {Fold::kAscii, std::string_view(&kAsciiBytes[static_cast<unsigned char>(c) & 0x7F], 1)};
}

// U+00C0..U+00FF; × and ÷ are not letters.
constexpr std::string_view kLatin1[64] = {
    "a", "a", "a", "a", "a", "a", "ae", "c", "e", "e", "e", "e", "i", "i", "i",  "i",
    "d", "n", "o", "o", "o", "o", "o",  " ", "o", "u", "u", "u", "u", "y", "th", "ss",
    "a", "a", "a", "a", "a", "a", "ae", "c", "e", "e", "e", "e", "i", "i", "i",  "i",
    "d", "n", "o", "o", "o", "o", "o",  " ", "o", "u", "u", "u", "u", "y", "th", "y"};

// U+0100..U+017F, each to its base letter (Ĳ and Œ to their first).
constexpr std::string_view kLatinExtendedA =
    "aaaaaa"
    "cccccccc"
    "dddd"
    "eeeeeeeeee"
    "gggggggg"
    "hhhh"
    "iiiiiiiiii"
    "ii"
    "jj"
    "kkk"
    "llllllllll"
    "nnnnnnnnn"
    "oooooo"
    "oo"
    "rrrrrr"
    "ssssssss"
    "tttttt"
    "uuuuuuuuuuuu"
    "ww"
    "yyy"
    "zzzzzz"
    "s";
static_assert(kLatinExtendedA.size() == 0x80);

// Letters that look like ASCII ones and are used to slip words past filters: Cyrillic and
// Greek look-alikes, IPA small capitals, and the letter-like symbols that fill the holes of
// the mathematical alphanumeric block (italic h is U+210E, not in that block).
struct LookAlike {
  char32_t cp;
  char ascii;
};
constexpr LookAlike kLookAlikes[] = {
    {0x430, 'a'},  {0x435, 'e'},  {0x43E, 'o'},  {0x440, 'p'},  {0x441, 'c'},  {0x443, 'y'},
    {0x445, 'x'},  {0x456, 'i'},  {0x458, 'j'},  {0x455, 's'},  {0x4BB, 'h'},  {0x501, 'd'},
    {0x51B, 'q'},  {0x51D, 'w'},  {0x410, 'a'},  {0x412, 'b'},  {0x415, 'e'},  {0x41A, 'k'},
    {0x41C, 'm'},  {0x41D, 'h'},  {0x41E, 'o'},  {0x420, 'p'},  {0x421, 'c'},  {0x422, 't'},
    {0x425, 'x'},  {0x405, 's'},  {0x406, 'i'},  {0x408, 'j'},  {0x4AE, 'y'},  {0x3B1, 'a'},
    {0x3BF, 'o'},  {0x3B9, 'i'},  {0x3BD, 'v'},  {0x3C1, 'p'},  {0x3C5, 'u'},  {0x3BA, 'k'},
    {0x391, 'a'},  {0x392, 'b'},  {0x395, 'e'},  {0x396, 'z'},  {0x397, 'h'},  {0x399, 'i'},
    {0x39A, 'k'},  {0x39C, 'm'},  {0x39D, 'n'},  {0x39F, 'o'},  {0x3A1, 'p'},  {0x3A4, 't'},
    {0x3A5, 'y'},  {0x3A7, 'x'},  {0x237, 'j'},  {0x251, 'a'},  {0x261, 'g'},  {0x269, 'i'},
    {0x1D00, 'a'}, {0x299, 'b'},  {0x1D04, 'c'}, {0x1D05, 'd'}, {0x1D07, 'e'}, {0x262, 'g'},
    {0x29C, 'h'},  {0x26A, 'i'},  {0x1D0A, 'j'}, {0x1D0B, 'k'}, {0x29F, 'l'},  {0x1D0D, 'm'},
    {0x274, 'n'},  {0x1D0F, 'o'}, {0x1D18, 'p'}, {0x280, 'r'},  {0xA731, 's'}, {0x1D1B, 't'},
    {0x1D1C, 'u'}, {0x1D20, 'v'}, {0x1D21, 'w'}, {0x28F, 'y'},  {0x1D22, 'z'}, {0x2102, 'c'},
    {0x210A, 'g'}, {0x210B, 'h'}, {0x210C, 'h'}, {0x210D, 'h'}, {0x210E, 'h'}, {0x2110, 'i'},
    {0x2111, 'i'}, {0x2112, 'l'}, {0x2113, 'l'}, {0x2115, 'n'}, {0x2119, 'p'}, {0x211A, 'q'},
    {0x211B, 'r'}, {0x211C, 'r'}, {0x211D, 'r'}, {0x2124, 'z'}, {0x2128, 'z'}, {0x212C, 'b'},
    {0x212D, 'c'}, {0x212F, 'e'}, {0x2130, 'e'}, {0x2131, 'f'}, {0x2133, 'm'}, {0x2134, 'o'},
    {0x2139, 'i'}};

bool InRange(char32_t cp, char32_t lo, char32_t hi) { return cp >= lo && cp <= hi; }

bool IsWhitespace(char32_t cp) {
  return cp == ' ' || cp == '\t' || cp == '\r' || cp == '\v' || cp == '\f' || cp == 0xA0 ||
         InRange(cp, 0x2000, 0x200A) || cp == 0x202F || cp == 0x205F || cp == 0x3000;
}

// Characters a reader does not see: format and bidi controls, zero-width characters, variation
// selectors, combining marks (so that "i̇gnore" folds like "ignore"), fillers, unused tags.
bool IsInvisible(char32_t cp) {
  return InRange(cp, 0x80, 0x9F) || cp == 0xAD || InRange(cp, 0x300, 0x36F) || cp == 0x34F ||
         cp == 0x61C || cp == 0x115F || cp == 0x1160 || cp == 0x17B4 || cp == 0x17B5 ||
         InRange(cp, 0x180B, 0x180F) || InRange(cp, 0x1AB0, 0x1AFF) ||
         InRange(cp, 0x1DC0, 0x1DFF) || InRange(cp, 0x200B, 0x200F) ||
         InRange(cp, 0x202A, 0x202E) || InRange(cp, 0x2060, 0x206F) ||
         InRange(cp, 0x20D0, 0x20FF) || cp == 0x3164 || InRange(cp, 0xFE00, 0xFE0F) ||
         InRange(cp, 0xFE20, 0xFE2F) || cp == 0xFEFF || cp == 0xFFA0 ||
         InRange(cp, 0xFFF0, 0xFFFB) || InRange(cp, 0x1D173, 0x1D17A) ||
         InRange(cp, 0xE0000, 0xE001F) || InRange(cp, 0xE007F, 0xE0FFF);
}

// General punctuation, super- and subscripts, arrows, mathematical operators, enclosed
// alphanumerics, box drawing and other symbols (U+2000..U+2BFF).
Fold FoldSymbol(char32_t cp) {
  if (cp == 0x2028 || cp == 0x2029) return {Fold::kNewline};
  if (InRange(cp, 0x2010, 0x2015) || cp == 0x2212) return Ascii('-');
  if (InRange(cp, 0x2018, 0x201B)) return Ascii('\'');
  if (InRange(cp, 0x201C, 0x201F)) return Ascii('"');
  if (cp == 0x2024 || cp == 0x2026) return Ascii('.');
  if (cp == 0x2044 || cp == 0x2215) return Ascii('/');
  if (cp == 0x2236) return Ascii(':');
  if (cp == 0x2070) return Ascii('0');
  if (cp == 0x2071) return Ascii('i');
  if (cp == 0x207F) return Ascii('n');
  if (InRange(cp, 0x2074, 0x2079)) return Ascii(static_cast<char>('4' + (cp - 0x2074)));
  if (InRange(cp, 0x2080, 0x2089)) return Ascii(static_cast<char>('0' + (cp - 0x2080)));
  if (InRange(cp, 0x2460, 0x2468)) return Ascii(static_cast<char>('1' + (cp - 0x2460)));
  if (InRange(cp, 0x24B6, 0x24CF)) return Ascii(static_cast<char>('a' + (cp - 0x24B6)));
  if (InRange(cp, 0x24D0, 0x24E9)) return Ascii(static_cast<char>('a' + (cp - 0x24D0)));
  return {Fold::kSpace};
}

// What a code point becomes; an NFKC-like folding for the scripts and tricks that matter here.
Fold FoldCodePoint(char32_t cp) {
  if (cp < 0x80) {
    if (cp == '\n') return {Fold::kNewline};
    if (IsWhitespace(cp)) return {Fold::kSpace};
    if (cp < 0x20 || cp == 0x7F) return {Fold::kDrop};
    return Ascii(static_cast<char>(cp));
  }
  if (IsWhitespace(cp)) return {Fold::kSpace};
  if (IsInvisible(cp)) return {Fold::kDrop};
  if (cp < 0xC0) {
    switch (cp) {
      case 0xAA:
        return Ascii('a');
      case 0xBA:
        return Ascii('o');
      case 0xB2:
        return Ascii('2');
      case 0xB3:
        return Ascii('3');
      case 0xB9:
        return Ascii('1');
      case 0xB5:
        return {Fold::kKeep};
      default:
        return {Fold::kSpace};  // ¡ ¿ « » § © and the like
    }
  }
  if (cp < 0x100) {
    const std::string_view s = kLatin1[cp - 0xC0];
    return s == " " ? Fold{Fold::kSpace} : Fold{Fold::kAscii, s};
  }
  if (cp < 0x180) return Ascii(kLatinExtendedA[cp - 0x100]);
  for (const LookAlike& l : kLookAlikes) {
    if (l.cp == cp) return Ascii(l.ascii);
  }
  if (InRange(cp, 0x2000, 0x2BFF)) return FoldSymbol(cp);
  if (InRange(cp, 0x3001, 0x303F) || InRange(cp, 0xFE10, 0xFE1F) || InRange(cp, 0xFE30, 0xFE6F) ||
      InRange(cp, 0xFF5F, 0xFF65) || cp == 0xFFFC || cp == 0xFFFD) {
    return {Fold::kSpace};
  }
  // Fullwidth ASCII, and the tag characters that spell ASCII invisibly ("ASCII smuggling"):
  // a model reads both, so the rules must too.
  if (InRange(cp, 0xFF01, 0xFF5E)) return FoldCodePoint(cp - 0xFEE0);
  if (InRange(cp, 0xE0020, 0xE007E)) return FoldCodePoint(cp - 0xE0000);
  // Mathematical bold, italic, script, fraktur, double-struck, sans-serif and monospace letters
  // come in runs of 52 (A-Z, a-z), digits in runs of 10.
  if (InRange(cp, 0x1D400, 0x1D6A3)) return Ascii(static_cast<char>('a' + (cp - 0x1D400) % 26));
  if (InRange(cp, 0x1D7CE, 0x1D7FF)) return Ascii(static_cast<char>('0' + (cp - 0x1D7CE) % 10));
  // Squared, circled and negative letters, regional indicators.
  if (InRange(cp, 0x1F130, 0x1F149)) return Ascii(static_cast<char>('a' + (cp - 0x1F130)));
  if (InRange(cp, 0x1F150, 0x1F169)) return Ascii(static_cast<char>('a' + (cp - 0x1F150)));
  if (InRange(cp, 0x1F170, 0x1F189)) return Ascii(static_cast<char>('a' + (cp - 0x1F170)));
  if (InRange(cp, 0x1F1E6, 0x1F1FF)) return Ascii(static_cast<char>('a' + (cp - 0x1F1E6)));
  if (InRange(cp, 0x1F000, 0x1FAFF)) return {Fold::kSpace};  // emoji and pictographs
  return {Fold::kKeep};
}

// The code point at `i` and its length; a malformed byte decodes alone as U+FFFD, so that every
// byte of the answer belongs to exactly one character.
char32_t Decode(std::string_view s, std::size_t i, std::size_t* len) {
  const auto c = static_cast<unsigned char>(s[i]);
  *len = 1;
  if (c < 0x80) return c;
  const std::size_t n = c >= 0xF8 ? 0 : c >= 0xF0 ? 4 : c >= 0xE0 ? 3 : c >= 0xC0 ? 2 : 0;
  if (n == 0 || i + n > s.size()) return 0xFFFD;
  char32_t cp = c & (0x7F >> n);
  for (std::size_t k = 1; k < n; ++k) {
    const auto d = static_cast<unsigned char>(s[i + k]);
    if ((d & 0xC0) != 0x80) return 0xFFFD;
    cp = (cp << 6) | (d & 0x3F);
  }
  *len = n;
  return cp;
}

// The folded text: lower-case, folded as above, invisible characters dropped, each run of
// whitespace one space, or one line break, or two for a blank line. text[i] stands for
// answer[from[i], to[i]).
struct Folded {
  std::string text;
  std::vector<std::size_t> from, to;

  void Push(char c, std::size_t b, std::size_t e) {
    text.push_back(c);
    from.push_back(b);
    to.push_back(e);
  }
};

Folded FoldAnswer(std::string_view answer) {
  Folded f;
  f.text.reserve(answer.size());
  bool space = false;
  int newlines = 0;
  std::size_t space_at[2] = {0, 0};
  std::size_t newline_at[2][2] = {{0, 0}, {0, 0}};
  auto flush_whitespace = [&] {
    if (!f.text.empty()) {
      if (newlines >= 2) {
        f.Push('\n', newline_at[0][0], newline_at[0][1]);
        f.Push('\n', newline_at[1][0], newline_at[1][1]);
      } else if (newlines == 1) {
        f.Push('\n', newline_at[0][0], newline_at[0][1]);
      } else if (space) {
        f.Push(' ', space_at[0], space_at[1]);
      }
    }
    space = false;
    newlines = 0;
  };
  for (std::size_t i = 0, len = 1; i < answer.size(); i += len) {
    const Fold fold = FoldCodePoint(Decode(answer, i, &len));
    switch (fold.kind) {
      case Fold::kDrop:
        break;
      case Fold::kSpace:
        if (!space && newlines == 0) space_at[0] = i, space_at[1] = i + len;
        space = true;
        break;
      case Fold::kNewline:
        if (newlines < 2) newline_at[newlines][0] = i, newline_at[newlines][1] = i + len;
        ++newlines;
        break;
      case Fold::kAscii:
        flush_whitespace();
        for (char c : fold.ascii) f.Push(c, i, i + len);
        break;
      case Fold::kKeep:
        flush_whitespace();
        for (char c : answer.substr(i, len)) f.Push(c, i, i + len);
        break;
    }
  }
  return f;
}

bool IsAlnum(char c) { return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9'); }
bool IsDigit(char c) { return c >= '0' && c <= '9'; }

// The word characters of the folded text with the separators between them dropped, so that
// "i g n o r e", "i.g.n.o.r.e" and "ig-nore" all read "ignore". A phrase must begin and end
// at a word boundary of the folded text; inside it, separators may fall anywhere.
struct Letters {
  std::string chars;
  std::vector<std::size_t> at;  // index in the folded text
  std::vector<bool> leet;       // a digit or symbol that may stand for a letter ("1gn0re")

  std::size_t size() const { return chars.size(); }
  bool Boundary(std::size_t i) const {
    return i == 0 || i >= chars.size() || at[i - 1] + 1 != at[i];
  }
};

bool IsLeetSymbol(char c) { return c == '@' || c == '$' || c == '!' || c == '|'; }

Letters LettersOf(const std::string& t) {
  auto is_word = [&](std::size_t j) {
    const char c = t[j];
    if (IsAlnum(c) || static_cast<unsigned char>(c) >= 0x80) return true;
    return IsLeetSymbol(c) && j + 1 < t.size() && IsAlnum(t[j + 1]);
  };
  struct Token {
    std::size_t begin, end;
    bool has_letter;
  };
  std::vector<Token> tokens;
  for (std::size_t j = 0; j < t.size();) {
    if (!is_word(j)) {
      ++j;
      continue;
    }
    Token w{j, j, false};
    while (w.end < t.size() && is_word(w.end))
      w.has_letter |= t[w.end] >= 'a' && t[w.end] <= 'z', ++w.end;
    tokens.push_back(w);
    j = w.end;
  }
  // A digit reads as a letter inside a word that has letters ("1gn0re"), or standing alone
  // beside a lone letter in a spaced-out word ("1 g n 0 r e"); "10/10" and "4.1" stay numbers.
  auto lone_letter = [&](std::size_t k) {
    return k < tokens.size() && tokens[k].end - tokens[k].begin == 1 && tokens[k].has_letter;
  };
  Letters l;
  for (std::size_t k = 0; k < tokens.size(); ++k) {
    const Token& w = tokens[k];
    const bool digits_leet =
        w.has_letter ||
        (w.end - w.begin == 1 && ((k > 0 && lone_letter(k - 1)) || lone_letter(k + 1)));
    for (std::size_t j = w.begin; j < w.end; ++j) {
      l.chars.push_back(t[j]);
      l.at.push_back(j);
      l.leet.push_back(IsLeetSymbol(t[j]) || (IsDigit(t[j]) && digits_leet));
    }
  }
  return l;
}

bool CharMatches(char want, char have, bool leet) {
  if (want == have) return true;
  if (!leet) return false;
  switch (have) {
    case '0':
      return want == 'o';
    case '1':
      return want == 'i' || want == 'l';
    case '2':
      return want == 'z';
    case '3':
      return want == 'e';
    case '4':
      return want == 'a';
    case '5':
      return want == 's';
    case '6':
      return want == 'g';
    case '7':
      return want == 't';
    case '8':
      return want == 'b';
    case '9':
      return want == 'g';
    case '@':
      return want == 'a';
    case '$':
      return want == 's';
    case '!':
      return want == 'i';
    case '|':
      return want == 'i' || want == 'l';
    default:
      return false;
  }
}

struct Text {
  std::string_view answer;
  Folded f;
  Letters l;
};

bool StartsWith(const std::string& s, std::size_t x, std::string_view prefix) {
  return x <= s.size() && s.compare(x, prefix.size(), prefix) == 0;
}

// s.find(what, from), looking no further than `limit` bytes ahead, so that repeated searches
// over adversarial text stay linear.
std::size_t FindWithin(const std::string& s, std::string_view what, std::size_t from,
                       std::size_t limit) {
  if (from >= s.size()) return kNone;
  const std::size_t at = std::string_view(s).substr(from, limit + what.size()).find(what);
  return at == kNone ? kNone : from + at;
}

bool EndsSentence(const std::string& s, std::size_t k) {
  const char c = s[k];
  if (c == '\n') return true;
  return (c == '.' || c == '!' || c == '?' || c == ';') &&
         (k + 1 == s.size() || s[k + 1] == ' ' || s[k + 1] == '\n');
}

// True when nothing between letters a and a + 1 ends a sentence or a line, so that both can
// belong to one phrase.
bool Joined(const Text& t, std::size_t a) {
  const std::size_t x = t.l.at[a], y = t.l.at[a + 1];
  if (y - x > 24) return false;
  for (std::size_t k = x + 1; k < y; ++k) {
    if (EndsSentence(t.f.text, k) || StartsWith(t.f.text, k, "<!--") ||
        StartsWith(t.f.text, k, "-->")) {
      return false;
    }
  }
  return true;
}

std::size_t WordEnd(const Text& t, std::size_t i) {
  std::size_t e = i + 1;
  while (!t.l.Boundary(e)) ++e;
  return e;
}

// =============================================================================================
// Patterns: a sequence of slots matched against the letters.

enum class SlotKind {
  kWords,   // one of the alternatives; "~" at the end of one takes the rest of the word
  kGrade,   // a top grade: "10/10", "100%", "full marks", "the maximum score", "an A+"
  kNumber,  // a whole number
  kSkip,    // any word
};

struct Slot {
  SlotKind kind = SlotKind::kWords;
  std::vector<std::string> words;
  int min = 1, max = 1;
};

// "ignore|disregard|do not follow": alternatives, the spaces inside one ignored.
Slot W(std::string_view alternatives) {
  Slot s;
  std::string word;
  for (char c : alternatives) {
    if (c == '|') {
      s.words.push_back(std::move(word));
      word.clear();
    } else if (c != ' ') {
      word.push_back(c);
    }
  }
  s.words.push_back(std::move(word));
  return s;
}
Slot Opt(std::string_view alternatives) {
  Slot s = W(alternatives);
  s.min = 0;
  return s;
}
// Up to three fillers: "all of the", "any of your".
Slot Any(std::string_view alternatives) {
  Slot s = W(alternatives);
  s.min = 0;
  s.max = 3;
  return s;
}
Slot Some(std::string_view alternatives, int max) {
  Slot s = W(alternatives);
  s.max = max;
  return s;
}
Slot Grade() { return Slot{SlotKind::kGrade, {}, 1, 1}; }
Slot Number() { return Slot{SlotKind::kNumber, {}, 1, 1}; }
Slot Skip(int max) { return Slot{SlotKind::kSkip, {}, 0, max}; }

using Pattern = std::vector<Slot>;

std::size_t MatchPattern(const Text& t, std::span<const Slot> slots, std::size_t i);

// The end of `word` read at letter i, or kNone.
std::size_t MatchWord(const Text& t, std::string_view word, std::size_t i) {
  const bool rest = !word.empty() && word.back() == '~';
  if (rest) word.remove_suffix(1);
  if (i + word.size() > t.l.size()) return kNone;
  for (std::size_t k = 0; k < word.size(); ++k) {
    if (k > 0 && !Joined(t, i + k - 1)) return kNone;
    if (!CharMatches(word[k], t.l.chars[i + k], t.l.leet[i + k])) return kNone;
  }
  std::size_t e = i + word.size();
  if (rest && e < t.l.size() && !t.l.Boundary(e)) e = WordEnd(t, e);
  return e;
}

// A whole number at i: its end, or kNone.
std::size_t NumberAt(const Text& t, std::size_t i) {
  if (i >= t.l.size() || !t.l.Boundary(i)) return kNone;
  const std::size_t e = WordEnd(t, i);
  for (std::size_t k = i; k < e; ++k) {
    if (!IsDigit(t.l.chars[k])) return kNone;
  }
  return e;
}

std::size_t FoldedAfter(const Text& t, std::size_t e) { return t.l.at[e - 1] + 1; }

// The letter index of the first letter at or after folded index x.
std::size_t LetterAt(const Text& t, std::size_t x) {
  return static_cast<std::size_t>(std::lower_bound(t.l.at.begin(), t.l.at.end(), x) -
                                  t.l.at.begin());
}

std::size_t MatchGrade(const Text& t, std::size_t i) {
  // "10/10", "5 / 5", "10 out of 10", "100%", "100 percent": a perfect score.
  if (const std::size_t e = NumberAt(t, i); e != kNone) {
    const std::string_view n = std::string_view(t.l.chars).substr(i, e - i);
    const std::string& s = t.f.text;
    std::size_t x = FoldedAfter(t, e);
    while (x < s.size() && s[x] == ' ') ++x;
    if (x < s.size() && s[x] == '%' && n == "100") return e;
    if (x < s.size() && s[x] == '/') {
      const std::size_t j = LetterAt(t, x);
      const std::size_t m = NumberAt(t, j);
      if (m != kNone && j < t.l.size() && t.l.at[j] - x <= 3 &&
          std::string_view(t.l.chars).substr(j, m - j) == n && n.find_first_not_of('0') != kNone) {
        return m;
      }
    }
    static const Pattern kOutOf = {W("out of|outof"), Number()};
    if (const std::size_t m = MatchPattern(t, kOutOf, e); m != kNone) {
      std::size_t j = m - 1;
      while (!t.l.Boundary(j)) --j;
      if (std::string_view(t.l.chars).substr(j, m - j) == n) return m;
    }
    static const Pattern kPercent = {W("percent|per cent|pct")};
    if (n == "100") {
      if (const std::size_t m = MatchPattern(t, kPercent, e); m != kNone) return m;
    }
    return kNone;
  }
  static const Pattern kPhrase = {
      Opt("the|a"), W("full|maximum|max|perfect|top|highest|best|complete|all|all the|all of the"),
      Opt("possible|available|achievable"),
      W("marks|mark|points|point|pts|score|scores|credit|credits|grade|grades|rating")};
  if (const std::size_t e = MatchPattern(t, kPhrase, i); e != kNone) return e;
  static const Pattern kPerfectNumber = {W("a perfect|perfect"), Number()};
  if (const std::size_t e = MatchPattern(t, kPerfectNumber, i); e != kNone) return e;
  // "give me a 10."
  static const Pattern kATen = {W("a"), W("10|100|ten")};
  if (const std::size_t e = MatchPattern(t, kATen, i); e != kNone) {
    const std::size_t x = FoldedAfter(t, e);
    if (x == t.f.text.size() || EndsSentence(t.f.text, x) || t.f.text[x] == '!') return e;
  }
  // "an A", "A+", "a plus"
  static const Pattern kAnA = {W("an a")};
  if (const std::size_t e = MatchPattern(t, kAnA, i); e != kNone) return e;
  if (i < t.l.size() && t.l.chars[i] == 'a' && t.l.Boundary(i + 1)) {
    const std::size_t x = t.l.at[i] + 1;
    if (x < t.f.text.size() && t.f.text[x] == '+') return i + 1;
    static const Pattern kPlus = {W("plus")};
    if (const std::size_t e = MatchPattern(t, kPlus, i + 1); e != kNone) return e;
  }
  return kNone;
}

// The ends a slot can reach from letter p, in order of preference, passed to `next` until it
// accepts one.
template <typename Next>
std::size_t EachEnd(const Text& t, const Slot& s, std::size_t p, Next next) {
  if (p >= t.l.size()) return kNone;
  switch (s.kind) {
    case SlotKind::kWords:
      for (const std::string& w : s.words) {
        const std::size_t e = MatchWord(t, w, p);
        if (e == kNone) continue;
        if (const std::size_t r = next(e); r != kNone) return r;
      }
      return kNone;
    case SlotKind::kGrade:
      if (const std::size_t e = MatchGrade(t, p); e != kNone) return next(e);
      return kNone;
    case SlotKind::kNumber:
      if (const std::size_t e = NumberAt(t, p); e != kNone) return next(e);
      return kNone;
    case SlotKind::kSkip:
      return next(WordEnd(t, p));
  }
  return kNone;
}

// Matches slots[k..] from letter p, having matched `reps` repetitions of slots[k] already.
std::size_t MatchFrom(const Text& t, std::span<const Slot> slots, std::size_t start, std::size_t k,
                      int reps, std::size_t p) {
  if (k == slots.size()) return t.l.Boundary(p) ? p : kNone;
  const Slot& s = slots[k];
  if (reps < s.max && (p == start || (p < t.l.size() && Joined(t, p - 1)))) {
    const std::size_t r =
        EachEnd(t, s, p, [&](std::size_t e) { return MatchFrom(t, slots, start, k, reps + 1, e); });
    if (r != kNone) return r;
  }
  if (reps >= s.min) return MatchFrom(t, slots, start, k + 1, 0, p);
  return kNone;
}

// The end (a letter index) of `slots` matched from letter i, which must start a word; kNone
// when they do not match there.
std::size_t MatchPattern(const Text& t, std::span<const Slot> slots, std::size_t i) {
  if (i >= t.l.size() || !t.l.Boundary(i)) return kNone;
  const std::size_t e = MatchFrom(t, slots, i, 0, 0, i);
  return e == i ? kNone : e;
}

// =============================================================================================
// Where a match stands, and what follows it.

bool IsDecoration(char c) {
  return c == ' ' || c == '"' || c == '\'' || c == '(' || c == '[' || c == '{' || c == '*' ||
         c == '_' || c == '#' || c == '>' || c == '-' || c == '`' || c == '~' || c == '<' ||
         c == '=' || c == '|';
}

// The folded index just after the decoration and spaces that precede letter i.
std::size_t BeforeDecoration(const Text& t, std::size_t i) {
  std::size_t p = t.l.at[i];
  while (p > 0 && IsDecoration(t.f.text[p - 1])) --p;
  return p;
}

bool OpensLine(const Text& t, std::size_t i) {
  const std::size_t p = BeforeDecoration(t, i);
  return p == 0 || t.f.text[p - 1] == '\n';
}

// After a line break, or after punctuation that ends a clause and is followed by a space or
// decoration ("x.y", "core::marker" and "10:30" do not open one).
bool OpensClause(const Text& t, std::size_t i) {
  const std::size_t p = BeforeDecoration(t, i);
  if (p == 0 || t.f.text[p - 1] == '\n') return true;
  const char c = t.f.text[p - 1];
  return p < t.l.at[i] && t.f.text[p] != ':' &&
         (c == '.' || c == '!' || c == '?' || c == ':' || c == ';');
}

// Up to `n` words before letter i, within its sentence, oldest first.
std::vector<std::string_view> WordsBefore(const Text& t, std::size_t i, std::size_t n) {
  std::vector<std::string_view> words;
  std::size_t j = i;
  while (words.size() < n && j > 0 && Joined(t, j - 1)) {
    std::size_t s = j - 1;
    while (!t.l.Boundary(s)) --s;
    words.insert(words.begin(), std::string_view(t.l.chars).substr(s, j - s));
    j = s;
  }
  return words;
}

// An imperative position: the match at letter i opens a clause, or follows "please", "you must"
// and the like. Returns where the imperative begins (i, or the lead's first letter), or kNone.
std::size_t ImperativeStart(const Text& t, std::size_t i) {
  if (OpensClause(t, i)) return i;
  struct Lead {
    std::vector<std::string_view> words;
    bool opens = false;  // the lead itself must open a clause: "Just give", not "they just give"
  };
  static const std::vector<Lead> kLeads = {{{"please"}},
                                           {{"pls"}},
                                           {{"plz"}},
                                           {{"kindly"}},
                                           {{"now"}},
                                           {{"instead"}},
                                           {{"just"}, true},
                                           {{"simply"}, true},
                                           {{"also"}, true},
                                           {{"then"}, true},
                                           {{"so"}, true},
                                           {{"and"}, true},
                                           {{"grader"}},
                                           {{"ai"}},
                                           {{"llm"}},
                                           {{"chatgpt"}},
                                           {{"gpt"}},
                                           {{"evaluator"}},
                                           {{"examiner"}},
                                           {{"assessor"}},
                                           {{"you", "must"}},
                                           {{"you", "should"}},
                                           {{"you", "will"}},
                                           {{"you", "shall"}},
                                           {{"you", "need", "to"}},
                                           {{"you", "have", "to"}},
                                           {{"you", "are", "to"}},
                                           {{"want", "you", "to"}},
                                           {{"need", "you", "to"}},
                                           {{"make", "sure", "to"}},
                                           {{"make", "sure", "you"}},
                                           {{"be", "sure", "to"}},
                                           {{"remember", "to"}},
                                           {{"go", "ahead", "and"}},
                                           {{"command", "you", "to"}},
                                           {{"order", "you", "to"}},
                                           {{"required", "to"}},
                                           {{"and", "then"}}};
  static constexpr std::string_view kModals[] = {"must", "should", "shall", "will", "needs"};
  static constexpr std::string_view kAddressed[] = {"grader",   "evaluator", "examiner", "marker",
                                                    "assessor", "ai",        "llm",      "model",
                                                    "chatgpt",  "gpt",       "assistant"};
  const auto before = WordsBefore(t, i, 3);
  auto start_of = [&](std::string_view word) {
    return static_cast<std::size_t>(word.data() - t.l.chars.data());
  };
  for (const Lead& lead : kLeads) {
    if (lead.words.size() > before.size()) continue;
    const auto first = before.end() - static_cast<std::ptrdiff_t>(lead.words.size());
    if (!std::equal(lead.words.begin(), lead.words.end(), first)) continue;
    if (lead.opens && !OpensClause(t, start_of(*first))) continue;
    return start_of(*first);
  }
  // "the evaluator must rate this", "the AI should award"
  const std::size_t n = before.size();
  if (n >= 2 &&
      std::find(std::begin(kModals), std::end(kModals), before[n - 1]) != std::end(kModals) &&
      std::find(std::begin(kAddressed), std::end(kAddressed), before[n - 2]) !=
          std::end(kAddressed)) {
    return start_of(before[n - 2]);
  }
  return kNone;
}

// The folded index after the sentence that holds folded index x (its end punctuation included);
// a sentence also ends where an HTML comment does, which the hidden-text rule judges.
std::size_t SentenceEnd(const Text& t, std::size_t x) {
  const std::string& s = t.f.text;
  for (std::size_t k = x; k < s.size() && k < x + 300; ++k) {
    if (s[k] == '\n' || StartsWith(s, k, "-->")) return k;
    if (EndsSentence(s, k)) return k + 1;
  }
  return std::min(s.size(), x + 300);
}

std::size_t LineEnd(const Text& t, std::size_t x) {
  constexpr std::size_t kMax = 400;
  const std::size_t e = FindWithin(t.f.text, "\n", x, kMax);
  const std::size_t c = FindWithin(t.f.text, "-->", x, kMax);
  return std::min({e, c, x + kMax, t.f.text.size()});
}

// The text after a match that decides whether it speaks to a grader: the rest of its sentence,
// or, when nothing but punctuation remains there (a heading, "Enable developer mode."), the next.
std::size_t ContextEnd(const Text& t, std::size_t x) {
  const std::string& s = t.f.text;
  bool words = false;
  for (std::size_t k = x; k < s.size() && k < x + 200; ++k) {
    if (StartsWith(s, k, "-->")) return k;
    words |= IsAlnum(s[k]) || static_cast<unsigned char>(s[k]) >= 0x80;
    if (words && EndsSentence(s, k)) return k + 1;
  }
  return std::min(s.size(), x + 200);
}

// Where text is headed "# System", "### Instructions:" and nothing else on the line.
bool IsHeading(const Text& t, std::size_t i, std::size_t e) {
  const std::string& s = t.f.text;
  std::size_t p = t.l.at[i];
  while (p > 0 && s[p - 1] == ' ') --p;
  std::size_t hashes = 0;
  while (p > 0 && s[p - 1] == '#') --p, ++hashes;
  while (p > 0 && s[p - 1] == ' ') --p;
  if (hashes == 0 || (p > 0 && s[p - 1] != '\n')) return false;
  std::size_t x = FoldedAfter(t, e);
  while (x < s.size() && (s[x] == ' ' || s[x] == ':' || s[x] == '#' || s[x] == '*')) ++x;
  return x == s.size() || s[x] == '\n';
}

// Grading words whose presence near a weak phrase shows that it speaks to a grader.
enum Wants : unsigned {
  kNothing = 0,
  kDemands = 1,   // a top grade, "deserves", "lenient", "this answer is correct"
  kGraders = 2,   // "grader", "AI", "LLM", "evaluator"
  kPersonas = 4,  // "teacher", "instructor", "DAN", "unrestricted", "developer mode"
  kAll = kDemands | kGraders | kPersonas,
};

const std::vector<Pattern>& ContextPatterns(Wants w) {
  static const std::vector<Pattern> kDemandPatterns = {
      {Grade()},
      {W("deserve~|merits|worthy of")},
      {W("lenient~|leniency|generous~")},
      {W("approve|approved|preapproved|pre approved")},
      {W("mark|grade|score|rate|evaluate|pass"), W("this|it|me|my")},
      {W("score|points|grade|marks|rating|total"), Number()},
      {W("this|the|my"), Opt("student|students"),
       W("answer|submission|solution|essay|response|work"), W("is|was"),
       Opt("fully|completely|entirely|totally|100 percent"),
       W("correct|perfect|excellent|flawless|right|complete|outstanding")},
      {W("nota maxima|puntuacion maxima|note maximale|volle punktzahl|bestnote|voto massimo")}};
  static const std::vector<Pattern> kGraderPatterns = {
      {W("grader|graders|grading|evaluator|evaluators|examiner|examiners|assessor|chatgpt|gpt|"
         "claude|gemini|llm|llms|ai|language model|autograder|auto grader")}};
  static const std::vector<Pattern> kPersonaPatterns = {
      {W("teacher|instructor|professor|ta|teaching assistant|tutor|admin|administrator|dan|"
         "unrestricted|uncensored|unfiltered|jailbroken|jailbreak|developer mode|god mode|"
         "no restrictions|without restrictions|no rules|no limits|no filters|no longer bound|"
         "anything now")}};
  switch (w) {
    case kDemands:
      return kDemandPatterns;
    case kGraders:
      return kGraderPatterns;
    default:
      return kPersonaPatterns;
  }
}

// Whether some pattern of `wants` starts at a word in folded [x, end).
bool HasContext(const Text& t, unsigned wants, std::size_t x, std::size_t end) {
  for (std::size_t i = LetterAt(t, x); i < t.l.size() && t.l.at[i] < end; ++i) {
    if (!t.l.Boundary(i)) continue;
    for (Wants w : {kDemands, kGraders, kPersonas}) {
      if (!(wants & w)) continue;
      for (const Pattern& p : ContextPatterns(w)) {
        if (MatchPattern(t, p, i) != kNone) return true;
      }
    }
  }
  return false;
}

// =============================================================================================
// The rules.

enum class Where { kAnywhere, kHeading };
enum class Reach { kSentence, kLine };

struct Rule {
  std::string_view name;
  Pattern slots;
  int base = kThreshold;
  int imperative = 0;  // added in an imperative position (Imperative above)
  int context = 0;     // added when the words after it hold `wants`
  unsigned wants = kNothing;
  std::string_view then = "";  // when set, one of these characters must follow the match
  Where where = Where::kAnywhere;
  Reach reach = Reach::kSentence;  // how far the flagged span runs after the match
};

// Shared word lists.
constexpr std::string_view kIgnore =
    "ignore|disregard|forget|skip|overlook|bypass|override|discard|neglect|dismiss|"
    "do not follow|dont follow|stop following|do not obey|dont obey|never mind|nevermind";
constexpr std::string_view kFillers =
    "all|any|every|each|of|the|these|those|and|my|our|that|this|such";
constexpr std::string_view kEarlier =
    "your|previous|prior|above|earlier|preceding|foregoing|original|initial|system|grading|"
    "marking|aforementioned|former|hidden|developer|evaluation|evaluator|grader|graders";
constexpr std::string_view kOrders =
    "instructions|instruction|prompt|prompts|directions|directives";
constexpr std::string_view kSofterOrders =
    "rules|guidelines|guidance|context|messages|message|criteria|policies|policy|orders|"
    "training|commands|programming";
constexpr std::string_view kAddressees =
    "grader|graders|grading ai|grading model|grading system|grading bot|grading assistant|ai|"
    "ais|llm|llms|evaluator|evaluators|examiner|examiners|marker|markers|assessor|assessors|"
    "language model|ai model|chatgpt|gpt|claude|gemini|copilot|autograder|auto grader|"
    "automated grader|automatic grader|ai grader|ai evaluator|ai assistant|grading script";
constexpr std::string_view kPeople =
    "teacher|teachers|instructor|instructors|professor|prof|ta|tas|teaching assistant|tutor|"
    "lecturer";
constexpr std::string_view kGive = "give|award|assign|grant|allocate|provide|hand out";
constexpr std::string_view kWork =
    "answer|submission|essay|response|work|solution|assignment|paper|report|code|attempt|"
    "entry|project|lab|one|student";
constexpr std::string_view kRoles =
    "instructor|teacher|grader|professor|examiner|evaluator|marker|assessor|ta|"
    "teaching assistant|admin|administrator|dan|unrestricted ai|jailbroken ai|superuser|"
    "root user|developer mode";
constexpr std::string_view kModes =
    "developer mode|dev mode|god mode|jailbreak mode|unrestricted mode|admin mode|sudo mode|"
    "dan mode|debug mode|maintenance mode";

const std::vector<Rule>& Rules() {
  static const std::vector<Rule> kRules = {
      // --- Instruction overrides ------------------------------------------------------------
      {.name = kOverride, .slots = {W(kIgnore), Any(kFillers), Some(kEarlier, 2), W(kOrders)}},
      {.name = kOverride,
       .slots = {W(kIgnore), Any(kFillers), Some(kEarlier, 2), W(kSofterOrders)},
       .base = 7,
       .imperative = 3,
       .context = 4,
       .wants = kDemands | kGraders},
      {.name = kOverride,
       .slots = {W(kIgnore), Any(kFillers), Opt(kEarlier), W("your"), Any(kEarlier),
                 W(kSofterOrders)}},
      {.name = kOverride,
       .slots = {W(kIgnore), Any(kFillers), W(kOrders),
                 W("above|before|so far|given before|given earlier|given previously|"
                   "previously given|previously|earlier|you were given|you have been given|"
                   "youve been given|you received|you got|from before|up to this point|"
                   "until now|in the prompt|in your prompt|from your developer|"
                   "from the system|from the developers")}},
      {.name = kOverride,
       .slots = {W(kIgnore), W("all|any|every"), Opt("other|the|of the|such"),
                 W("instructions|prompts|directions|directives")}},
      {.name = kOverride,
       .slots = {W(kIgnore), Opt("the|these|those|this"),
                 W("instructions|prompt|directions|directives|commands")},
       .base = 5,
       .imperative = 3,
       .context = 4,
       .wants = kDemands | kGraders},
      {.name = kOverride,
       .slots = {W(kIgnore), Any(kFillers),
                 W("system prompt|system message|system instructions|developer message|"
                   "developer instructions|developer prompt|safety guidelines|hidden prompt|"
                   "grading instructions|grader instructions")}},
      {.name = kOverride,
       .slots = {W(kIgnore), Any(kFillers),
                 W("rubric|rubrics|grading criteria|marking criteria|marking scheme|"
                   "grading scheme|grading guidelines|grading rules|scoring guide|"
                   "mark scheme|answer key")},
       .base = 7,
       .imperative = 3,
       .context = 4,
       .wants = kDemands | kGraders},
      {.name = kOverride,
       .slots = {W(kIgnore), Any("all|of"),
                 W("everything|anything|all of that|all that|what|whatever"),
                 W("above|before|before this|prior|previously|so far|said before|said above|"
                   "written above|written before|i said before|you were told|"
                   "you have been told|youve been told|up to now|up to this point|until now|"
                   "that came before|in the prompt|from before|earlier|you were instructed|"
                   "you have been instructed|you know about grading|you were given")}},
      {.name = kOverride,
       .slots = {W(kIgnore), Any("all|of|everything"), W("the above|above")},
       .base = 6,
       .imperative = 2,
       .context = 4,
       .wants = kDemands | kGraders},
      {.name = kOverride,
       .slots = {Any("all|the|any|of|your"), Some(kEarlier, 2), W(kOrders),
                 W("must be|should be|are to be|can be|are|is|are now|is now|have been|has been"),
                 W("ignored|disregarded|forgotten|void|cancelled|canceled|overridden|"
                   "obsolete|revoked|null and void|replaced|superseded|invalid")}},
      {.name = kOverride,
       .slots = {W("new|updated|revised|real|actual|true|secret|hidden|override|priority|"
                   "additional|important|urgent"),
                 W("instructions|instruction|directive|directives|orders|prompt|"
                   "system prompt|task|tasks")},
       .base = 8,
       .imperative = 2,
       .context = 4,
       .wants = kDemands | kGraders,
       .then = ":"},
      {.name = kOverride,
       .slots = {W("system|admin|grader|grading|evaluator|developer"),
                 W("instructions|instruction|directive|directives|prompt")},
       .base = 6,
       .imperative = 2,
       .context = 4,
       .wants = kDemands | kGraders,
       .then = ":"},
      {.name = kOverride,
       .slots = {W("here are|these are|follow these|below are|the following are|obey these|"
                   "follow my|follow the"),
                 Opt("your|the|my"), W("new|updated|real|actual|true|revised"),
                 W("instructions|rules|directives|orders")}},
      {.name = kOverride,
       .slots = {W("system|admin|administrator|developer|root|sudo|grader|instructor|teacher"),
                 W("override|overide")},
       .base = 8,
       .imperative = 2,
       .context = 4,
       .wants = kAll},
      {.name = kOverride,
       .slots = {W("your"), W("new|real|actual|true|only|next|updated|primary|sole"),
                 W("task|job|goal|role|purpose|instructions|objective|mission|function"),
                 W("is|are|will be|now is|is now")},
       .base = 7,
       .context = 4,
       .wants = kAll},
      // Spanish, French, German, Italian and Portuguese.
      {.name = kOverride,
       .slots = {W("ignora|ignore|ignorad|ignoren|ignorar|olvida|olvide|olviden|olvidad|"
                   "olvidar|descarta|descarte|omite|omita|desatiende|haz caso omiso de|"
                   "haga caso omiso de|hagan caso omiso de|no sigas|no siga"),
                 Any("todas|todos|las|los|tus|sus|de|a|esas|estas"),
                 W("instrucciones|instruccion|indicaciones|ordenes|directrices|reglas|"
                   "consignas|mensajes|normas|rubrica"),
                 W("anteriores|previas|precedentes|de arriba|de antes|anteriormente dadas|"
                   "originales|iniciales|del sistema|dadas|recibidas|que te dieron|"
                   "que recibiste")}},
      {.name = kOverride,
       .slots = {W("ignora|ignore|ignorad|ignoren|ignorar|olvida|olvide|olviden|olvidad|"
                   "descarta|omite"),
                 Any("todas|todos|las|los"), W("tus|sus"),
                 W("instrucciones|indicaciones|ordenes|directrices|reglas")}},
      {.name = kOverride,
       .slots = {W("ignora|ignore|olvida|olvide|olvidad|ignorad|descarta|omite"),
                 W("todo lo anterior|lo anterior|todo lo de arriba|todo lo que te dijeron")}},
      {.name = kOverride,
       .slots = {W("ignore|ignorez|ignorer|ignores|oublie|oubliez|oublier|"
                   "ne tiens pas compte des|ne tenez pas compte des|"
                   "ne pas tenir compte des|fais abstraction des|faites abstraction des|"
                   "ne suis pas|ne suivez pas"),
                 Any("toutes|tous|les|des|de|la|le|l|ces|cette"),
                 W("instructions|instruction|consignes|directives|indications|regles|ordres|"
                   "messages|bareme"),
                 W("precedentes|anterieures|ci dessus|precedemment donnees|davant|initiales|"
                   "originales|du systeme|donnees|recues|qui precedent")}},
      {.name = kOverride,
       .slots = {W("ignore|ignorez|ignorer|oublie|oubliez|oublier"), Any("toutes|tous|les|de"),
                 W("tes|vos"), W("instructions|consignes|directives|indications|regles|ordres")}},
      {.name = kOverride,
       .slots = {W("ignore|ignorez|oublie|oubliez"),
                 W("tout ce qui precede|ce qui precede|tout ce qui est au dessus|"
                   "tout ce qui est ci dessus|tout ce qui a ete dit|tout ce qu on ta dit|"
                   "tout ce quon ta dit")}},
      {.name = kOverride,
       .slots = {W("ignoriere|ignorieren|ignoriert|ignorier|vergiss|vergessen|vergesst|"
                   "missachte|missachten|missachtet|verwirf|verwerfen"),
                 Any("sie|alle|die|bitte|samtliche|jegliche|deine|ihre|eure"),
                 Some("vorherigen|vorigen|bisherigen|obigen|vorangegangenen|"
                      "vorhergehenden|fruheren|alten|ursprunglichen|vorherige|bisherige|"
                      "obige|deine|ihre|eure|gegebenen|erhaltenen|system",
                      2),
                 W("anweisungen|anweisung|instruktionen|befehle|vorgaben|regeln|richtlinien|"
                   "anordnungen|prompts|bewertungskriterien|systemanweisungen")}},
      {.name = kOverride,
       .slots = {Any("bitte|alle|die"),
                 Some("vorherigen|vorigen|bisherigen|obigen|vorangegangenen|fruheren|"
                      "deine|ihre",
                      2),
                 W("anweisungen|instruktionen|befehle|vorgaben"),
                 W("ignorieren|vergessen|missachten|nicht beachten|nicht befolgen")}},
      {.name = kOverride,
       .slots = {W("ignoriere|ignorieren sie|vergiss|vergessen sie|vergesst"),
                 W("alles bisherige|alles vorherige|alles obige|alles davor|alles was zuvor|"
                   "alles was vorher|alles was oben|alles zuvor|alles vorher|alles oben")}},
      {.name = kOverride,
       .slots = {W("ignora|ignorate|ignorare|dimentica|dimenticate|dimenticare|trascura|"
                   "trascurate|non seguire"),
                 Any("tutte|tutti|le|gli|i|tue|sue|queste"),
                 W("istruzioni|indicazioni|direttive|regole|ordini|comandi"),
                 W("precedenti|sopra|anteriori|iniziali|originali|date|ricevute|di prima")}},
      {.name = kOverride,
       .slots = {W("ignore|ignora|ignorar|ignorem|esqueca|esquecer|esquecam|"
                   "desconsidere|desconsidera|nao siga"),
                 Any("todas|todos|as|os|suas|tuas"),
                 W("instrucoes|instrucao|orientacoes|ordens|regras|diretrizes|comandos"),
                 W("anteriores|previas|acima|precedentes|iniciais|originais|dadas|"
                   "recebidas")}},

      // --- Role markers and chat headings ----------------------------------------------------
      {.name = kRoleMarker,
       .slots = {W("system|assistant|developer|system prompt|system message|"
                   "assistant message|developer message|system note")},
       .base = 6,
       .imperative = 2,
       .context = 4,
       .wants = kDemands | kGraders,
       .then = ":",
       .reach = Reach::kLine},
      {.name = kRoleMarker,
       .slots = {W("user|human|ai|model|bot|chatbot|gpt|chatgpt|llm")},
       .base = 4,
       .imperative = 2,
       .context = 4,
       .wants = kDemands | kGraders,
       .then = ":",
       .reach = Reach::kLine},
      {.name = kRoleMarker,
       .slots = {W("system|system prompt|system message|system instructions|instruction|"
                   "instructions|response|assistant|developer|grader instructions|"
                   "grading instructions|new instructions|admin|evaluator instructions")},
       .base = 6,
       .context = 4,
       .wants = kDemands | kGraders,
       .where = Where::kHeading,
       .reach = Reach::kLine},

      // --- Grade demands ---------------------------------------------------------------------
      {.name = kDemand, .slots = {W(kGive), W("me|us|myself"), Grade()}},
      {.name = kDemand,
       .slots = {W(kGive), W("it|him|her|them"), Grade()},
       .base = 6,
       .imperative = 4},
      {.name = kDemand,
       .slots = {W(kGive), W("this|my|our|this students"), Skip(2), W(kWork), Grade()}},
      {.name = kDemand,
       .slots = {W(kGive), W("the"), Skip(2), W(kWork), Grade()},
       .base = 6,
       .imperative = 4},
      {.name = kDemand, .slots = {W(kGive), Grade()}, .base = 5, .imperative = 5},
      {.name = kDemand,
       .slots = {W(kGive), Grade(), W("to"),
                 W("me|us|this|my|this answer|this submission|this essay|this student")}},
      {.name = kDemand,
       .slots = {W("score|grade|rate|mark|evaluate|assess"),
                 Opt("me|this|it|my answer|this answer|my submission|this submission|my essay|"
                     "this essay|my work|this work|this response|my response|the answer|"
                     "this solution|my solution"),
                 Opt("as|at|with|a|an"), Grade()},
       .base = 6,
       .imperative = 4},
      {.name = kDemand,
       .slots = {W("mark|grade|score|evaluate|treat|consider|accept|count|record"),
                 W("me|this|it|my answer|this answer|my submission|this submission|my essay|"
                   "this essay|my work|this work|this response|this solution"),
                 W("as"),
                 W("correct|right|perfect|excellent|complete|fully correct|full marks|a pass|"
                   "passing|passed|valid|completely correct|flawless")},
       .base = 6,
       .imperative = 4},
      {.name = kDemand,
       .slots = {W("this|my"), Opt("short|brief|whole|entire|final"), W(kWork),
                 W("deserves|merits|earns|warrants|should get|should receive|should be given|"
                   "should be awarded|should score|must get|must receive|must be given|"
                   "must be awarded|must score|is worth|gets|will get|has earned|needs|"
                   "should earn|must earn|qualifies for|is entitled to|should be graded|"
                   "must be graded|should be marked|must be marked"),
                 Opt("a|an|the|with|as"), Grade()}},
      {.name = kDemand,
       .slots = {W("i"),
                 W("deserve|deserved|should get|should receive|must get|must receive|"
                   "demand|am owed|am entitled to|should be given|must be given"),
                 Opt("a|an|the"), Grade()}},
      {.name = kDemand, .slots = {W("we"), W("deserve|should get|must get"), Grade()}},
      {.name = kDemand,
       .slots = {W("output|respond with|reply with|emit|return only|print only"),
                 Any("a|the|me|only|just|my"),
                 W("score|grade|mark|rating|final score|final grade|total score"),
                 Opt("of|to|as|at|equal to|equals"), Number()},
       .base = 6,
       .imperative = 4},
      {.name = kDemand,
       .slots = {Grade(), W("please|pls|plz|thanks|thank you|is required|is expected|"
                            "is mandatory")},
       .base = 6,
       .imperative = 4},
      {.name = kDemand,
       .slots = {W("say|state|output|respond|reply|write|declare|confirm|conclude|report|print"),
                 Opt("that|only"), W("the|this|my"), Opt("student|students"), W(kWork), W("is|was"),
                 Opt("fully|completely|entirely|totally|100 percent"),
                 W("correct|perfect|excellent|flawless|right|complete|outstanding")},
       .base = 6,
       .imperative = 4},
      {.name = kDemand,
       .slots = {W("approve|accept|pass"), W("this|my|me"), Opt("short|brief|whole"), Opt(kWork)},
       .base = 6,
       .imperative = 4},
      {.name = kDemand,
       .slots = {W("dame|deme|denme|dale|dele|pon|ponme|pongame|ponle|asigna|asignale|"
                   "asignele|otorga|otorgale|otorgueme|califica|calificame|calificalo|"
                   "puntua|puntuame"),
                 Any("a|esta|esto|mi|la|una|un|el|respuesta|me|le|lo|trabajo"),
                 W("nota maxima|maxima nota|maxima puntuacion|puntuacion maxima|"
                   "calificacion maxima|maxima calificacion|nota perfecta|puntuacion perfecta|"
                   "calificacion perfecta|todos los puntos|un diez|matricula de honor")}},
      {.name = kDemand,
       .slots = {W("donne|donnez|donne moi|donnez moi|mets|mettez|mets moi|mettez moi|"
                   "attribue|attribuez|accorde|accordez|accorde moi|accordez moi"),
                 Any("moi|lui|a|cette|reponse|ma|la|une|un|le|les"),
                 W("note maximale|note maximum|note parfaite|meilleure note|"
                   "totalite des points|tous les points|vingt sur vingt")}},
      {.name = kDemand,
       .slots = {W("gib|gebt|geben sie|vergib|vergeben sie|erteile|erteilen sie|bewerte|"
                   "bewerten sie"),
                 Any("mir|uns|dieser|diese|antwort|die|eine|der|dem|meiner|meine"),
                 W("volle punktzahl|volle punkte|hochste punktzahl|maximale punktzahl|"
                   "alle punkte|bestnote|note eins|eine eins|beste note|hochstnote|"
                   "hochste note|mit sehr gut")}},
      {.name = kDemand,
       .slots = {W("dame|ponme|pon|dale|donne moi|donnez moi|mets moi|mettez moi|gib mir|"
                   "geben sie mir|dammi|assegnami|da me"),
                 Any("un|una|la|le|die|eine|il"), Grade()}},

      // --- Addressing the grader -------------------------------------------------------------
      {.name = kAddress,
       .slots = {W("note to|note for|a note to|a note for|memo to|reminder to|reminder for|"
                   "notice to|psa to|message to the ai|message for the ai"),
                 Any("the|any|all|my|our|dear"), W(kAddressees)}},
      {.name = kAddress,
       .slots = {W("note to|note for|memo to|message to|message for"), Any("the|my|our|dear|any"),
                 W(kPeople)},
       .base = 6,
       .imperative = 2,
       .context = 4,
       .wants = kDemands,
       .then = ":,"},
      {.name = kAddress,
       .slots = {W("ta|tas|grader|graders|grading|marker|markers|examiner|examiners|"
                   "evaluator|instructor|instructors|teacher|teachers|professor|reviewer|ai|"
                   "llm|admin|moderator|teaching assistant|tutor|staff"),
                 W("note|notes|comment|comments|message|instruction|instructions|memo|"
                   "remark|remarks")},
       .base = 6,
       .imperative = 2,
       .context = 4,
       .wants = kDemands,
       .then = ":"},
      {.name = kAddress,
       .slots = {W("to"), Any("the|any|all|my|dear|our"), W(kAddressees)},
       .base = 6,
       .imperative = 4,
       .context = 4,
       .wants = kDemands,
       .then = ":,"},
      {.name = kAddress,
       .slots = {W(kAddressees)},
       .base = 4,
       .imperative = 2,
       .context = 4,
       .wants = kDemands,
       .then = ":,"},
      {.name = kAddress,
       .slots = {W("dear|hey|hi|hello|attention|attn|psst|listen|yo|okay|ok|greetings"),
                 Any("the|my|dear|mr|mrs|ms|you"), W(kAddressees)},
       .base = 6,
       .imperative = 2,
       .context = 4,
       .wants = kDemands},
      {.name = kAddress,
       .slots = {W("if|in case|when|since|as|because"), W("you are|youre|you re"),
                 Any("a|an|the|any|some|being|actually|really"),
                 W("ai|llm|language model|large language model|chatbot|chatgpt|gpt|bot|"
                   "machine|automated grader|automated system|ai grader|grader|program|"
                   "model|neural network|robot|grading|an ai")},
       .base = 6,
       .context = 4,
       .wants = kDemands},
      {.name = kAddress,
       .slots = {W("to|for"), Any("the|any|all|an|a"),
                 W("ai|ais|llm|llms|language model|language models|chatbot|automated grader|"
                   "ai grader|grader|graders|evaluator|model|bot|machine"),
                 W("reading|grading|evaluating|checking|marking|scoring|processing|reviewing|"
                   "assessing"),
                 W("this|my|these")},
       .base = 7,
       .imperative = 3,
       .context = 4,
       .wants = kDemands},

      // --- Leaving the answer ----------------------------------------------------------------
      {.name = kDelimiter,
       .slots = {Opt("the"), W("end of"), Opt("the|this"),
                 W("student answer|students answer|student submission|students submission|"
                   "student response|student essay|student input|student text|student work|"
                   "answer section|user input|student section")},
       .base = 7,
       .imperative = 4,
       .context = 4,
       .wants = kDemands | kGraders,
       .reach = Reach::kLine},
      {.name = kDelimiter,
       .slots = {W("student answer|students answer|student submission|student response"),
                 W("ends here|ends|end|ended|is over|over|finished|stops here")},
       .base = 7,
       .imperative = 4,
       .context = 4,
       .wants = kDemands | kGraders,
       .reach = Reach::kLine},
      {.name = kDelimiter,
       .slots = {W("end of|start of|begin|beginning of|end"), Opt("the"),
                 W("answer|submission|input|prompt|document|response|essay|text|user message|"
                   "user input|user text")},
       .base = 4,
       .imperative = 3,
       .context = 4,
       .wants = kDemands | kGraders,
       .reach = Reach::kLine},
      {.name = kDelimiter,
       .slots = {W("begin|start|beginning of|start of"), Opt("the"),
                 W("system|grader|grading|admin|instructor|teacher|new|developer"),
                 W("instructions|prompt|message|notes|override")},
       .base = 8,
       .imperative = 2,
       .context = 4,
       .wants = kAll,
       .reach = Reach::kLine},

      // --- Role play -------------------------------------------------------------------------
      {.name = kRolePlay,
       .slots = {W("pretend"), Opt("that"),
                 W("you are|youre|you re|to be|you were|you have become|youve become")},
       .base = 6,
       .context = 4,
       .wants = kAll},
      {.name = kRolePlay,
       .slots = {W("act as|acting as|act like|behave as|behave like|roleplay as|role play as|"
                   "play the role of|take the role of|assume the role of|"
                   "take on the role of|respond as|answer as|speak as|serve as|"
                   "you will act as|you are acting as|you are playing"),
                 Any("a|an|the|my|if you were|if you are|though you were|though you are|"
                     "our|this|course|very|lenient|generous|kind|human"),
                 W(kRoles)},
       .base = 6,
       .imperative = 4,
       .context = 4,
       .wants = kDemands | kPersonas},
      {.name = kRolePlay,
       .slots = {W("you are|youre|you re|you will be|be|you are now|youre now"), Opt("a|an|the|my"),
                 Opt("very|extremely|really|super|more"),
                 W("lenient|generous|kind|nice|easy|easygoing|easy going|friendly|soft|"
                   "relaxed|forgiving"),
                 W("grader|teacher|examiner|marker|evaluator|instructor|assessor|ta|"
                   "professor|judge|ai grader|ai")}},
      {.name = kRolePlay,
       .slots = {W("you are now|youre now|you re now|from now on you are|"
                   "from now on youre|from now on you will be|you will now be|now you are|"
                   "you have become|you are going to be|you will be acting as")},
       .base = 6,
       .context = 4,
       .wants = kAll},
      {.name = kRolePlay,
       .slots = {W("from now on|from this point on|from here on|henceforth|going forward"),
                 W("you|your")},
       .base = 6,
       .context = 4,
       .wants = kAll},

      // --- Jailbreaks ------------------------------------------------------------------------
      {.name = kJailbreak, .slots = {W("do anything now")}},
      {.name = kJailbreak, .slots = {W("dan"), W("mode|prompt|jailbreak|persona|protocol")}},
      {.name = kJailbreak,
       .slots = {W("you are now|youre now|act as|stay in character as|you are going to act as|"
                   "pretend to be|you will act as|roleplay as|role play as"),
                 W("dan")}},
      {.name = kJailbreak,
       .slots = {W("you are|youre|you re|you will be|become"), W("dan")},
       .base = 6,
       .context = 4,
       .wants = kAll},
      {.name = kJailbreak,
       .slots = {W("enable|enabled|activate|activated|enter|entering|switch to|switch into|"
                   "turn on|now in|unlock|unlocked|with|in|engage|initiate|start"),
                 W(kModes)},
       .base = 6,
       .context = 4,
       .wants = kAll},
      {.name = kJailbreak,
       .slots = {W(kModes), W("enabled|activated|on|unlocked|engaged")},
       .base = 6,
       .imperative = 2,
       .context = 4,
       .wants = kAll},
      {.name = kJailbreak,
       .slots = {W("you are|youre|you re|you are now|youre now"),
                 Opt("in|running in|operating in|now in"), W(kModes)}},
      {.name = kJailbreak,
       .slots = {W("jailbreak|jailbroken|jailbreaking|jailbreaked")},
       .base = 5,
       .imperative = 2,
       .context = 4,
       .wants = kAll},
      {.name = kJailbreak,
       .slots = {W("you are|youre|you re|you are now|youre now"), W("no longer"),
                 W("an ai|a language model|an assistant|bound|restricted|limited|a grader|"
                   "constrained|censored|filtered|required to follow")}},
      {.name = kJailbreak,
       .slots = {W("ignore|bypass|disable|turn off|remove|override|forget|drop|lift|"
                   "circumvent|break"),
                 Any("all|any|of|the"), W("your"), Any("safety|content|ethical"),
                 W("filters|filter|restrictions|guardrails|safeguards|limitations|safety|"
                   "policies|content policy|guidelines|alignment|programming|training|"
                   "rules|constraints")}},
  };
  return kRules;
}

struct Span {
  std::string_view rule;
  std::size_t begin, end;  // folded indices
};

// A rule matched at letters [i, e): its span when it scores enough; records weak hits (at least
// half the threshold) for the hidden-text rule.
void Judge(const Text& t, const Rule& r, std::size_t i, std::size_t e, std::vector<Span>* out,
           std::vector<std::size_t>* weak) {
  const std::string& s = t.f.text;
  if (!r.then.empty()) {
    std::size_t x = FoldedAfter(t, e);
    while (x < s.size() &&
           (s[x] == ' ' || s[x] == '*' || s[x] == '_' || s[x] == ']' || s[x] == ')')) {
      ++x;
    }
    if (x >= s.size() || r.then.find(s[x]) == kNone) return;
    if (StartsWith(s, x, "::") || StartsWith(s, x, ":/")) return;  // C++ scopes, URLs
  }
  if (r.where == Where::kHeading && !IsHeading(t, i, e)) return;
  int score = r.base;
  std::size_t begin = t.l.at[i];
  if (r.imperative > 0) {
    if (const std::size_t lead = ImperativeStart(t, i); lead != kNone) {
      score += r.imperative;
      begin = t.l.at[lead];  // "please", "you must": part of the demand
    }
  }
  // A marker that opens a line takes the line's decoration with it ("### System", "**System:**").
  if (r.reach == Reach::kLine && OpensLine(t, i)) begin = BeforeDecoration(t, i);
  const std::size_t matched_end = FoldedAfter(t, e);
  std::size_t context_end = 0;
  if (r.context > 0 && score + r.context >= kThreshold) {
    const std::size_t c = ContextEnd(t, matched_end);
    if (HasContext(t, r.wants, matched_end, c)) score += r.context, context_end = c;
  }
  if (score * 2 >= kThreshold) weak->push_back(t.l.at[i]);
  if (score < kThreshold) return;
  std::size_t end = r.reach == Reach::kLine ? LineEnd(t, matched_end) : SentenceEnd(t, matched_end);
  end = std::max({end, context_end, matched_end});
  out->push_back({r.name, begin, end});
}

// =============================================================================================
// Rules that read the folded text's punctuation.

// Whether the letters of folded [b, e) were written in capitals (or are not ASCII there).
bool InCapitals(const Text& t, std::size_t b, std::size_t e) {
  for (std::size_t k = b; k < e; ++k) {
    const char folded = t.f.text[k];
    const char original = t.answer[t.f.from[k]];
    if (folded >= 'a' && folded <= 'z' && original == folded) return false;
  }
  return true;
}

// "<|im_start|>", "[INST]", "<<SYS>>", "<start_of_turn>": tokens of chat templates, which only
// a prompt, never an answer, needs. The span runs to the end of the line, or to the closing
// token when one follows.
void FindChatTemplates(const Text& t, std::vector<Span>* out) {
  const std::string& s = t.f.text;
  static constexpr std::string_view kClosers[] = {"<|im_end|>", "<|eot_id|>", "<|end|>",
                                                  "[/inst]",    "<</sys>>",   "<end_of_turn>"};
  for (std::size_t x = 0; x < s.size(); ++x) {
    std::size_t e = kNone;
    if (StartsWith(s, x, "<|")) {
      std::size_t k = x + 2;
      while (k < s.size() && k < x + 40 && (IsAlnum(s[k]) || s[k] == '_' || s[k] == ' ')) ++k;
      if (k > x + 2 && StartsWith(s, k, "|>")) e = k + 2;
    } else {
      for (std::string_view token :
           {"[inst]", "[/inst]", "<<sys>>", "<</sys>>", "[system]", "[sys]", "[system message]",
            "[system prompt]", "[assistant]", "[admin]", "[developer]"}) {
        // In capitals, as Llama writes them: "[Inst]" is a Rust slice type.
        if (StartsWith(s, x, token) && InCapitals(t, x, x + token.size())) e = x + token.size();
      }
      for (std::string_view token : {"<start_of_turn>", "<end_of_turn>"}) {
        if (StartsWith(s, x, token)) e = x + token.size();
      }
    }
    if (e == kNone) continue;
    std::size_t end = LineEnd(t, e);
    for (std::string_view closer : kClosers) {
      const std::size_t c = FindWithin(s, closer, e, 600);
      if (c != kNone) end = std::max(end, c + closer.size());
    }
    out->push_back({kTemplate, x, end});
    x = e - 1;
  }
}

// Closing the delimiters a prompt puts around the answer ("</student_answer>"), or opening a
// privileged section ("<system>", "<grader_instructions>").
void FindDelimiterTags(const Text& t, std::vector<Span>* out) {
  const std::string& s = t.f.text;
  static constexpr std::string_view kOurs[] = {
      "student_answer",     "student_answers", "studentanswer",    "answer",
      "student_submission", "submission",      "student_response", "user_input",
      "student_work",       "student_text",    "student_essay"};
  static constexpr std::string_view kPrivileged[] = {"system",
                                                     "system_prompt",
                                                     "instructions",
                                                     "instruction",
                                                     "grader",
                                                     "grader_instructions",
                                                     "grading_instructions",
                                                     "grader_notes",
                                                     "admin",
                                                     "rubric",
                                                     "assistant",
                                                     "user",
                                                     "developer",
                                                     "teacher_notes",
                                                     "grading",
                                                     "evaluation",
                                                     "input",
                                                     "prompt"};
  for (std::size_t x = s.find('<'); x != kNone; x = s.find('<', x + 1)) {
    std::size_t k = x + 1;
    const bool closing = k < s.size() && s[k] == '/';
    if (closing) ++k;
    while (k < s.size() && s[k] == ' ') ++k;
    std::string name;
    while (k < s.size() && (IsAlnum(s[k]) || s[k] == '_' || s[k] == '-') && name.size() < 40) {
      name.push_back(s[k] == '-' ? '_' : s[k]);
      ++k;
    }
    while (k < s.size() && s[k] == ' ') ++k;
    if (name.empty() || k >= s.size() || s[k] != '>') continue;
    const std::size_t e = k + 1;
    const bool ours = std::find(std::begin(kOurs), std::end(kOurs), name) != std::end(kOurs);
    const bool privileged =
        std::find(std::begin(kPrivileged), std::end(kPrivileged), name) != std::end(kPrivileged);
    int score = 0;
    // Our own delimiter closes only in an attack; "<answer>" also formats honest answers.
    if (ours) score = name.find("student") != kNone ? kThreshold : 6;
    if (privileged) score = 6;
    if (score == 0) continue;
    std::size_t end = LineEnd(t, e);
    if (score < kThreshold) {
      const std::size_t c = ContextEnd(t, e);
      if (!HasContext(t, kDemands | kGraders, e, c)) continue;
      end = std::max(end, c);
    }
    out->push_back({kDelimiter, x, end});
  }
}

// JSON (or a JavaScript object) shaped like a grade: {"score": 10, "feedback": "..."}.
void FindFakeGrades(const Text& t, std::vector<Span>* out) {
  const std::string& s = t.f.text;
  static constexpr std::string_view kGradeKeys[] = {"score",
                                                    "scores",
                                                    "total_score",
                                                    "final_score",
                                                    "points",
                                                    "total_points",
                                                    "total",
                                                    "grade",
                                                    "final_grade",
                                                    "marks",
                                                    "mark",
                                                    "rating",
                                                    "awarded",
                                                    "breakdown",
                                                    "max_score",
                                                    "max_points",
                                                    "criterion_scores",
                                                    "criteria_scores",
                                                    "points_awarded",
                                                    "score_awarded"};
  static constexpr std::string_view kVerdictKeys[] = {
      "feedback",  "citations", "comment",  "comments", "justification", "rationale",
      "reasoning", "criterion", "criteria", "verdict",  "explanation"};
  auto is_in = [](std::span<const std::string_view> set, std::string_view key) {
    return std::find(set.begin(), set.end(), key) != set.end();
  };
  for (std::size_t x = s.find('{'); x != kNone; x = s.find('{', x + 1)) {
    const std::size_t start = x;
    std::vector<std::string> grade_keys;
    bool verdict = false, top = false;
    int depth = 0;
    std::size_t k = x;
    std::string last_key;
    auto add_key = [&](std::string key, std::size_t after) {
      std::replace(key.begin(), key.end(), '-', '_');
      std::replace(key.begin(), key.end(), ' ', '_');
      std::size_t v = after;
      while (v < s.size() && s[v] == ' ') ++v;
      std::size_t n = v;
      while (n < s.size() && (IsDigit(s[n]) || s[n] == '.')) ++n;
      const std::string_view number = std::string_view(s).substr(v, n - v);
      if (is_in(kGradeKeys, key)) {
        if (std::find(grade_keys.begin(), grade_keys.end(), key) == grade_keys.end()) {
          grade_keys.push_back(key);
        }
        // A forged grade claims the top of a scale; "score": 8 is more likely a data example.
        top |= number == "10" || number == "100" || number == "20" || number == "10.0" ||
               number == "100.0" || number == "1.0";
      }
      verdict |= is_in(kVerdictKeys, key);
    };
    for (; k < s.size() && k < x + 4000; ++k) {
      const char c = s[k];
      if (c == '{' || c == '[') {
        ++depth;
      } else if (c == '}' || c == ']') {
        if (--depth == 0) break;
      } else if (c == '"' || c == '\'') {
        std::size_t q = k + 1;
        while (q < s.size() && s[q] != c && s[q] != '\n' && q < k + 200) q += s[q] == '\\' ? 2 : 1;
        if (q >= s.size() || s[q] != c) continue;
        std::size_t a = q + 1;
        while (a < s.size() && s[a] == ' ') ++a;
        if (a < s.size() && s[a] == ':') add_key(s.substr(k + 1, q - k - 1), a + 1);
        k = q;
      } else if (IsAlnum(c) || c == '_') {
        // A bare key, JavaScript style: {score: 10}.
        std::size_t b = k;
        while (b > x && s[b - 1] == ' ') --b;
        std::size_t q = k;
        while (q < s.size() && (IsAlnum(s[q]) || s[q] == '_')) ++q;
        std::size_t a = q;
        while (a < s.size() && s[a] == ' ') ++a;
        if ((s[b - 1] == '{' || s[b - 1] == ',') && a < s.size() && s[a] == ':') {
          add_key(s.substr(k, q - k), a + 1);
        }
        k = q - 1;
      }
    }
    const std::size_t end = std::min(k + 1, s.size());
    // Nested objects were read with this one: go on after it, so each byte is read once.
    x = end - 1;
    if (grade_keys.empty()) continue;
    int score = 6 + 3 * static_cast<int>(grade_keys.size() - 1) + (verdict ? 3 : 0) + (top ? 2 : 0);
    if (std::find(grade_keys.begin(), grade_keys.end(), "breakdown") != grade_keys.end()) {
      score += 4;
    }
    // A fence or a request to output it makes it a reply, not a data example.
    std::size_t begin = start;
    std::size_t b = start;
    while (b > 0 && (s[b - 1] == ' ' || s[b - 1] == '\n')) --b;
    // The same line before it, at most 80 bytes.
    std::string_view before = std::string_view(s).substr(b > 80 ? b - 80 : 0, b > 80 ? 80 : b);
    if (const std::size_t nl = before.rfind('\n'); nl != kNone) before.remove_prefix(nl + 1);
    std::size_t fence_end = end;
    if (before.ends_with("```json") || before.ends_with("```")) {
      score += 3;
      begin = b - (before.ends_with("```json") ? 7 : 3);
      std::size_t a = end;
      while (a < s.size() && (s[a] == ' ' || s[a] == '\n')) ++a;
      if (StartsWith(s, a, "```")) fence_end = a + 3;
    } else {
      for (std::string_view lead : {"output", "respond", "reply", "final grade", "final score",
                                    "grader output", "grading result"}) {
        if (before.find(lead) != kNone) {
          score += 3;
          break;
        }
      }
    }
    if (score >= kThreshold) out->push_back({kFakeGrade, begin, fence_end});
  }
}

// "Rubric:" at the start of a line, followed by points and something that gives them away.
void FindFakeRubrics(const Text& t, std::vector<Span>* out) {
  static const Pattern kRubric = {
      Opt("new|updated|revised|official|actual|real|correct|true|hidden|secret|grading|"
          "marking|scoring"),
      W("rubric|marking scheme|grading scheme|scoring guide|grading guide|answer key|"
        "mark scheme|grading criteria|marking criteria|scoring rubric")};
  static const Pattern kQualified = {
      W("new|updated|revised|official|actual|real|correct|true|hidden|secret")};
  static const Pattern kPoints = {Number(), W("points|point|pts|marks|mark|p")};
  static const Pattern kGiveaway = {
      W("any answer|every answer|all answers|this answer|always|regardless|automatically|"
        "no matter|this submission|this student")};
  const std::string& s = t.f.text;
  for (std::size_t i = 0; i < t.l.size(); ++i) {
    const std::size_t e = MatchPattern(t, kRubric, i);
    if (e == kNone || !OpensLine(t, i)) continue;
    std::size_t x = FoldedAfter(t, e);
    while (x < s.size() && (s[x] == ' ' || s[x] == '*' || s[x] == '#')) ++x;
    if (x < s.size() && s[x] != ':' && s[x] != '\n') continue;
    const std::size_t block_end = std::min({FindWithin(s, "\n\n", x, 500), x + 500, s.size()});
    int score = 5;
    if (MatchPattern(t, kQualified, i) != kNone) score += 3;
    bool points = false, giveaway = HasContext(t, kDemands, x, block_end);
    for (std::size_t j = LetterAt(t, x); j < t.l.size() && t.l.at[j] < block_end; ++j) {
      points |= MatchPattern(t, kPoints, j) != kNone || MatchGrade(t, j) != kNone;
      giveaway |= MatchPattern(t, kGiveaway, j) != kNone;
    }
    score += (points ? 3 : 0) + (giveaway ? 4 : 0);
    if (score >= kThreshold) out->push_back({kFakeRubric, t.l.at[i], block_end});
    i = e;
  }
}

// Text a reader does not see but a model does: HTML comments, Markdown link-reference
// comments, elements styled invisible. Flagged when it says anything about grading.
void FindHiddenText(const Text& t, const std::vector<std::size_t>& weak, std::vector<Span>* out) {
  const std::string& s = t.f.text;
  auto flag_if_addressing = [&](std::size_t begin, std::size_t end) {
    const bool hit =
        std::any_of(weak.begin(), weak.end(), [&](std::size_t w) { return w >= begin && w < end; });
    if (hit || HasContext(t, kDemands | kGraders, begin, end)) {
      out->push_back({kHidden, begin, end});
    }
  };
  for (std::size_t x = s.find("<!--"); x != kNone; x = s.find("<!--", x + 4)) {
    const std::size_t c = s.find("-->", x + 4);
    // An unclosed comment hides the rest of the answer.
    flag_if_addressing(x, c == kNone ? s.size() : c + 3);
    if (c == kNone) break;
    x = c;
  }
  for (std::string_view marker : {"[//]: #", "[//]:#", "[comment]: #", "[comment]:#"}) {
    for (std::size_t x = s.find(marker); x != kNone; x = s.find(marker, x + 1)) {
      if (x == 0 || s[x - 1] == '\n') flag_if_addressing(x, LineEnd(t, x));
    }
  }
  for (std::string_view style :
       {"display:none", "display: none", "visibility:hidden", "visibility: hidden", "font-size:0",
        "font-size: 0", "opacity:0", "opacity: 0", "color:white", "color: white", "color:#fff",
        "color: #fff"}) {
    for (std::size_t x = s.find(style); x != kNone; x = s.find(style, x + 1)) {
      // An inline style attribute, not a style sheet.
      const std::size_t from = x > 200 ? x - 200 : 0;
      const std::size_t back = std::string_view(s).substr(from, x - from).rfind('<');
      if (back == kNone) continue;
      const std::size_t open = from + back;
      const std::size_t attribute = FindWithin(s, "style", open, x - open);
      if (attribute >= x || FindWithin(s, ">", open, x - open) < x ||
          StartsWith(s, open, "<style")) {
        continue;
      }
      const std::size_t gt = FindWithin(s, ">", x, 200);
      if (gt == kNone) continue;
      const std::size_t close = FindWithin(s, "</", gt, 1000);
      const std::size_t close_end = close == kNone ? kNone : FindWithin(s, ">", close, 100);
      const std::size_t end = close_end == kNone ? std::min(s.size(), gt + 1000) : close_end + 1;
      flag_if_addressing(open, end);
      x = end - 1;
    }
  }
}

// Without spans inside other spans; overlapping spans of one rule merged.
std::vector<Span> Tidy(std::vector<Span> spans) {
  std::sort(spans.begin(), spans.end(), [](const Span& a, const Span& b) {
    return a.begin != b.begin ? a.begin < b.begin : a.end > b.end;
  });
  std::vector<Span> kept;
  for (const Span& s : spans) {
    if (s.end <= s.begin) continue;
    if (!kept.empty() && s.end <= kept.back().end) continue;  // inside the last one
    if (!kept.empty() && s.rule == kept.back().rule && s.begin < kept.back().end) {
      kept.back().end = s.end;
      continue;
    }
    kept.push_back(s);
  }
  return kept;
}

// An excerpt for one line of text: invisible characters dropped (tag characters shown as the
// ASCII they hide), whitespace collapsed, at most about 80 bytes.
std::string Printable(std::string_view excerpt) {
  std::string out;
  bool space = false;
  for (std::size_t i = 0, len = 1; i < excerpt.size(); i += len) {
    const char32_t cp = Decode(excerpt, i, &len);
    if (IsWhitespace(cp) || cp == '\n' || cp == 0x2028 || cp == 0x2029) {
      space = true;
      continue;
    }
    const bool tag = InRange(cp, 0xE0020, 0xE007E);
    if (!tag && (cp < 0x20 || cp == 0x7F || IsInvisible(cp))) continue;
    if (space && !out.empty()) out.push_back(' ');
    space = false;
    if (tag) {
      out.push_back(static_cast<char>(cp - 0xE0000));
    } else if (cp == 0xFFFD) {
      out += "\xEF\xBF\xBD";
    } else {
      out.append(excerpt.substr(i, len));
    }
  }
  constexpr std::size_t kMax = 80;
  if (out.size() > kMax) {
    out.resize(Utf8Prefix(out, kMax - 3).size());
    out += "...";
  }
  return out;
}

}  // namespace

std::string InjectionReport::Reason() const {
  if (findings.empty()) return "";
  constexpr std::size_t kShown = 3;
  std::string out = "the answer addresses the grader: ";
  for (std::size_t i = 0; i < findings.size() && i < kShown; ++i) {
    if (i > 0) out += "; ";
    out += '\'';
    out += Printable(findings[i].excerpt);
    out += "' (";
    out += findings[i].rule;
    out += ')';
  }
  if (findings.size() > kShown) {
    out += "; and ";
    out += std::to_string(findings.size() - kShown);
    out += " more";
  }
  return out;
}

InjectionReport DetectInjection(std::string_view answer) {
  Text t{answer, FoldAnswer(answer), {}};
  t.l = LettersOf(t.f.text);
  std::vector<Span> spans;
  std::vector<std::size_t> weak;
  const auto& rules = Rules();
  for (std::size_t i = 0; i < t.l.size(); ++i) {
    if (!t.l.Boundary(i)) continue;
    for (const Rule& r : rules) {
      const std::size_t e = MatchPattern(t, r.slots, i);
      if (e != kNone) Judge(t, r, i, e, &spans, &weak);
    }
  }
  FindChatTemplates(t, &spans);
  FindDelimiterTags(t, &spans);
  FindFakeGrades(t, &spans);
  FindFakeRubrics(t, &spans);
  FindHiddenText(t, weak, &spans);

  InjectionReport report;
  for (const Span& s : Tidy(std::move(spans))) {
    InjectionFinding f;
    f.rule = std::string(s.rule);
    f.begin = t.f.from[s.begin];
    f.end = t.f.to[s.end - 1];
    f.excerpt = std::string(answer.substr(f.begin, f.end - f.begin));
    report.findings.push_back(std::move(f));
  }
  return report;
}

std::string WithoutFindings(std::string_view answer, const InjectionReport& report) {
  std::vector<std::pair<std::size_t, std::size_t>> spans;
  for (const InjectionFinding& f : report.findings) {
    const std::size_t b = std::min(f.begin, answer.size());
    const std::size_t e = std::min(std::max(f.end, b), answer.size());
    if (e > b) spans.emplace_back(b, e);
  }
  std::sort(spans.begin(), spans.end());
  std::string out;
  std::size_t at = 0;
  for (std::size_t i = 0; i < spans.size();) {
    const std::size_t b = spans[i].first;
    std::size_t e = spans[i].second;
    for (++i; i < spans.size() && spans[i].first <= e; ++i) e = std::max(e, spans[i].second);
    out.append(answer.substr(at, b - at));
    out.push_back(' ');
    at = e;
  }
  out.append(answer.substr(at));
  return out;
}

}  // namespace ag
