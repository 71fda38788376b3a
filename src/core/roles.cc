#include "core/roles.h"

namespace ag {

std::string_view ToString(Role role) {
  switch (role) {
    case Role::kAdmin:
      return "admin";
    case Role::kInstructor:
      return "instructor";
    case Role::kTa:
      return "ta";
    case Role::kStudent:
      return "student";
  }
  return "student";
}

std::string_view ToString(CourseRole role) {
  switch (role) {
    case CourseRole::kInstructor:
      return "instructor";
    case CourseRole::kTa:
      return "ta";
    case CourseRole::kStudent:
      return "student";
  }
  return "student";
}

std::optional<Role> ParseRole(std::string_view text) {
  for (Role r : {Role::kAdmin, Role::kInstructor, Role::kTa, Role::kStudent}) {
    if (ToString(r) == text) return r;
  }
  return std::nullopt;
}

std::optional<CourseRole> ParseCourseRole(std::string_view text) {
  for (CourseRole r : {CourseRole::kInstructor, CourseRole::kTa, CourseRole::kStudent}) {
    if (ToString(r) == text) return r;
  }
  return std::nullopt;
}

}  // namespace ag
