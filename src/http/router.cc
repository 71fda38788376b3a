#include "http/router.h"

namespace ag {

std::string_view ToString(Access access) {
  switch (access) {
    case Access::kUnset:
      return "unset";
    case Access::kPublic:
      return "public";
    case Access::kSignedIn:
      return "signed-in";
    case Access::kAdmin:
      return "admin";
    case Access::kCourseMember:
      return "course-member";
    case Access::kCourseStaff:
      return "course-staff";
    case Access::kCourseInstructor:
      return "course-instructor";
    case Access::kSubmissionOwnerOrStaff:
      return "submission-owner-or-staff";
  }
  return "unset";
}

std::vector<std::string_view> Router::Split(std::string_view path) {
  std::vector<std::string_view> parts;
  while (!path.empty()) {
    if (path.front() == '/') {
      path.remove_prefix(1);
      continue;
    }
    const auto slash = path.find('/');
    parts.push_back(path.substr(0, slash));
    if (slash == std::string_view::npos) break;
    path.remove_prefix(slash);
  }
  return parts;
}

void Router::Add(Route route, Access access) {
  route.access = access;
  Compiled c;
  for (std::string_view s : Split(route.pattern)) {
    c.segments.emplace_back(s);
    if (!(s.size() > 2 && s.front() == '{' && s.back() == '}')) ++c.literals;
  }
  routes_.push_back(std::move(route));
  compiled_.push_back(std::move(c));
}

bool Router::Match(const Compiled& c, const std::vector<std::string_view>& parts,
                   std::map<std::string, std::string>* params) {
  if (c.segments.size() != parts.size()) return false;
  for (std::size_t i = 0; i < parts.size(); ++i) {
    const std::string& seg = c.segments[i];
    const bool is_param = seg.size() > 2 && seg.front() == '{' && seg.back() == '}';
    if (is_param) {
      if (params) (*params)[seg.substr(1, seg.size() - 2)] = std::string(parts[i]);
    } else if (seg != parts[i]) {
      return false;
    }
  }
  return true;
}

RouteMatch Router::Find(std::string_view method, std::string_view path) const {
  const auto parts = Split(path);
  RouteMatch best;
  int best_literals = -1;
  for (std::size_t i = 0; i < routes_.size(); ++i) {
    if (compiled_[i].literals <= best_literals) continue;
    if (!Match(compiled_[i], parts, nullptr)) continue;
    // The most specific path wins, whatever its methods; then the method must fit.
    best_literals = compiled_[i].literals;
    best = RouteMatch();
    for (std::size_t j = 0; j < routes_.size(); ++j) {
      if (compiled_[j].segments != compiled_[i].segments) continue;
      if (routes_[j].method == method) {
        best.route = &routes_[j];
        Match(compiled_[j], parts, &best.params);
        break;
      }
      best.method_not_allowed = true;
    }
    if (best.route) best.method_not_allowed = false;
  }
  return best;
}

std::vector<std::string> Router::MethodsAt(std::string_view path) const {
  const auto parts = Split(path);
  std::vector<std::string> out;
  for (std::size_t i = 0; i < routes_.size(); ++i) {
    if (Match(compiled_[i], parts, nullptr)) out.push_back(routes_[i].method);
  }
  return out;
}

}  // namespace ag
