// The wire shapes of the API's resources: the original service's fields first, in its order,
// then this service's additions (clients of the original ignore fields they do not know).
#pragma once

#include "core/json.h"
#include "store/store.h"

namespace ag {

Json AssignmentView(const Assignment& a);
Json SubmissionView(const Submission& s);
Json GradeView(const Grade& g);

}  // namespace ag
