// A Grader that keeps personal data from the grader it wraps (the LLM's): the answer goes out
// with e-mail addresses and student numbers replaced by placeholders (grading/pii_redactor.h),
// and the feedback, comments and quotes come back with the originals restored.
#pragma once

#include "grading/grader.h"

namespace ag {

class RedactingGrader final : public Grader {
 public:
  explicit RedactingGrader(Grader& inner) : inner_(inner) {}
  Result<GraderOutput> Grade(const GradingRequest& request, std::stop_token stop) override;
  void GradeAsync(const GradingRequest& request, std::stop_token stop, GradeDone done) override;

 private:
  Grader& inner_;
};

}  // namespace ag
