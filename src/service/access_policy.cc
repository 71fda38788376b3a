#include "service/access_policy.h"

namespace ag {
namespace {

Standing FromCourseRole(CourseRole r) {
  switch (r) {
    case CourseRole::kInstructor:
      return Standing::kInstructor;
    case CourseRole::kTa:
      return Standing::kTa;
    case CourseRole::kStudent:
      return Standing::kStudent;
  }
  return Standing::kNone;
}

}  // namespace

Result<Standing> AccessPolicy::InCourse(const Principal& p, std::optional<CourseId> course) {
  if (p.admin()) return Standing::kAdmin;
  if (!course) return Standing::kNone;
  if (p.course_scope && *p.course_scope != *course) return Standing::kNone;
  ASSIGN_OR_RETURN(auto role, accounts_.GetEnrollment(*course, p.user));
  return role ? FromCourseRole(*role) : Standing::kNone;
}

Result<Standing> AccessPolicy::InAssignment(const Principal& p, AssignmentId id) {
  if (p.admin()) {
    ASSIGN_OR_RETURN(bool exists, store_.AssignmentExists(id));
    if (!exists) return NotFoundError("Assignment not found");
    return Standing::kAdmin;
  }
  ASSIGN_OR_RETURN(Assignment a, store_.GetAssignment(id));
  return InCourse(p, a.course_id);
}

Result<SubmissionAccess> AccessPolicy::ForSubmission(const Principal& p, SubmissionId id) {
  SubmissionAccess out;
  ASSIGN_OR_RETURN(out.submission, store_.GetSubmission(id));
  ASSIGN_OR_RETURN(out.assignment, store_.GetAssignment(out.submission.assignment_id));
  ASSIGN_OR_RETURN(out.standing, InCourse(p, out.assignment.course_id));
  out.owner = !p.local_superuser && out.submission.user_id && *out.submission.user_id == p.user &&
              out.standing >= Standing::kStudent;
  return out;
}

Result<std::vector<CourseMembership>> AccessPolicy::Memberships(const Principal& p) {
  ASSIGN_OR_RETURN(auto all, accounts_.ListMemberships(p.user));
  if (!p.course_scope) return all;
  std::vector<CourseMembership> scoped;
  for (auto& m : all) {
    if (m.course.id == *p.course_scope) scoped.push_back(std::move(m));
  }
  return scoped;
}

}  // namespace ag
