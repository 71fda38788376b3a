#include "grading/redacting_grader.h"

#include <memory>

#include "grading/pii_redactor.h"

namespace ag {
namespace {

Result<GraderOutput> Restored(Result<GraderOutput> output, const Redaction& redaction) {
  if (!output.ok() || redaction.replaced.empty()) return output;
  ProposedGrade& p = output->proposal;
  p.feedback = RestorePii(p.feedback, redaction);
  for (auto& [key, criterion] : p.breakdown) {
    criterion.comment = RestorePii(criterion.comment, redaction);
  }
  for (auto& citation : p.citations) citation.text = RestorePii(citation.text, redaction);
  return output;
}

}  // namespace

Result<GraderOutput> RedactingGrader::Grade(const GradingRequest& request, std::stop_token stop) {
  const Redaction redaction = RedactPii(request.answer, request.student_id);
  GradingRequest redacted = request;
  redacted.answer = redaction.text;
  redacted.student_id = {};
  return Restored(inner_.Grade(redacted, std::move(stop)), redaction);
}

void RedactingGrader::GradeAsync(const GradingRequest& request, std::stop_token stop,
                                 GradeDone done) {
  auto redaction = std::make_shared<const Redaction>(RedactPii(request.answer, request.student_id));
  GradingRequest redacted = request;
  redacted.answer = redaction->text;  // lives until the inner GradeAsync returns, as required
  redacted.student_id = {};
  inner_.GradeAsync(redacted, std::move(stop),
                    [redaction, done = std::move(done)](Result<GraderOutput> output) {
                      done(Restored(std::move(output), *redaction));
                    });
}

}  // namespace ag
