// Who someone is to the service (Role) and to one course (CourseRole).
#pragma once

#include <optional>
#include <string_view>

namespace ag {

enum class Role { kAdmin, kInstructor, kTa, kStudent };
// A role within one course (no course admin: admins see every course).
enum class CourseRole { kInstructor, kTa, kStudent };

std::string_view ToString(Role role);
std::string_view ToString(CourseRole role);
std::optional<Role> ParseRole(std::string_view text);
std::optional<CourseRole> ParseCourseRole(std::string_view text);

}  // namespace ag
