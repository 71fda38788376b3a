// Tokens for the learned local grader: lower-cased words with Snowball English stems. Stop words
// are kept here (negations and small words carry meaning in short answers); ContentStems drops
// them for the overlap features.
#pragma once

#include <string>
#include <string_view>
#include <vector>

namespace ag::scoring {

// Words of `text`: ASCII letters and digits lower-cased, other UTF-8 bytes kept inside words,
// "n't" read as "not". Each word reduced to its Snowball English stem.
std::vector<std::string> StemmedWords(std::string_view text);

// StemmedWords without English stop words, but keeping negations ("not", "no", "never").
std::vector<std::string> ContentStems(std::string_view text);

bool IsNegation(std::string_view stem);

// ContentStems with the lower-cased word each stem came from ("cells" -> {"cells", "cell"}).
struct ContentToken {
  std::string word;
  std::string stem;
};
std::vector<ContentToken> ContentTokens(std::string_view text);

}  // namespace ag::scoring
