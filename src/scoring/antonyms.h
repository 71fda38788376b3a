// Antonym pairs ("increase"/"decrease", "high"/"low", "absorb"/"reflect"), as stems, from
// WordNet's data files (Debian's wordnet-base). An answer that uses the opposite of a
// reference's word says the opposite of it, although its words overlap as much as a right
// answer's: the local grader reads this as a contradiction feature.
#pragma once

#include <string>
#include <string_view>
#include <unordered_map>
#include <utility>
#include <vector>

namespace ag::scoring {

class Antonyms {
 public:
  // The antonym pointers of WordNet 3.0 data files (the text of data.adj, data.adv, data.verb,
  // data.noun; app/wordnet.h reads them). A line that does not parse is skipped.
  static Antonyms FromWordNet(const std::vector<std::string>& data_files);
  // Pairs of words, each read in both directions (tests, and lists of one's own).
  static Antonyms FromWords(const std::vector<std::pair<std::string, std::string>>& pairs);

  // Whether the stems `a` and `b` are antonyms.
  bool Opposed(std::string_view a, std::string_view b) const;
  // The stems `stem` is opposed to; empty when none.
  const std::vector<std::string>& OppositesOf(const std::string& stem) const;
  std::size_t pairs() const { return pairs_; }

 private:
  void Add(const std::string& word_a, const std::string& word_b);
  std::unordered_map<std::string, std::vector<std::string>> opposites_;
  std::size_t pairs_ = 0;
};

}  // namespace ag::scoring
