#include "scoring/tokens.h"

#include <libstemmer.h>

#include <cctype>
#include <memory>

#include "core/text.h"

namespace ag::scoring {
namespace {

struct StemmerDeleter {
  void operator()(sb_stemmer* s) const { sb_stemmer_delete(s); }
};

// A Snowball stemmer is not thread-safe; one per thread is cheap (a few hundred bytes).
std::string Stem(std::string_view word) {
  thread_local std::unique_ptr<sb_stemmer, StemmerDeleter> stemmer(
      sb_stemmer_new("english", nullptr));
  if (!stemmer) return std::string(word);
  const sb_symbol* out =
      sb_stemmer_stem(stemmer.get(), reinterpret_cast<const sb_symbol*>(word.data()),
                      static_cast<int>(word.size()));
  if (!out) return std::string(word);
  return std::string(reinterpret_cast<const char*>(out),
                     static_cast<std::size_t>(sb_stemmer_length(stemmer.get())));
}

bool IsWordByte(unsigned char c) { return std::isalnum(c) || c >= 0x80; }

// Calls `emit(raw_word, stem)` for each word.
template <typename Emit>
void ForEachWord(std::string_view text, Emit emit) {
  std::string word;
  auto flush = [&] {
    if (word.empty()) return;
    // "don't" arrives as "don" + "t": read the clitic as the negation it is.
    if (word == "t") {
      emit(std::string_view("not"), std::string("not"));
    } else {
      emit(std::string_view(word), Stem(word));
    }
    word.clear();
  };
  for (unsigned char c : text) {
    if (IsWordByte(c)) {
      word.push_back(static_cast<char>(c < 0x80 ? std::tolower(c) : c));
    } else {
      flush();
    }
  }
  flush();
}

}  // namespace

std::vector<std::string> StemmedWords(std::string_view text) {
  std::vector<std::string> words;
  ForEachWord(text, [&](std::string_view, std::string stem) { words.push_back(std::move(stem)); });
  return words;
}

bool IsNegation(std::string_view stem) {
  return stem == "not" || stem == "no" || stem == "never" || stem == "none" || stem == "nor" ||
         stem == "cannot" || stem == "nobodi" || stem == "noth" || stem == "nothing" ||
         stem == "neither";
}

std::vector<std::string> ContentStems(std::string_view text) {
  std::vector<std::string> out;
  ForEachWord(text, [&](std::string_view raw, std::string stem) {
    if (IsNegation(stem) || !IsStopWord(raw)) out.push_back(std::move(stem));
  });
  return out;
}

std::vector<ContentToken> ContentTokens(std::string_view text) {
  std::vector<ContentToken> out;
  ForEachWord(text, [&](std::string_view raw, std::string stem) {
    if (IsNegation(stem) || !IsStopWord(raw)) out.push_back({std::string(raw), std::move(stem)});
  });
  return out;
}

}  // namespace ag::scoring
