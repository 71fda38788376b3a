// Accounts on the real binary: auth on by default, the first admin, `--auth=off` only on
// loopback, the original flow again with instructor and student accounts, `autograder user`,
// and no secret in the log of a whole run.
#include <gtest/gtest.h>

#include <signal.h>

#include <set>
#include <sstream>
#include <thread>

#include "support/http_client.h"
#include "support/original_flow.h"
#include "support/server_process.h"
#include "support/temp_dir.h"

namespace ag::testing {
namespace {

using namespace std::chrono_literals;

constexpr char kAdminPassword[] = "an admin password, only for this test";
constexpr char kJwtSecret[] = "the signing secret of this test run, 32 bytes or more";

// Calls with a bearer token.
class Session {
 public:
  Session(const HttpClient& http, std::string token) : http_(http), token_(std::move(token)) {}
  HttpResult Call(const std::string& method, const std::string& target,
                  const Json& body = nullptr) const {
    std::vector<std::pair<std::string, std::string>> headers = {
        {"Authorization", "Bearer " + token_}};
    if (!body.is_null()) headers.emplace_back("Content-Type", "application/json");
    return http_.Request(method, target, headers, body.is_null() ? "" : body.dump());
  }
  HttpResult Upload(const std::string& target, const std::string& filename,
                    const std::string& content) const {
    const std::string boundary = "ag-test-boundary";
    const std::string body = "--" + boundary +
                             "\r\nContent-Disposition: form-data; name=\"file\"; filename=\"" +
                             filename + "\"\r\nContent-Type: text/plain\r\n\r\n" + content +
                             "\r\n--" + boundary + "--\r\n";
    return http_.Request("POST", target,
                         {{"Authorization", "Bearer " + token_},
                          {"Content-Type", "multipart/form-data; boundary=" + boundary}},
                         body);
  }
  const std::string& token() const { return token_; }

 private:
  const HttpClient& http_;
  std::string token_;
};

// The word after the first "password: " in `text` (a printed password), or "".
std::string PrintedPassword(const std::string& text) {
  const std::string label = "password: ";
  const auto at = text.find(label);
  if (at == std::string::npos) return "";
  const auto begin = at + label.size();
  const auto end = text.find_first_of(" \r\n", begin);
  return text.substr(begin, end == std::string::npos ? std::string::npos : end - begin);
}

Json Login(const HttpClient& http, const std::string& email, const std::string& password) {
  auto r = http.PostJson("/auth/login", Json{{"email", email}, {"password", password}});
  EXPECT_EQ(r.status, 200) << email << ": " << r.body;
  return r.json();
}

TEST(AuthServerTest, AuthOffIsRefusedUnlessTheServerIsOnLoopback) {
  TempDir dir;
  auto r = RunAutograder(
      {"serve", "--host", "0.0.0.0", "--port", "0", "--auth", "off", "--data-dir", dir.File("d")});
  EXPECT_EQ(r.exit_code, 2) << r.output;
  EXPECT_NE(r.output.find("--auth=off serves every caller as admin"), std::string::npos)
      << r.output;
  auto env =
      RunAutograder({"serve", "--host", "192.0.2.1", "--port", "0", "--data-dir", dir.File("d")},
                    {{"AUTH", "off"}});
  EXPECT_EQ(env.exit_code, 2) << env.output;
}

TEST(AuthServerTest, ANewServerMakesAnAdminAndShowsItsPasswordOnce) {
  TempDir dir;
  ServerProcess server(dir.File("data"));
  server.UseAuth();
  ASSERT_TRUE(server.Start()) << server.log();
  const std::string log = server.log();
  const std::string password = PrintedPassword(log);
  ASSERT_EQ(password.size(), 20u) << log;
  HttpClient http(server.port());
  EXPECT_EQ(http.Get("/assignments").status, 401);
  Json tokens = Login(http, "admin@localhost", password);
  Session admin(http, tokens.value("access_token", ""));
  EXPECT_EQ(admin.Call("GET", "/auth/me").json()["role"], "admin");
  // Only the console banner holds the password; no log line does.
  std::istringstream lines(log);
  for (std::string line; std::getline(lines, line);) {
    if (line.starts_with("{")) {
      EXPECT_EQ(line.find(password), std::string::npos) << line;
    }
  }
  server.Signal(SIGTERM);
  EXPECT_EQ(server.Wait(), 0);
  ServerProcess again(dir.File("data"));
  again.UseAuth();
  ASSERT_TRUE(again.Start()) << again.log();
  // The same log file, appended to: still the one banner.
  const std::string both = again.log();
  EXPECT_EQ(both.find("password:"), both.rfind("password:")) << "a second admin was made";
  HttpClient http2(again.port());
  Login(http2, "admin@localhost", password);
}

// The original client's flow, with accounts: an admin makes an instructor and a student, the
// instructor a course, an assignment and its material; the student submits and sees the grade
// once the instructor releases it. Then the log of the whole run holds none of the secrets.
TEST(AuthServerTest, TheFlowWithInstructorAndStudentAccountsLeavesNoSecretInTheLog) {
  TempDir dir;
  ServerProcess server(dir.File("data"), {{"AUTOGRADER_ADMIN_PASSWORD", kAdminPassword},
                                          {"JWT_SECRET", kJwtSecret},
                                          {"LOG_LEVEL", "debug"}});
  server.UseAuth();
  ASSERT_TRUE(server.Start()) << server.log();
  HttpClient http(server.port());
  std::vector<std::string> secrets = {kAdminPassword, kJwtSecret};

  Json admin_tokens = Login(http, "admin@localhost", kAdminPassword);
  Session admin(http, admin_tokens["access_token"]);
  secrets.push_back(admin_tokens["access_token"]);
  secrets.push_back(admin_tokens["refresh_token"]);
  const std::string teacher_password = "instructor's own password";
  const std::string student_password = "the student's own password";
  secrets.push_back(teacher_password);
  secrets.push_back(student_password);
  ASSERT_EQ(admin
                .Call("POST", "/api/users/",
                      Json{{"email", "teacher@example.edu"},
                           {"password", teacher_password},
                           {"name", "T. Eacher"},
                           {"role", "instructor"}})
                .status,
            200);
  ASSERT_EQ(admin
                .Call("POST", "/users",
                      Json{{"email", "student@example.edu"},
                           {"password", student_password},
                           {"role", "student"}})
                .status,
            200);
  EXPECT_EQ(http.PostJson("/auth/login", Json{{"email", "student@example.edu"},
                                              {"password", "a wrong guess at it"}})
                .status,
            401);

  Json teacher_tokens = Login(http, "teacher@example.edu", teacher_password);
  Session teacher(http, teacher_tokens["access_token"]);
  secrets.push_back(teacher_tokens["access_token"]);
  auto course = teacher.Call("POST", "/api/courses/", Json{{"code", "BIO1"}, {"title", "Biology"}});
  ASSERT_EQ(course.status, 200) << course.body;
  const std::string course_id = course.json()["id"].dump();
  ASSERT_EQ(teacher
                .Call("POST", "/courses/" + course_id + "/enrollments",
                      Json{{"email", "student@example.edu"}, {"role", "student"}})
                .status,
            200);
  Json assignment_body = Json::parse(kOriginalRubric);
  auto assignment = teacher.Call("POST", "/api/assignments/",
                                 Json{{"title", "Photosynthesis"},
                                      {"rubric", assignment_body},
                                      {"course_id", std::stoll(course_id)}});
  ASSERT_EQ(assignment.status, 200) << assignment.body;
  const std::string a = assignment.json()["id"].dump();
  ASSERT_EQ(teacher.Upload("/api/assignments/" + a + "/references", "notes.md", kOriginalReference)
                .status,
            200);
  auto key = teacher.Call("POST", "/courses/" + course_id + "/api-keys", Json{{"name", "lms"}});
  ASSERT_EQ(key.status, 200);
  secrets.push_back(key.json()["key"]);
  Session bot(http, key.json()["key"]);
  EXPECT_EQ(bot.Call("GET", "/api/assignments/" + a).status, 200);

  Json student_tokens = Login(http, "student@example.edu", student_password);
  Session student(http, student_tokens["access_token"]);
  secrets.push_back(student_tokens["access_token"]);
  secrets.push_back(student_tokens["refresh_token"]);
  auto submitted =
      student.Call("POST", "/api/submissions/",
                   Json{{"assignment_id", std::stoll(a)}, {"content", kOriginalEssay}});
  ASSERT_EQ(submitted.status, 200) << submitted.body;
  const std::string s = submitted.json()["id"].dump();

  // Graded by the local grader; the student sees it done, without the score, until release.
  Json seen;
  for (int i = 0; i < 300; ++i) {
    seen = student.Call("GET", "/api/submissions/" + s).json();
    if (seen["status"] == "done" || seen["status"] == "error") break;
    std::this_thread::sleep_for(100ms);
  }
  ASSERT_EQ(seen["status"], "done") << seen;
  EXPECT_TRUE(seen["score"].is_null());
  EXPECT_EQ(student.Call("GET", "/api/submissions/" + s + "/grade").status, 403);
  auto graded = teacher.Call("GET", "/api/submissions/" + s + "/grade");
  ASSERT_EQ(graded.status, 200);
  EXPECT_GT(graded.json()["score"].get<double>(), 0);
  ASSERT_EQ(teacher.Call("POST", "/api/assignments/" + a + "/release").status, 200);
  auto released = student.Call("GET", "/api/submissions/" + s + "/grade");
  ASSERT_EQ(released.status, 200);
  EXPECT_EQ(released.json()["score"], graded.json()["score"]);
  auto list = student.Call("GET", "/api/submissions/assignment/" + a);
  ASSERT_EQ(list.json().size(), 1u);
  EXPECT_EQ(list.json()[0]["student_id"], "student@example.edu");

  // A refresh, a logout, and the audit log of it all.
  auto refreshed =
      http.PostJson("/auth/refresh", Json{{"refresh_token", student_tokens["refresh_token"]}});
  ASSERT_EQ(refreshed.status, 200);
  secrets.push_back(refreshed.json()["access_token"]);
  secrets.push_back(refreshed.json()["refresh_token"]);
  EXPECT_EQ(
      http.PostJson("/auth/logout", Json{{"refresh_token", refreshed.json()["refresh_token"]}})
          .status,
      200);
  auto audit = admin.Call("GET", "/audit-log?limit=100").json();
  std::set<std::string> actions;
  for (const auto& e : audit) actions.insert(e["action"].get<std::string>());
  for (const char* want : {"login", "login_failed", "logout", "user_created", "course_created",
                           "enrolled", "api_key_created", "grades_released"}) {
    EXPECT_TRUE(actions.count(want)) << want << " missing from " << audit;
  }

  server.Signal(SIGTERM);
  EXPECT_EQ(server.Wait(), 0);
  const std::string log = server.log();
  EXPECT_NE(log.find("\"path\":\"/auth/login\""), std::string::npos) << "the access log is on";
  for (const std::string& secret : secrets) {
    ASSERT_FALSE(secret.empty());
    EXPECT_EQ(log.find(secret), std::string::npos) << "a secret is in the log: " << secret;
  }
}

// The edge of the running binary: CORS by the listed origin only, the per-address limit with
// Retry-After (health probes exempt), the upload limits, and a file's type read from its bytes.
TEST(AuthServerTest, TheEdgeLimitsCorsAndUploadsOnTheRunningBinary) {
  TempDir dir;
  ServerProcess server(dir.File("data"), {{"AUTOGRADER_ADMIN_PASSWORD", kAdminPassword},
                                          {"CORS_ORIGINS", "https://ui.example.edu"},
                                          {"RATE_LIMIT_PER_SECOND", "0.001"},
                                          {"RATE_LIMIT_BURST", "12"},
                                          {"MAX_UPLOAD_MB", "1"}});
  server.UseAuth();
  ASSERT_TRUE(server.Start()) << server.log();
  HttpClient http(server.port());
  Session admin(http, Login(http, "admin@localhost", kAdminPassword)["access_token"]);  // 1
  auto a = admin.Call("POST", "/assignments",
                      Json{{"title", "T"}, {"rubric", Json::parse(kOriginalRubric)}});  // 2
  ASSERT_EQ(a.status, 200) << a.body;
  const std::string upload = "/assignments/" + a.json()["id"].dump() + "/references";

  auto preflight = http.Request("OPTIONS", "/assignments",
                                {{"Origin", "https://ui.example.edu"},
                                 {"Access-Control-Request-Method", "POST"},
                                 {"Access-Control-Request-Headers", "authorization"}},
                                "");  // 3
  EXPECT_EQ(preflight.status, 200);
  EXPECT_EQ(preflight.header("access-control-allow-origin"), "https://ui.example.edu");
  auto stranger =
      http.Request("OPTIONS", "/assignments",
                   {{"Origin", "https://evil.example"}, {"Access-Control-Request-Method", "POST"}},
                   "");  // 4
  EXPECT_EQ(stranger.status, 403);
  EXPECT_EQ(stranger.header("access-control-allow-origin"), "");
  auto get = http.Request("GET", "/health", {{"Origin", "https://evil.example"}}, "");
  EXPECT_EQ(get.header("access-control-allow-origin"), "");
  EXPECT_EQ(get.header("x-content-type-options"), "nosniff");

  EXPECT_EQ(admin.Upload(upload, "big.txt", std::string(2 << 20, 'a')).status, 413);  // 5
  EXPECT_EQ(admin.Upload(upload, "tool.txt", std::string("\x7F") + "ELF\x02\x01\x01").status,
            415);  // 6
  const std::string two_files =
      "--b\r\nContent-Disposition: form-data; name=\"file\"; filename=\"a.txt\"\r\n\r\nA\r\n"
      "--b\r\nContent-Disposition: form-data; name=\"file2\"; filename=\"b.txt\"\r\n\r\nB\r\n"
      "--b--\r\n";
  EXPECT_EQ(http.Request("POST", upload,
                         {{"Authorization", "Bearer " + admin.token()},
                          {"Content-Type", "multipart/form-data; boundary=b"}},
                         two_files)
                .status,
            422);                                                               // 7
  EXPECT_EQ(admin.Upload(upload, "notes.md", kOriginalReference).status, 200);  // 8

  // The address's bucket (12) runs out: five requests above took from it (preflights, probes
  // and the 413 the server gives before any route runs did not); probes go on.
  int ok = 0;
  HttpResult refused;
  for (int i = 0; i < 12 && refused.status != 429; ++i) {
    auto r = admin.Call("GET", "/auth/me");
    if (r.status == 200) ++ok;
    if (r.status == 429) refused = r;
  }
  EXPECT_EQ(ok, 7);
  ASSERT_EQ(refused.status, 429) << refused.body;
  EXPECT_GT(std::stoi(refused.header("retry-after")), 0);
  EXPECT_EQ(http.Get("/health/ready").status, 200);
  EXPECT_NE(http.Get("/metrics").body.find("http_rate_limited_total{limit=\"address\"}"),
            std::string::npos);
}

TEST(AuthServerTest, TheUserCommandAddsDisablesAndResetsAccounts) {
  TempDir dir;
  const std::vector<std::pair<std::string, std::string>> env = {{"JWT_SECRET", kJwtSecret}};
  auto added = RunAutograder({"user", "add", "--data-dir", dir.File("data"), "--email",
                              "Prof@Example.edu", "--role", "instructor", "--name", "Prof"},
                             env);
  ASSERT_EQ(added.exit_code, 0) << added.output;
  const std::string first_password = PrintedPassword(added.output);
  ASSERT_FALSE(first_password.empty()) << added.output;
  auto twice = RunAutograder(
      {"user", "add", "--data-dir", dir.File("data"), "--email", "prof@example.edu"}, env);
  EXPECT_NE(twice.exit_code, 0);
  EXPECT_NE(twice.output.find("exists"), std::string::npos) << twice.output;
  auto bad =
      RunAutograder({"user", "add", "--data-dir", dir.File("data"), "--email", "nobody"}, env);
  EXPECT_EQ(bad.exit_code, 2) << bad.output;

  ServerProcess server(dir.File("data"), {{"JWT_SECRET", kJwtSecret}});
  server.UseAuth();
  ASSERT_TRUE(server.Start()) << server.log();
  EXPECT_EQ(server.log().find("password:"), std::string::npos) << "users exist: no first admin";
  HttpClient http(server.port());
  Json tokens = Login(http, "prof@example.edu", first_password);
  EXPECT_EQ(Session(http, tokens["access_token"]).Call("GET", "/auth/me").json()["role"],
            "instructor");

  auto passwd = RunAutograder(
      {"user", "passwd", "--data-dir", dir.File("data"), "--email", "prof@example.edu"}, env);
  ASSERT_EQ(passwd.exit_code, 0) << passwd.output;
  const std::string second_password = PrintedPassword(passwd.output);
  ASSERT_FALSE(second_password.empty()) << passwd.output;
  EXPECT_EQ(http.PostJson("/auth/refresh", Json{{"refresh_token", tokens["refresh_token"]}}).status,
            401)
      << "a new password ends the sessions";
  EXPECT_EQ(http.PostJson("/auth/login",
                          Json{{"email", "prof@example.edu"}, {"password", first_password}})
                .status,
            401);
  Login(http, "prof@example.edu", second_password);

  ASSERT_EQ(
      RunAutograder(
          {"user", "disable", "--data-dir", dir.File("data"), "--email", "prof@example.edu"}, env)
          .exit_code,
      0);
  EXPECT_EQ(http.PostJson("/auth/login",
                          Json{{"email", "prof@example.edu"}, {"password", second_password}})
                .status,
            401);
  auto list = RunAutograder({"user", "list", "--data-dir", dir.File("data")}, env);
  EXPECT_NE(list.output.find("prof@example.edu"), std::string::npos) << list.output;
  EXPECT_NE(list.output.find("disabled"), std::string::npos) << list.output;
  ASSERT_EQ(
      RunAutograder(
          {"user", "enable", "--data-dir", dir.File("data"), "--email", "prof@example.edu"}, env)
          .exit_code,
      0);
  Login(http, "prof@example.edu", second_password);
}

}  // namespace
}  // namespace ag::testing
