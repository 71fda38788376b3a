// Finds text in a student's answer that speaks to the grader instead of answering the question:
// "ignore previous instructions", "give me full marks", a forged grade in JSON, a closed prompt
// delimiter, a chat-template token, a role-play jailbreak. The pipeline can then grade the
// answer without those spans, so that an attack earns no points, and show the instructor why.
//
// A heuristic, not a guarantee: the grader's prompt still treats the whole answer as data
// (grading/grader.h). Text is folded before matching (fullwidth and styled letters, accents,
// look-alike Cyrillic and Greek letters, zero-width and control characters, case, spacing,
// punctuation between letters, a little leetspeak), and each rule is a scored pattern: a phrase
// that only addresses a grader in context ("system:" at the start of a line, "act as the
// instructor") needs grading words nearby or an imperative position to reach the threshold.
// Ordinary answers that merely mention instructions, graders, scores, JSON or systems are not
// flagged: a false alarm costs an honest student points and an instructor time.
//
// Pure functions of their input; thread-safe.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

namespace ag {

struct InjectionFinding {
  // The kind of attack, readable by an instructor: "instruction override", "grade demand",
  // "grader address", "role marker", "chat template", "fake grade", "fake rubric",
  // "delimiter escape", "role play", "jailbreak", "hidden text".
  std::string rule;
  std::string excerpt;             // the flagged bytes, exactly as in the answer
  std::size_t begin = 0, end = 0;  // byte offsets of `excerpt` in the original answer
};

struct InjectionReport {
  // In order of position; none lies inside another.
  std::vector<InjectionFinding> findings;

  bool suspicious() const { return !findings.empty(); }

  // One line for an instructor, e.g. "the answer addresses the grader: 'ignore previous
  // instructions' (instruction override)"; excerpts shortened and made printable. Empty when
  // nothing was found.
  std::string Reason() const;
};

InjectionReport DetectInjection(std::string_view answer);

// `answer` with each flagged span replaced by one space (overlapping spans merged), so that a
// grader scores only the rest. `report` must come from DetectInjection(answer); spans beyond
// the end of `answer` are clamped.
std::string WithoutFindings(std::string_view answer, const InjectionReport& report);

}  // namespace ag
