// Who may see and do what in a course. A caller's standing in a course is the highest of: admin
// (every course), the role of their enrollment there; an API key reaches only its own course.
// With auth off the local user is admin everywhere. Assignments without a course are admins'.
#pragma once

#include <optional>
#include <vector>

#include "auth/principal.h"
#include "store/account_store.h"
#include "store/store.h"

namespace ag {

enum class Standing { kNone, kStudent, kTa, kInstructor, kAdmin };

struct SubmissionAccess {
  Standing standing = Standing::kNone;
  bool owner = false;  // the caller submitted it
  Submission submission;
  Assignment assignment;
  // Its grade may be shown to this caller: staff always, the owner once released.
  bool grade_visible() const {
    return standing >= Standing::kTa || (owner && assignment.grades_released_at.has_value());
  }
};

class AccessPolicy {
 public:
  AccessPolicy(Store& store, AccountStore& accounts) : store_(store), accounts_(accounts) {}

  Result<Standing> InCourse(const Principal& p, std::optional<CourseId> course);
  // NotFound when the assignment does not exist.
  Result<Standing> InAssignment(const Principal& p, AssignmentId assignment);
  // NotFound when the submission does not exist.
  Result<SubmissionAccess> ForSubmission(const Principal& p, SubmissionId submission);
  // The courses a caller belongs to (an API key: its own, when its maker is still enrolled).
  Result<std::vector<CourseMembership>> Memberships(const Principal& p);

 private:
  Store& store_;
  AccountStore& accounts_;
};

}  // namespace ag
