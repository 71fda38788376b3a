#include "scoring/ngram_vectorizer.h"

#include <algorithm>
#include <cctype>
#include <cmath>
#include <string>

#include "scoring/tokens.h"

namespace ag::scoring {
namespace {

// FNV-1a: stable across runs and platforms, so hashed features mean the same thing everywhere.
std::uint64_t Fnv1a(std::string_view s, std::uint64_t seed) {
  std::uint64_t h = 1469598103934665603ull ^ seed;
  for (unsigned char c : s) {
    h ^= c;
    h *= 1099511628211ull;
  }
  return h;
}

}  // namespace

TermCounts NgramVectorizer::Count(std::string_view text) const {
  TermCounts counts;
  const std::uint32_t mask = (1u << options_.hash_bits) - 1;
  const std::uint32_t char_base = 1u << options_.hash_bits;

  const std::vector<std::string> words = StemmedWords(text);
  std::string gram;
  for (int n = options_.word_min; n <= options_.word_max; ++n) {
    for (std::size_t i = 0; i + static_cast<std::size_t>(n) <= words.size(); ++i) {
      gram.clear();
      for (int k = 0; k < n; ++k) {
        if (k) gram.push_back(' ');
        gram += words[i + static_cast<std::size_t>(k)];
      }
      counts[static_cast<std::uint32_t>(Fnv1a(gram, 1)) & mask] += 1;
    }
  }

  // Character n-grams of each lower-cased word padded with spaces (" cell ", not the stem).
  std::string padded;
  auto add_word = [&](const std::string& w) {
    padded = " " + w + " ";
    for (int n = options_.char_min; n <= options_.char_max; ++n) {
      if (padded.size() < static_cast<std::size_t>(n)) break;
      for (std::size_t i = 0; i + static_cast<std::size_t>(n) <= padded.size(); ++i) {
        std::string_view g(padded.data() + i, static_cast<std::size_t>(n));
        counts[char_base + (static_cast<std::uint32_t>(Fnv1a(g, 2)) & mask)] += 1;
      }
    }
  };
  std::string word;
  for (unsigned char c : text) {
    if (std::isalnum(c) || c >= 0x80) {
      word.push_back(static_cast<char>(c < 0x80 ? std::tolower(c) : c));
    } else if (!word.empty()) {
      add_word(word);
      word.clear();
    }
  }
  if (!word.empty()) add_word(word);
  return counts;
}

void NgramVectorizer::Fit(const std::vector<TermCounts>& corpus) {
  std::unordered_map<std::uint32_t, int> df;
  for (const auto& doc : corpus) {
    for (const auto& [i, n] : doc) ++df[i];
  }
  const double docs = static_cast<double>(corpus.size());
  idf_.clear();
  idf_.reserve(df.size());
  for (const auto& [i, d] : df) {
    idf_[i] = static_cast<float>(std::log((1 + docs) / (1 + d)) + 1);
  }
  default_idf_ = static_cast<float>(std::log(1 + docs) + 1);
}

SparseVector NgramVectorizer::Transform(const TermCounts& counts) const {
  SparseVector v;
  v.entries.reserve(counts.size());
  for (const auto& [i, n] : counts) {
    auto it = idf_.find(i);
    const float idf = it == idf_.end() ? default_idf_ : it->second;
    v.entries.emplace_back(i, static_cast<float>((1 + std::log(n)) * idf));
  }
  std::sort(v.entries.begin(), v.entries.end());
  // Normalize each block on its own.
  const std::uint32_t char_base = 1u << options_.hash_bits;
  double words = 0, chars = 0;
  for (const auto& [i, x] : v.entries)
    (i < char_base ? words : chars) += static_cast<double>(x) * x;
  words = std::sqrt(words);
  chars = std::sqrt(chars);
  for (auto& [i, x] : v.entries) {
    const double n = i < char_base ? words : chars;
    if (n > 0) x = static_cast<float>(x / n / std::sqrt(2.0));
  }
  return v;
}

}  // namespace ag::scoring
