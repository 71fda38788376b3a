#include "grading/pipeline.h"

#include <chrono>

#include "grading/injection_detector.h"

namespace ag {
namespace {

double SecondsSince(std::chrono::steady_clock::time_point start) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
}

}  // namespace

Status GradingPipeline::Run(SubmissionId id, const JobContext& ctx, std::stop_token stop) {
  const auto started = std::chrono::steady_clock::now();

  // load
  ASSIGN_OR_RETURN(Submission submission, store_.GetSubmission(id));
  if (IsFinal(submission.status)) {
    auto existing = store_.GetGrade(id);
    if (existing.ok()) return OkStatus();  // a redelivered job: the work is done
    if (existing.status().code() != StatusCode::kNotFound) return existing.status();
  }
  ASSIGN_OR_RETURN(Assignment assignment, store_.GetAssignment(submission.assignment_id));
  if (Status s = store_.MarkGrading(id, clock_.Now()); !s.ok()) {
    if (s.code() == StatusCode::kFailedPrecondition) return OkStatus();  // finished meanwhile
    return s;
  }
  metrics_.requests.Inc();

  // An answer that addresses the grader is graded without those passages (they earn nothing)
  // and goes to a person for review, on every grader.
  const InjectionReport injection = DetectInjection(submission.text);
  const std::string graded_text =
      injection.suspicious() ? WithoutFindings(submission.text, injection) : submission.text;

  // retrieve: per criterion and over the whole answer
  std::vector<RetrievalQuery> queries;
  queries.push_back({"answer", graded_text});
  for (const Criterion& c : assignment.rubric.criteria()) {
    std::string text = c.description;
    for (const auto& l : c.levels) text += "\n" + l.description;
    queries.push_back({c.key, std::move(text)});
  }
  ASSIGN_OR_RETURN(Retrieval evidence, retriever_.Retrieve(assignment.id, queries, options_.top_k));

  // grade
  const auto grade_started = std::chrono::steady_clock::now();
  GradingRequest request{
      assignment.question, assignment.reference_answer, assignment.rubric, graded_text, evidence,
      assignment.id,       assignment.rubric_version};
  ASSIGN_OR_RETURN(GraderOutput output, grader_.Grade(request, stop));
  const double grader_ms = SecondsSince(grade_started) * 1000;

  // validate
  std::map<ChunkId, std::string> chunk_texts;
  for (const auto& c : evidence.chunks) chunk_texts.emplace(c.id, c.text);
  ValidationNotes notes;
  auto validated = ValidateGrade(assignment.rubric, output.proposal, chunk_texts, &notes);
  if (!validated.ok()) {
    return AbortedError("grader output rejected: " + validated.status().message());
  }
  if (!notes.dropped_keys.empty() || notes.clamped > 0 || notes.dropped_citations > 0) {
    log_.Warn("grader output corrected", {{"submission_id", id.value()},
                                          {"job_id", ctx.job.value()},
                                          {"dropped_keys", notes.dropped_keys},
                                          {"clamped", notes.clamped},
                                          {"dropped_citations", notes.dropped_citations}});
  }

  // persist
  SaveGradeRequest save;
  save.submission_id = id;
  save.rubric_version = assignment.rubric_version;
  save.result = std::move(validated).value();
  save.provenance.grader = output.grader;
  save.provenance.model = output.model;
  save.provenance.prompt_hash = output.prompt_hash;
  for (const auto& c : evidence.chunks) save.provenance.retrieved_chunk_ids.push_back(c.id);
  save.provenance.parameters = output.parameters;
  save.provenance.parameters["top_k"] = options_.top_k;
  save.provenance.input_tokens = output.input_tokens;
  save.provenance.output_tokens = output.output_tokens;
  save.provenance.latency_ms = grader_ms;
  save.provenance.confidence = output.confidence;
  save.final_status = output.confidence < options_.review_below_confidence
                          ? SubmissionStatus::kNeedsReview
                          : SubmissionStatus::kDone;
  if (injection.suspicious()) {
    save.final_status = SubmissionStatus::kNeedsReview;
    save.provenance.parameters["injection"] = injection.Reason();
    save.result.feedback = "Flagged for review: " + injection.Reason() +
                           ". Those passages were "
                           "not graded. " +
                           save.result.feedback;
    log_.Warn("answer addresses the grader", {{"submission_id", id.value()},
                                              {"job_id", ctx.job.value()},
                                              {"reason", injection.Reason()}});
  }
  save.now = clock_.Now();
  ASSIGN_OR_RETURN(SaveGradeOutcome outcome, store_.SaveGrade(save));

  // publish
  const double seconds = SecondsSince(started);
  metrics_.duration.Observe(seconds);
  log_.Info("graded", {{"submission_id", id.value()},
                       {"job_id", ctx.job.value()},
                       {"attempt", ctx.attempt},
                       {"score", JsonNumber(save.result.score)},
                       {"max_score", JsonNumber(save.result.max_score)},
                       {"grader", output.grader},
                       {"status", ToString(save.final_status)},
                       {"written", outcome == SaveGradeOutcome::kWritten},
                       {"duration_ms", seconds * 1000}});
  return OkStatus();
}

}  // namespace ag
