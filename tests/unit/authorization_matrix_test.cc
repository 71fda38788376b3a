// Who may call what: every route of the API, called by every kind of caller, against one table
// of expected statuses. A route the table does not name fails the test, so a new route cannot
// ship without its rule.
#include <gtest/gtest.h>

#include <array>
#include <functional>
#include <set>

#include "support/auth_api.h"

namespace ag {
namespace {

enum Who { kAdmin, kInstructor, kOtherInstructor, kTa, kStudent, kOtherStudent, kAnonymous };
constexpr int kWhoCount = 7;
constexpr const char* kWhoNames[kWhoCount] = {"admin",
                                              "instructor of the course",
                                              "instructor of another course",
                                              "TA of the course",
                                              "student of the course (the submitter)",
                                              "student of another course",
                                              "anonymous"};

using Expect = std::array<int, kWhoCount>;
constexpr Expect kPublic = {200, 200, 200, 200, 200, 200, 200};
constexpr Expect kSignedIn = {200, 200, 200, 200, 200, 200, 401};
constexpr Expect kAdminOnly = {200, 403, 403, 403, 403, 403, 401};
constexpr Expect kMembers = {200, 200, 403, 200, 200, 403, 401};
constexpr Expect kStaff = {200, 200, 403, 200, 403, 403, 401};
constexpr Expect kInstructors = {200, 200, 403, 403, 403, 403, 401};

// What the table's calls need: ids of the fixtures, tokens, and a counter for unique names.
struct World {
  std::array<std::string, kWhoCount> email, token;
  std::int64_t course = 0, other_course = 0, assignment = 0, release_assignment = 0;
  std::int64_t submission = 0, extra_user = 0, student_user = 0;
  int counter = 0;
  std::function<std::int64_t()> spare_api_key;  // a new key of the course, to revoke
};

struct Request {
  std::string target;
  std::string body;
  std::string content_type = "application/json";
};

struct Rule {
  std::string method, pattern;
  std::function<Request(World&, Who)> make;
  Expect expect;
};

std::string Id(std::int64_t v) { return std::to_string(v); }

constexpr char kRubric[] = R"({"c": {"description": "Names the cause", "max_points": 2}})";

std::vector<Rule> Table() {
  auto get = [](std::string target) {
    return [target](World&, Who) { return Request{target, ""}; };
  };
  return {
      {"GET", "/", get("/"), kPublic},
      {"GET", "/health", get("/health"), kPublic},
      {"GET", "/health/live", get("/health/live"), kPublic},
      {"GET", "/health/ready", get("/health/ready"), kPublic},
      {"GET", "/metrics", get("/metrics"), kPublic},
      {"GET", "/openapi.json", get("/openapi.json"), kPublic},
      {"POST",
       "/auth/login",
       [](World& w, Who who) {
         const std::string email = who == kAnonymous ? "nobody@example.edu" : w.email[who];
         return Request{"/auth/login",
                        Json{{"email", email}, {"password", testing::kTestPassword}}.dump()};
       },
       {200, 200, 200, 200, 200, 200, 401}},
      {"POST",
       "/auth/refresh",
       [](World&, Who) {
         return Request{"/auth/refresh", R"({"refresh_token": "not-a-token"})"};
       },
       {401, 401, 401, 401, 401, 401, 401}},
      {"POST", "/auth/logout",
       [](World&, Who) {
         return Request{"/auth/logout", R"({"refresh_token": "not-a-token"})"};
       },
       kPublic},
      {"GET", "/auth/me", get("/auth/me"), kSignedIn},
      {"POST", "/users",
       [](World& w, Who) {
         return Request{"/users", Json{{"email", "new" + Id(++w.counter) + "@example.edu"},
                                       {"password", testing::kTestPassword},
                                       {"role", "student"}}
                                      .dump()};
       },
       kAdminOnly},
      {"GET", "/users", get("/users"), kAdminOnly},
      {"GET", "/users/{user_id}",
       [](World& w, Who) {
         return Request{"/users/" + Id(w.student_user), ""};
       },
       kAdminOnly},
      {"PATCH", "/users/{user_id}",
       [](World& w, Who) {
         return Request{"/users/" + Id(w.extra_user), R"({"name": "Renamed"})"};
       },
       kAdminOnly},
      {"GET", "/audit-log", get("/audit-log"), kAdminOnly},
      {"POST",
       "/courses",
       [](World& w, Who) {
         return Request{"/courses",
                        Json{{"code", "NEW" + Id(++w.counter)}, {"title", "A new course"}}.dump()};
       },
       {200, 200, 200, 403, 403, 403, 401}},
      {"GET", "/courses", get("/courses"), kSignedIn},
      {"GET", "/courses/{course_id}",
       [](World& w, Who) {
         return Request{"/courses/" + Id(w.course), ""};
       },
       kMembers},
      {"POST", "/courses/{course_id}/enrollments",
       [](World& w, Who) {
         return Request{"/courses/" + Id(w.course) + "/enrollments",
                        Json{{"email", "extra@example.edu"}, {"role", "student"}}.dump()};
       },
       kInstructors},
      {"GET", "/courses/{course_id}/enrollments",
       [](World& w, Who) {
         return Request{"/courses/" + Id(w.course) + "/enrollments", ""};
       },
       kStaff},
      {"POST", "/courses/{course_id}/api-keys",
       [](World& w, Who) {
         return Request{"/courses/" + Id(w.course) + "/api-keys", R"({"name": "grading bot"})"};
       },
       kInstructors},
      {"GET", "/courses/{course_id}/api-keys",
       [](World& w, Who) {
         return Request{"/courses/" + Id(w.course) + "/api-keys", ""};
       },
       kInstructors},
      {"DELETE", "/courses/{course_id}/api-keys/{key_id}",
       [](World& w, Who) {
         return Request{"/courses/" + Id(w.course) + "/api-keys/" + Id(w.spare_api_key()), ""};
       },
       kInstructors},
      {"POST", "/assignments",
       [](World& w, Who) {
         return Request{"/assignments", Json{{"title", "Lab " + Id(++w.counter)},
                                             {"rubric", Json::parse(kRubric)},
                                             {"course_id", w.course}}
                                            .dump()};
       },
       kInstructors},
      {"GET", "/assignments", get("/assignments"), kSignedIn},
      {"GET", "/assignments/{assignment_id}",
       [](World& w, Who) {
         return Request{"/assignments/" + Id(w.assignment), ""};
       },
       kMembers},
      {"POST", "/assignments/{assignment_id}/graded-answers",
       [](World& w, Who) {
         return Request{"/assignments/" + Id(w.assignment) + "/graded-answers",
                        R"({"answers": [{"answer": "Friction heats it", "score": 2}]})"};
       },
       kStaff},
      {"POST", "/assignments/{assignment_id}/references",
       [](World& w, Who) {
         return Request{"/assignments/" + Id(w.assignment) + "/references",
                        "--XyZ\r\nContent-Disposition: form-data; name=\"file\"; "
                        "filename=\"notes.txt\"\r\nContent-Type: text/plain\r\n\r\n"
                        "Friction turns motion into heat.\r\n--XyZ--\r\n",
                        "multipart/form-data; boundary=XyZ"};
       },
       kStaff},
      {"POST", "/assignments/{assignment_id}/release",
       [](World& w, Who) {
         return Request{"/assignments/" + Id(w.release_assignment) + "/release", ""};
       },
       kInstructors},
      {"DELETE", "/assignments/{assignment_id}/release",
       [](World& w, Who) {
         return Request{"/assignments/" + Id(w.release_assignment) + "/release", ""};
       },
       kInstructors},
      {"POST",
       "/submissions",
       [](World& w, Who) {
         return Request{"/submissions", Json{{"assignment_id", w.assignment},
                                             {"content", "Friction turns motion into heat."}}
                                            .dump()};
       },
       {200, 200, 403, 200, 200, 403, 401}},
      {"GET", "/submissions/{submission_id}",
       [](World& w, Who) {
         return Request{"/submissions/" + Id(w.submission), ""};
       },
       kMembers},
      {"GET", "/submissions/assignment/{assignment_id}",
       [](World& w, Who) {
         return Request{"/submissions/assignment/" + Id(w.assignment), ""};
       },
       kMembers},
      {"GET", "/submissions/{submission_id}/grade",
       [](World& w, Who) {
         return Request{"/submissions/" + Id(w.submission) + "/grade", ""};
       },
       kMembers},
      {"PUT", "/submissions/{submission_id}/grade",
       [](World& w, Who) {
         return Request{"/submissions/" + Id(w.submission) + "/grade",
                        R"({"breakdown": {"c": 1}})"};
       },
       kStaff},
  };
}

class AuthorizationMatrix : public ::testing::Test {
 protected:
  // Two courses, with a member of each kind; an assignment of the first course with a student's
  // graded submission, its grades released; a second assignment to release and withdraw.
  void SetUp() override {
    const std::array<std::pair<const char*, Role>, kWhoCount - 1> people = {{
        {"admin@example.edu", Role::kAdmin},
        {"teacher@example.edu", Role::kInstructor},
        {"other.teacher@example.edu", Role::kInstructor},
        {"ta@example.edu", Role::kTa},
        {"student@example.edu", Role::kStudent},
        {"other.student@example.edu", Role::kStudent},
    }};
    for (int i = 0; i < kWhoCount - 1; ++i) {
      User u = api_.AddUser(people[i].first, people[i].second);
      w_.email[i] = u.email;
      if (i == kStudent) w_.student_user = u.id.value();
      w_.token[i] = api_.Login(u.email).first;
      ASSERT_FALSE(w_.token[i].empty()) << u.email;
    }
    w_.extra_user = api_.AddUser("extra@example.edu", Role::kStudent).id.value();
    const std::string& admin = w_.token[kAdmin];
    w_.course = Post(admin, "/courses", R"({"code": "PHY1", "title": "Physics"})")["id"];
    w_.other_course = Post(admin, "/courses", R"({"code": "CHE1", "title": "Chemistry"})")["id"];
    const std::pair<Who, std::pair<std::int64_t, const char*>> enrollments[] = {
        {kInstructor, {w_.course, "instructor"}},
        {kOtherInstructor, {w_.other_course, "instructor"}},
        {kTa, {w_.course, "ta"}},
        {kStudent, {w_.course, "student"}},
        {kOtherStudent, {w_.other_course, "student"}}};
    for (const auto& [who, where] : enrollments) {
      Post(admin, "/courses/" + Id(where.first) + "/enrollments",
           Json{{"email", w_.email[who]}, {"role", where.second}}.dump());
    }
    const std::string assignment =
        Json{{"title", "Heat"}, {"rubric", Json::parse(kRubric)}, {"course_id", w_.course}}.dump();
    w_.assignment = Post(admin, "/assignments", assignment)["id"];
    w_.release_assignment = Post(admin, "/assignments", assignment)["id"];
    w_.submission =
        Post(w_.token[kStudent], "/submissions",
             Json{{"assignment_id", w_.assignment}, {"content", "It gets hot."}}.dump())["id"];
    Call("PUT", "/submissions/" + Id(w_.submission) + "/grade", admin, R"({"breakdown": {"c": 2}})",
         200);
    Post(admin, "/assignments/" + Id(w_.assignment) + "/release", "");
    const std::string& teacher = w_.token[kInstructor];
    w_.spare_api_key = [this, teacher] {
      return Post(teacher, "/courses/" + Id(w_.course) + "/api-keys", R"({"name": "spare"})")["id"]
          .get<std::int64_t>();
    };
  }

  Json Call(const std::string& method, const std::string& target, const std::string& token,
            const std::string& body, int expect) {
    auto r = api_.Call(method, target, token, body);
    EXPECT_EQ(r.status, expect) << method << " " << target << ": " << r.raw;
    return r.body;
  }
  Json Post(const std::string& token, const std::string& target, const std::string& body) {
    return Call("POST", target, token, body, 200);
  }

  SystemClock clock_;
  testing::AuthApi api_{clock_};
  World w_;
};

TEST_F(AuthorizationMatrix, EveryRouteHasARuleAndEveryRuleARoute) {
  std::set<std::pair<std::string, std::string>> rules;
  for (const Rule& r : Table()) {
    EXPECT_TRUE(rules.insert({r.method, r.pattern}).second) << "twice: " << r.pattern;
  }
  std::set<std::pair<std::string, std::string>> routes;
  for (const Route& route : api_.api().router().routes()) {
    routes.insert({route.method, route.pattern});
    EXPECT_TRUE(rules.count({route.method, route.pattern}))
        << route.method << " " << route.pattern << " has no row in the authorization table";
  }
  for (const auto& rule : rules) {
    EXPECT_TRUE(routes.count(rule)) << rule.first << " " << rule.second << " is not a route";
  }
}

TEST_F(AuthorizationMatrix, EveryCallerGetsWhatTheTableSays) {
  for (const Rule& rule : Table()) {
    for (int who = 0; who < kWhoCount; ++who) {
      Request call = rule.make(w_, static_cast<Who>(who));
      const std::string token = who == kAnonymous ? "" : w_.token[who];
      auto r = api_.Call(rule.method, call.target, token, call.body, call.content_type);
      EXPECT_EQ(r.status, rule.expect[who])
          << rule.method << " " << rule.pattern << " by the " << kWhoNames[who] << ": " << r.raw;
      // The same under /api/, as the deployment guide's nginx sends it.
      if (rule.method == "GET") {
        auto prefixed = api_.Call("GET", "/api" + call.target, token);
        EXPECT_EQ(prefixed.status, rule.expect[who]) << "/api" << call.target;
      }
    }
  }
}

// A path id the access check could not read must not reach the handler unchecked: the check and
// the handler parse it alike ("+42" is 42 to both), and a rule that finds no course refuses.
TEST_F(AuthorizationMatrix, RewrittenIdsGetNoFurtherThanPlainOnes) {
  const std::string& outsider = w_.token[kOtherStudent];
  const std::string s = Id(w_.submission), a = Id(w_.assignment), c = Id(w_.course);
  for (const std::string& id : {"+" + s, "%2B" + s, "000000000000000000" + s}) {
    EXPECT_EQ(api_.Call("GET", "/submissions/" + id, outsider).status, 403) << id;
    EXPECT_EQ(
        api_.Call("PUT", "/submissions/" + id + "/grade", outsider, R"({"breakdown": {"c": 2}})")
            .status,
        403)
        << id;
  }
  EXPECT_EQ(api_.Call("GET", "/submissions/assignment/+" + a, outsider).status, 403);
  EXPECT_EQ(api_.Call("POST", "/courses/+" + c + "/enrollments", outsider,
                      R"({"email": "other.student@example.edu", "role": "instructor"})")
                .status,
            403);
  EXPECT_EQ(api_.Call("POST", "/assignments/+" + a + "/release", w_.token[kTa]).status, 403);
  for (const char* bad : {"x", "-1", "0", "99999999999999999999", "1e3"}) {
    EXPECT_EQ(api_.Call("GET", std::string("/submissions/") + bad, outsider).status, 422) << bad;
  }
  // An instructor enrolls by email: by id they could read every account's email in turn.
  auto by_id = api_.Call("POST", "/courses/" + c + "/enrollments", w_.token[kInstructor],
                         Json{{"user_id", w_.extra_user}, {"role", "student"}}.dump());
  EXPECT_EQ(by_id.status, 422) << by_id.raw;
}

TEST_F(AuthorizationMatrix, AClassmateCannotReadAnotherStudentsSubmission) {
  api_.AddUser("classmate@example.edu", Role::kStudent);
  Post(w_.token[kAdmin], "/courses/" + Id(w_.course) + "/enrollments",
       R"({"email": "classmate@example.edu", "role": "student"})");
  const std::string classmate = api_.Login("classmate@example.edu").first;
  const std::string s = "/submissions/" + Id(w_.submission);
  EXPECT_EQ(api_.Call("GET", s, classmate).status, 403);
  EXPECT_EQ(api_.Call("GET", s + "/grade", classmate).status, 403);
  EXPECT_EQ(api_.Call("PUT", s + "/grade", classmate, R"({"breakdown": {"c": 0}})").status, 403);
  // The assignment's list shows a student their own submissions only.
  auto list = api_.Call("GET", "/submissions/assignment/" + Id(w_.assignment), classmate);
  ASSERT_EQ(list.status, 200);
  EXPECT_TRUE(list.body.empty());
  auto own = api_.Call("GET", "/submissions/assignment/" + Id(w_.assignment), w_.token[kStudent]);
  ASSERT_EQ(own.body.size(), 1u);
  EXPECT_EQ(own.body[0]["id"], w_.submission);
}

}  // namespace
}  // namespace ag
