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
              {"max_score", JsonNumber(a.rubric.max_score())},
              {"course_id", a.course_id ? Json(a.course_id->value()) : Json(nullptr)},
              {"grades_released_at",
               a.grades_released_at ? Json(FormatIso8601(*a.grades_released_at)) : Json(nullptr)}};
}

Json StudentAssignmentView(const Assignment& a) {
  Json j = AssignmentView(a);
  j.erase("reference_answer");
  return j;
}

Json StudentSubmissionView(const Submission& s, bool grade_released) {
  Json j = SubmissionView(s);
  if (!grade_released) {
    j["score"] = nullptr;
    j["feedback"] = nullptr;
  }
  return j;
}

namespace {
Json OptionalTime(const std::optional<TimePoint>& t) {
  return t ? Json(FormatIso8601(*t)) : Json(nullptr);
}
}  // namespace

Json UserView(const User& u) {
  return Json{{"id", u.id.value()},       {"email", u.email},
              {"name", u.name},           {"role", std::string(ToString(u.role))},
              {"disabled", u.disabled()}, {"created_at", FormatIso8601(u.created_at)}};
}

Json CourseView(const Course& c, std::optional<CourseRole> role) {
  Json j{{"id", c.id.value()},
         {"code", c.code},
         {"title", c.title},
         {"created_at", FormatIso8601(c.created_at)}};
  if (role) j["my_role"] = std::string(ToString(*role));
  return j;
}

Json EnrollmentView(const Enrollment& e) {
  return Json{{"course_id", e.course_id.value()},
              {"user_id", e.user_id.value()},
              {"role", std::string(ToString(e.role))},
              {"email", e.email},
              {"name", e.name},
              {"created_at", FormatIso8601(e.created_at)}};
}

Json ApiKeyView(const ApiKey& k) {
  return Json{{"id", k.id.value()},
              {"course_id", k.course_id.value()},
              {"user_id", k.user_id.value()},
              {"name", k.name},
              {"created_at", FormatIso8601(k.created_at)},
              {"revoked_at", OptionalTime(k.revoked_at)}};
}

Json AuditView(const AuditEntry& e) {
  return Json{{"id", e.id},
              {"actor", e.actor},
              {"action", e.action},
              {"entity", e.entity},
              {"entity_id", e.entity_id},
              {"detail", e.detail},
              {"created_at", FormatIso8601(e.created_at)}};
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
              {"updated_at", FormatIso8601(s.updated_at)},
              {"user_id", s.user_id ? Json(s.user_id->value()) : Json(nullptr)}};
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
