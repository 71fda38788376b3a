// Word-level text helpers shared by retrieval and the local grader.
#pragma once

#include <string>
#include <string_view>
#include <vector>

namespace ag {

// Lower-cased alphanumeric words of `text` (ASCII letters and digits; other bytes, including
// UTF-8 sequences, are kept inside words so that non-English text still tokenizes), without
// English stop words, each reduced by a light suffix stemmer ("graders" -> "grader").
std::vector<std::string> ContentWords(std::string_view text);

bool IsStopWord(std::string_view word);

// "testing" -> "test", "classes" -> "class", "studies" -> "study"; deliberately conservative.
std::string LightStem(std::string_view word);

// The first `max` words, comma-separated: "a, b, c".
std::string JoinWords(const std::vector<std::string>& words, std::size_t max);

// Splits into sentences at ., !, ? or line breaks; trims each; drops empty ones.
std::vector<std::string_view> Sentences(std::string_view text);

// The longest prefix of `text` of at most `max_bytes` that does not end inside a UTF-8 sequence.
std::string_view Utf8Prefix(std::string_view text, std::size_t max_bytes);

// True when `text` is well-formed UTF-8.
bool IsValidUtf8(std::string_view text);

}  // namespace ag
