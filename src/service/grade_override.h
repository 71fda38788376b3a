// A person's grade for a submission (PUT /submissions/{id}/grade): it replaces the grader's, and
// the answer becomes a graded example the local grader learns from.
#pragma once

#include <string>
#include <vector>

#include "core/clock.h"
#include "core/json.h"
#include "store/store.h"

namespace ag {

// `body`: {"breakdown": {KEY: {"points": N, "comment"?: S} or N}, "feedback"?: S,
// "reason"?: S}. Criteria left out keep the current grade's points and comments; a submission
// without a grade needs every criterion. Points must lie within 0..max_points (a person's
// number is never clamped silently). InvalidArgument naming the field below `location`;
// NotFound when the submission does not exist. `actor` names who, in the grade's history.
// Returns the stored grade.
Result<Grade> OverrideGrade(Store& store, const Clock& clock, SubmissionId id, const Json& body,
                            const std::string& actor,
                            const std::vector<std::string>& location = {"body"});

}  // namespace ag
