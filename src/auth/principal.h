// Who is calling: the account a request's credentials prove, as the authorization checks see it.
#pragma once

#include <optional>
#include <string>

#include "core/ids.h"
#include "core/roles.h"

namespace ag {

struct Principal {
  UserId user;
  Role role = Role::kStudent;
  std::string email;
  // An API key acts as its maker within this one course only.
  std::optional<CourseId> course_scope;
  // Auth off (`--auth=off`, loopback only): the single local user, allowed everything.
  bool local_superuser = false;

  static Principal LocalSuperuser() {
    Principal p;
    p.role = Role::kAdmin;
    p.local_superuser = true;
    return p;
  }
  bool admin() const { return local_superuser || (role == Role::kAdmin && !course_scope); }
  // How the audit log and grade events name the caller.
  std::string actor() const {
    return local_superuser ? std::string("local") : "user:" + user.ToString();
  }
};

}  // namespace ag
