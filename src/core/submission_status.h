#pragma once

#include <optional>
#include <string_view>

namespace ag {

// queued -> grading -> done | needs_review | error. A submission in done or needs_review is
// final: no redelivered job may change it (only an explicit regrade).
enum class SubmissionStatus { kQueued, kGrading, kDone, kNeedsReview, kError };

std::string_view ToString(SubmissionStatus s);
std::optional<SubmissionStatus> ParseSubmissionStatus(std::string_view s);
inline bool IsFinal(SubmissionStatus s) {
  return s == SubmissionStatus::kDone || s == SubmissionStatus::kNeedsReview;
}

}  // namespace ag
