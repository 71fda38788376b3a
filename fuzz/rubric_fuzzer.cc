// An assignment document (title, rubric, question, reference answer) and graded answers, read
// and checked as POST /assignments and POST .../graded-answers do.
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "service/assignment_service.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const ag::Json doc =
      ag::ParseJsonOrDiscarded(std::string_view(reinterpret_cast<const char*>(data), size));
  if (doc.is_discarded()) return 0;
  auto assignment = ag::ParseAssignment(doc, {"body"});
  if (!assignment.ok()) return 0;
  auto rubric = ag::Rubric::FromJson(assignment->rubric_json);
  if (!rubric.ok()) return 0;
  (void)rubric->max_score();
  if (auto answers = doc.find("answers"); answers != doc.end()) {
    (void)ag::ParseGradedAnswers(ag::Json{{"answers", *answers}}, *rubric, {"body"});
  }
  return 0;
}
