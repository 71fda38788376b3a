#include "grading/pipeline.h"

#include <chrono>
#include <cmath>

#include "grading/injection_detector.h"

namespace ag {
namespace {

double SecondsSince(std::chrono::steady_clock::time_point start) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
}

}  // namespace

struct PreparedGrade {
  SubmissionId id;
  JobContext ctx;
  Assignment assignment;
  InjectionReport injection;
  std::string graded_text;
  std::string student_id;
  Retrieval evidence;
  std::chrono::steady_clock::time_point started;
  std::chrono::steady_clock::time_point grade_started;
  double grader_ms = 0;

  GradingRequest Request() const {
    return {
        assignment.question, assignment.reference_answer, assignment.rubric, graded_text, evidence,
        assignment.id,       assignment.rubric_version,   student_id};
  }
};

Status GradingPipeline::Run(SubmissionId id, const JobContext& ctx, std::stop_token stop) {
  ASSIGN_OR_RETURN(std::shared_ptr<PreparedGrade> prepared, Prepare(id, ctx));
  if (!prepared) return OkStatus();
  prepared->grade_started = std::chrono::steady_clock::now();
  Result<GraderOutput> output = grader_.Grade(prepared->Request(), stop);
  prepared->grader_ms = SecondsSince(prepared->grade_started) * 1000;
  return Finish(*prepared, std::move(output));
}

void GradingPipeline::Begin(SubmissionId id, const JobContext& ctx, std::stop_token stop,
                            std::function<void(FinishStep)> graded) {
  auto prepared = Prepare(id, ctx);
  if (!prepared.ok() || !*prepared) {
    Status outcome = prepared.status();
    graded([outcome] { return outcome; });
    return;
  }
  std::shared_ptr<PreparedGrade> p = *prepared;
  p->grade_started = std::chrono::steady_clock::now();
  grader_.GradeAsync(p->Request(), std::move(stop),
                     [this, p, graded = std::move(graded)](Result<GraderOutput> output) mutable {
                       p->grader_ms = SecondsSince(p->grade_started) * 1000;
                       graded([this, p, output = std::move(output)]() mutable {
                         return Finish(*p, std::move(output));
                       });
                     });
}

// load, screen, retrieve. Null when the submission needs no grading (graded already, or
// finished meanwhile).
Result<std::shared_ptr<PreparedGrade>> GradingPipeline::Prepare(SubmissionId id,
                                                                const JobContext& ctx) {
  auto p = std::make_shared<PreparedGrade>();
  p->id = id;
  p->ctx = ctx;
  p->started = std::chrono::steady_clock::now();

  // load
  ASSIGN_OR_RETURN(Submission submission, store_.GetSubmission(id));
  if (IsFinal(submission.status)) {
    auto existing = store_.GetGrade(id);
    if (existing.ok()) return std::shared_ptr<PreparedGrade>();  // a redelivered job
    if (existing.status().code() != StatusCode::kNotFound) return existing.status();
  }
  ASSIGN_OR_RETURN(p->assignment, store_.GetAssignment(submission.assignment_id));
  const Assignment& assignment = p->assignment;
  if (Status s = store_.MarkGrading(id, clock_.Now()); !s.ok()) {
    if (s.code() == StatusCode::kFailedPrecondition) {
      return std::shared_ptr<PreparedGrade>();  // finished meanwhile
    }
    return s;
  }
  metrics_.requests.Inc();

  // An answer that addresses the grader is graded without those passages (they earn nothing)
  // and goes to a person for review, on every grader.
  p->injection = DetectInjection(submission.text);
  p->student_id = submission.student_id;
  p->graded_text = p->injection.suspicious() ? WithoutFindings(submission.text, p->injection)
                                             : std::move(submission.text);

  // retrieve: per criterion and over the whole answer
  std::vector<RetrievalQuery> queries;
  queries.push_back({"answer", p->graded_text});
  for (const Criterion& c : assignment.rubric.criteria()) {
    std::string text = c.description;
    for (const auto& l : c.levels) text += "\n" + l.description;
    queries.push_back({c.key, std::move(text)});
  }
  ASSIGN_OR_RETURN(p->evidence, retriever_.Retrieve(assignment.id, queries, options_.top_k));
  return p;
}

// validate, persist, publish
Status GradingPipeline::Finish(PreparedGrade& p, Result<GraderOutput> graded) {
  if (!graded.ok()) return graded.status();
  GraderOutput& output = *graded;
  const SubmissionId id = p.id;
  const JobContext& ctx = p.ctx;
  const Assignment& assignment = p.assignment;
  const InjectionReport& injection = p.injection;
  const Retrieval& evidence = p.evidence;
  const double grader_ms = p.grader_ms;
  const auto started = p.started;

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
  save.provenance.parameters = output.parameters;
  Json scores = Json::array();  // the fused score of each retrieved chunk, in the same order
  for (const auto& c : evidence.chunks) {
    save.provenance.retrieved_chunk_ids.push_back(c.id);
    scores.push_back(std::round(c.score * 1e6) / 1e6);
  }
  save.provenance.parameters["retrieval_scores"] = std::move(scores);
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
