#include "core/submission_status.h"

namespace ag {

std::string_view ToString(SubmissionStatus s) {
  switch (s) {
    case SubmissionStatus::kQueued:
      return "queued";
    case SubmissionStatus::kGrading:
      return "grading";
    case SubmissionStatus::kDone:
      return "done";
    case SubmissionStatus::kNeedsReview:
      return "needs_review";
    case SubmissionStatus::kError:
      return "error";
  }
  return "error";
}

std::optional<SubmissionStatus> ParseSubmissionStatus(std::string_view s) {
  if (s == "queued") return SubmissionStatus::kQueued;
  if (s == "grading") return SubmissionStatus::kGrading;
  if (s == "done") return SubmissionStatus::kDone;
  if (s == "needs_review") return SubmissionStatus::kNeedsReview;
  if (s == "error") return SubmissionStatus::kError;
  return std::nullopt;
}

}  // namespace ag
