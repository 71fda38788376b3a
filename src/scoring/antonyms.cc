#include "scoring/antonyms.h"

#include <algorithm>
#include <charconv>
#include <optional>
#include <sstream>
#include <tuple>

#include "scoring/tokens.h"

namespace ag::scoring {
namespace {

// A synset line: "offset lex_filenum ss_type w_cnt word lex_id ... p_cnt ptr... | gloss", the
// word count in hex, a pointer "symbol offset pos source/target" with source and target word
// numbers as two hex digits each ("0000": the whole synset). "!" is an antonym.
struct Synset {
  std::vector<std::string> words;
  // (source word number, target synset key, target word number)
  std::vector<std::tuple<int, std::string, int>> antonyms;
};

std::optional<int> Hex(std::string_view s) {
  int v = 0;
  auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), v, 16);
  if (ec != std::errc() || end != s.data() + s.size()) return std::nullopt;
  return v;
}

std::optional<int> Decimal(std::string_view s) {
  int v = 0;
  auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
  if (ec != std::errc() || end != s.data() + s.size()) return std::nullopt;
  return v;
}

// Satellite adjectives ("s") share the adjective ("a") pointer space.
std::string Key(std::string_view pos, std::string_view offset) {
  return std::string(pos == "s" ? "a" : pos) + std::string(offset);
}

std::optional<std::pair<std::string, Synset>> ParseLine(const std::string& line) {
  if (line.empty() || line[0] == ' ') return std::nullopt;  // the licence header
  std::istringstream in(line.substr(0, line.find('|')));
  std::string offset, lex_file, type, count;
  if (!(in >> offset >> lex_file >> type >> count)) return std::nullopt;
  const auto n = Hex(count);
  if (!n) return std::nullopt;
  Synset s;
  for (int i = 0; i < *n; ++i) {
    std::string word, lex_id;
    if (!(in >> word >> lex_id)) return std::nullopt;
    word = word.substr(0, word.find('('));  // "galore(ip)": an adjective's syntactic marker
    std::replace(word.begin(), word.end(), '_', ' ');
    s.words.push_back(std::move(word));
  }
  std::string pointer_count;
  if (!(in >> pointer_count)) return std::nullopt;
  const auto pointers = Decimal(pointer_count);
  if (!pointers) return std::nullopt;
  for (int i = 0; i < *pointers; ++i) {
    std::string symbol, target, pos, words;
    if (!(in >> symbol >> target >> pos >> words) || words.size() != 4) return std::nullopt;
    if (symbol != "!") continue;
    const auto from = Hex(std::string_view(words).substr(0, 2));
    const auto to = Hex(std::string_view(words).substr(2, 2));
    if (!from || !to) return std::nullopt;
    s.antonyms.emplace_back(*from, Key(pos, target), *to);
  }
  return std::make_pair(Key(type, offset), std::move(s));
}

// A one-word lemma's stem; nullopt for phrases ("give up"), which an answer's single words
// cannot oppose.
std::optional<std::string> StemOf(const std::string& word) {
  auto stems = StemmedWords(word);
  if (stems.size() != 1) return std::nullopt;
  return std::move(stems.front());
}

}  // namespace

void Antonyms::Add(const std::string& word_a, const std::string& word_b) {
  const auto a = StemOf(word_a);
  const auto b = StemOf(word_b);
  if (!a || !b || *a == *b) return;
  auto& of_a = opposites_[*a];
  if (std::find(of_a.begin(), of_a.end(), *b) != of_a.end()) return;
  of_a.push_back(*b);
  opposites_[*b].push_back(*a);
  ++pairs_;
}

Antonyms Antonyms::FromWords(const std::vector<std::pair<std::string, std::string>>& pairs) {
  Antonyms out;
  for (const auto& [a, b] : pairs) out.Add(a, b);
  return out;
}

Antonyms Antonyms::FromWordNet(const std::vector<std::string>& data_files) {
  std::unordered_map<std::string, Synset> synsets;
  for (const auto& text : data_files) {
    std::istringstream in(text);
    for (std::string line; std::getline(in, line);) {
      if (auto parsed = ParseLine(line)) synsets.insert(std::move(*parsed));
    }
  }
  Antonyms out;
  for (const auto& [key, s] : synsets) {
    for (const auto& [from, target, to] : s.antonyms) {
      auto t = synsets.find(target);
      if (t == synsets.end() || from < 1 || to < 1) continue;
      if (from > static_cast<int>(s.words.size()) || to > static_cast<int>(t->second.words.size()))
        continue;
      out.Add(s.words[static_cast<std::size_t>(from - 1)],
              t->second.words[static_cast<std::size_t>(to - 1)]);
    }
  }
  return out;
}

bool Antonyms::Opposed(std::string_view a, std::string_view b) const {
  auto it = opposites_.find(std::string(a));
  if (it == opposites_.end()) return false;
  return std::find(it->second.begin(), it->second.end(), b) != it->second.end();
}

const std::vector<std::string>& Antonyms::OppositesOf(const std::string& stem) const {
  static const std::vector<std::string> kNone;
  auto it = opposites_.find(stem);
  return it == opposites_.end() ? kNone : it->second;
}

}  // namespace ag::scoring
