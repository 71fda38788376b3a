#include "http/views.h"

#include "core/time_format.h"

namespace ag {

Json AssignmentView(const Assignment& a) {
  return Json{{"id", a.id.value()},
              {"title", a.title},
              {"rubric", a.rubric_json},
              {"created_at", FormatIso8601(a.created_at)},
              {"question", a.question},
              {"reference_answer", a.reference_answer},
              {"rubric_version", a.rubric_version},
              {"max_score", JsonNumber(a.rubric.max_score())}};
}

Json SubmissionView(const Submission& s) {
  return Json{{"id", s.id.value()},
              {"assignment_id", s.assignment_id.value()},
              {"filename", s.filename},
              {"status", ToString(s.status)},
              {"score", s.score ? JsonNumber(*s.score) : Json(nullptr)},
              {"feedback", s.feedback ? Json(*s.feedback) : Json(nullptr)},
              {"created_at", FormatIso8601(s.created_at)},
              {"student_id", s.student_id.empty() ? Json(nullptr) : Json(s.student_id)},
              {"error", s.error.empty() ? Json(nullptr) : Json(s.error)},
              {"attempts", s.attempts},
              {"updated_at", FormatIso8601(s.updated_at)}};
}

Json GradeView(const Grade& g) {
  Json chunk_ids = Json::array();
  for (ChunkId id : g.provenance.retrieved_chunk_ids) chunk_ids.push_back(id.value());
  return Json{{"id", g.id.value()},
              {"submission_id", g.submission_id.value()},
              {"score", JsonNumber(g.result.score)},
              {"breakdown", BreakdownToJson(g.result.breakdown)},
              {"feedback", g.result.feedback},
              {"citations", CitationsToJson(g.result.citations)},
              {"created_at", FormatIso8601(g.created_at)},
              {"max_score", JsonNumber(g.result.max_score)},
              {"rubric_version", g.rubric_version},
              {"grader", g.provenance.grader},
              {"model", g.provenance.model},
              {"confidence", g.provenance.confidence},
              {"provenance", Json{{"prompt_hash", g.provenance.prompt_hash},
                                  {"retrieved_chunk_ids", chunk_ids},
                                  {"parameters", g.provenance.parameters},
                                  {"input_tokens", g.provenance.input_tokens},
                                  {"output_tokens", g.provenance.output_tokens},
                                  {"latency_ms", g.provenance.latency_ms}}}};
}

}  // namespace ag
