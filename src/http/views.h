// The wire shapes of the API's resources: the original service's fields first, in its order,
// then this service's additions (clients of the original ignore fields they do not know).
#pragma once

#include "core/json.h"
#include "store/account_store.h"
#include "store/store.h"

namespace ag {

Json AssignmentView(const Assignment& a);
Json SubmissionView(const Submission& s);
Json GradeView(const Grade& g);
// As a student sees them: no reference answer; no score or feedback before the release.
Json StudentAssignmentView(const Assignment& a);
Json StudentSubmissionView(const Submission& s, bool grade_released);

Json UserView(const User& u);  // never the password hash
Json CourseView(const Course& c, std::optional<CourseRole> role = std::nullopt);
Json EnrollmentView(const Enrollment& e);
Json ApiKeyView(const ApiKey& k);
Json AuditView(const AuditEntry& e);

}  // namespace ag
