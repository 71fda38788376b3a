// Reads a model's reply into a proposed grade, trusting nothing: the JSON may be wrapped in
// prose or a code fence, fields may be missing, mistyped or huge. InvalidArgument (with the
// reason, for the model's next attempt and the job's error) when the reply is unusable: not
// JSON, no object, or a rubric criterion without numeric points. Bounds, unknown criteria and
// citations are left to ValidateGrade (core/grade.h), as for every grader.
#pragma once

#include <string_view>

#include "core/grade.h"
#include "core/rubric.h"

namespace ag {

inline constexpr std::size_t kMaxReplyBytes = 1 << 20;

Result<ProposedGrade> ParseGradeReply(std::string_view content, const Rubric& rubric);

}  // namespace ag
