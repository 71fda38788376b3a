// What an LLM must not receive about a student: e-mail addresses and student numbers in the
// answer text (and the submitter's own id where it appears) are replaced by placeholders such
// as [EMAIL_1] before a request leaves, and put back into the feedback that comes back.
//
// Student numbers are told from the numbers an answer is about by their shape or their
// context: letters then 6 to 10 digits ("s1234567", "A01234567"), or a run of 6 to 12 digits
// after "student", "matric" or "id" within the 40 characters before it.
#pragma once

#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace ag {

struct Redaction {
  std::string text;  // with placeholders
  // Placeholder -> the original, in order of first appearance.
  std::vector<std::pair<std::string, std::string>> replaced;
};

// `known_id`: the submitter's id as the system knows it; redacted wherever it appears when it
// looks like an identifier (has a digit or an @), since a plain word could be the answer's.
Redaction RedactPii(std::string_view text, std::string_view known_id = {});

// Puts the originals back in place of their placeholders.
std::string RestorePii(std::string_view text, const Redaction& redaction);

}  // namespace ag
