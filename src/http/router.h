// Routes by method and path pattern ("/submissions/{submission_id}/grade"). Literal segments
// win over parameters, so "/submissions/assignment/{id}" is not read as a submission id. A
// trailing slash is ignored ("/assignments/" is "/assignments"), as the original API's clients
// use both.
#pragma once

#include <functional>
#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "core/json.h"
#include "http/message.h"

namespace ag {

using Handler = std::function<HttpResponse(const HttpRequest&)>;
// Answers later, through `respond`, possibly on another thread; `request` lives until then.
using Respond = std::function<void(HttpResponse)>;
using AsyncHandler = std::function<void(const HttpRequest&, Respond respond)>;

// Who may call a route, checked by the API before its handler runs. The course ones find the
// course through the path's {course_id}, {assignment_id} or {submission_id}.
enum class Access {
  kUnset,                   // a route must say: the API refuses to start with one left unset
  kPublic,                  // no credentials (health, metrics, the API document, login)
  kSignedIn,                // any account; the handler narrows what it shows
  kAdmin,                   // admins only
  kCourseMember,            // enrolled in the course in any role
  kCourseStaff,             // its instructors and TAs
  kCourseInstructor,        // its instructors
  kSubmissionOwnerOrStaff,  // the student who submitted it, or its course's staff
};
std::string_view ToString(Access access);

struct Route {
  std::string method;
  std::string pattern;  // also the `handler` label of the HTTP metrics
  Handler handler;      // null when the route answers asynchronously
  // Runs on the blocking pool instead of an I/O thread (long CPU work: extraction, chunking).
  bool blocking = false;
  Json openapi = Json::object();  // the OpenAPI operation object
  // Set instead of `handler` for a route that waits on something without holding a thread.
  AsyncHandler async_handler = nullptr;
  Access access = Access::kUnset;
};

struct RouteMatch {
  const Route* route = nullptr;     // null when nothing matched
  bool method_not_allowed = false;  // the path exists with other methods
  std::map<std::string, std::string> params;
};

class Router {
 public:
  // Every route says who may call it.
  void Add(Route route, Access access);
  RouteMatch Find(std::string_view method, std::string_view path) const;
  const std::vector<Route>& routes() const { return routes_; }
  // The methods served at `path`, for CORS preflights and Allow headers.
  std::vector<std::string> MethodsAt(std::string_view path) const;

 private:
  struct Compiled {
    std::vector<std::string> segments;  // "{name}" marks a parameter
    int literals = 0;
  };
  static std::vector<std::string_view> Split(std::string_view path);
  static bool Match(const Compiled& c, const std::vector<std::string_view>& parts,
                    std::map<std::string, std::string>* params);

  std::vector<Route> routes_;
  std::vector<Compiled> compiled_;
};

}  // namespace ag
