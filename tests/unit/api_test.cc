// The API as a function, on the real embedded adapters in a temporary data directory.
#include "http/api.h"

#include <gtest/gtest.h>

#include <filesystem>

#include "app/wiring.h"
#include "http/error_mapping.h"
#include "support/openapi_refs.h"
#include "support/temp_dir.h"

namespace ag {
namespace {

class ApiTest : public ::testing::Test {
 protected:
  void SetUp() override {
    config_.data_dir = dir_.path();
    services_ = std::move(BuildServices(config_, clock_, log_, random_).value());
    ApiOptions o;
    o.version = "test";
    o.access_log = false;
    o.cors_origins = {"https://ui.example"};
    api_ = std::make_unique<Api>(ApiDeps{*services_->store, *services_->assignments,
                                         *services_->submissions, services_->metrics,
                                         services_->health, log_, clock_, o});
  }

  HttpResponse Call(const std::string& method, const std::string& target,
                    const std::string& body = "",
                    std::vector<std::pair<std::string, std::string>> headers = {}) {
    HttpRequest r;
    r.method = method;
    r.target = target;
    const auto q = target.find('?');
    r.path = target.substr(0, q);
    if (q != std::string::npos) r.query = ParseQuery(target.substr(q + 1));
    r.headers = std::move(headers);
    r.body = body;
    return api_->Handle(r);
  }
  Json CallJson(const std::string& method, const std::string& target, const std::string& body,
                int expect_status) {
    HttpResponse r = Call(method, target, body, {{"content-type", "application/json"}});
    EXPECT_EQ(r.status, expect_status) << method << " " << target << ": " << r.body;
    return ParseJsonOrDiscarded(r.body);
  }
  std::int64_t CreateAssignment() {
    Json a = CallJson(
        "POST", "/assignments/",
        R"({"title": "Essay", "rubric": {"thesis": {"description": "A clear thesis", "max_points": 10}}})",
        200);
    return a["id"].get<std::int64_t>();
  }

  testing::TempDir dir_;
  Config config_;
  SystemClock clock_;
  Logger log_{clock_, LogLevel::kError};
  SeededRandom random_{7};
  std::unique_ptr<Services> services_;
  std::unique_ptr<Api> api_;
};

TEST_F(ApiTest, AssignmentsKeepTheOriginalShape) {
  Json a = CallJson("POST", "/assignments/",
                    R"({"title": "Essay", "rubric": {"b": {"description": "B", "max_points": 2},
                                                      "a": {"description": "A", "max_points": 1}}})",
                    200);
  std::vector<std::string> keys;
  for (auto& [k, v] : a.items()) keys.push_back(k);
  ASSERT_GE(keys.size(), 4u);
  EXPECT_EQ(std::vector<std::string>(keys.begin(), keys.begin() + 4),
            (std::vector<std::string>{"id", "title", "rubric", "created_at"}));
  EXPECT_EQ(a["rubric"].begin().key(), "b");
  EXPECT_TRUE(a["created_at"].is_string());
  const std::string id = a["id"].dump();
  EXPECT_EQ(CallJson("GET", "/assignments/" + id, "", 200)["title"], "Essay");
  EXPECT_EQ(CallJson("GET", "/api/assignments/" + id, "", 200)["title"], "Essay");
  EXPECT_EQ(CallJson("GET", "/assignments", "", 200).size(), 1u);
  EXPECT_EQ(CallJson("GET", "/assignments/?limit=0", "", 422)["detail"][0]["loc"],
            Json::parse(R"(["query", "limit"])"));
}

TEST_F(ApiTest, BadAssignmentsAre422NamingTheField) {
  auto loc = [&](const std::string& body) {
    return CallJson("POST", "/assignments/", body, 422)["detail"][0]["loc"];
  };
  EXPECT_EQ(loc(R"({"rubric": {}})"), Json::parse(R"(["body", "title"])"));
  EXPECT_EQ(loc(R"({"title": "t"})"), Json::parse(R"(["body", "rubric"])"));
  EXPECT_EQ(loc(R"({"title": 5, "rubric": {}})"), Json::parse(R"(["body", "title"])"));
  EXPECT_EQ(loc(R"({"title": "t", "rubric": {"x": {"description": "d", "max_points": "ten"}}})"),
            Json::parse(R"(["body", "rubric", "x", "max_points"])"));
  EXPECT_EQ(loc("[1]"), Json::parse(R"(["body"])"));
  EXPECT_EQ(loc("{not json"), Json::parse(R"(["body"])"));
  EXPECT_EQ(CallJson("POST", "/assignments/", R"({"rubric": {}})", 422)["detail"][0]["type"],
            "value_error.missing");
}

TEST_F(ApiTest, TextSubmissionsAsJson) {
  const std::int64_t a = CreateAssignment();
  Json s = CallJson(
      "POST", "/submissions/",
      Json{{"assignment_id", a}, {"content", "My thesis is clear."}, {"student_id", "s1"}}.dump(),
      200);
  EXPECT_EQ(s["status"], "queued");
  EXPECT_EQ(s["student_id"], "s1");
  EXPECT_EQ(s["filename"], "answer.txt");
  EXPECT_EQ(CallJson("GET", "/submissions/" + s["id"].dump(), "", 200)["id"], s["id"]);
  EXPECT_EQ(CallJson("GET", "/submissions/assignment/" + std::to_string(a), "", 200).size(), 1u);
  EXPECT_EQ(CallJson("POST", "/submissions/", R"({"content": "x"})", 422)["detail"][0]["loc"],
            Json::parse(R"(["body", "assignment_id"])"));
  EXPECT_EQ(
      CallJson("POST", "/submissions/", R"({"assignment_id": 999, "content": "x"})", 404)["detail"],
      "Assignment not found");
  EXPECT_EQ(CallJson("POST", "/submissions/", Json{{"assignment_id", a}, {"content", " "}}.dump(),
                     400)["detail"]
                    .get<std::string>()
                    .find("empty") != std::string::npos,
            true);
}

TEST_F(ApiTest, MultipartSubmissionsAndTheirErrors) {
  const std::int64_t a = CreateAssignment();
  auto upload = [&](const std::string& target, const std::string& filename,
                    const std::string& content) {
    const std::string body = "--B\r\nContent-Disposition: form-data; name=\"file\"; filename=\"" +
                             filename + "\"\r\n\r\n" + content + "\r\n--B--\r\n";
    return Call("POST", target, body, {{"content-type", "multipart/form-data; boundary=B"}});
  };
  const std::string target = "/submissions/?assignment_id=" + std::to_string(a);
  HttpResponse ok = upload(target, "essay.md", "# Thesis\nClear.");
  EXPECT_EQ(ok.status, 200) << ok.body;
  EXPECT_EQ(ParseJsonOrDiscarded(ok.body)["filename"], "essay.md");
  EXPECT_EQ(upload("/submissions/", "e.txt", "x").status, 422);
  EXPECT_EQ(upload("/submissions/?assignment_id=abc", "e.txt", "x").status, 422);
  EXPECT_EQ(upload("/submissions/?assignment_id=9999", "e.txt", "x").status, 404);
  EXPECT_EQ(upload(target, "e.pdf", "%PDF").status, 400);
  EXPECT_EQ(upload(target, "e.txt", "\xff\xfe").status, 400);
  HttpResponse no_file = Call(
      "POST", target, "--B\r\nContent-Disposition: form-data; name=\"other\"\r\n\r\nx\r\n--B--",
      {{"content-type", "multipart/form-data; boundary=B"}});
  EXPECT_EQ(no_file.status, 422);
  EXPECT_EQ(ParseJsonOrDiscarded(no_file.body)["detail"][0]["loc"],
            Json::parse(R"(["body", "file"])"));
}

TEST_F(ApiTest, ReferencesAreChunked) {
  const std::int64_t a = CreateAssignment();
  const std::string body =
      "--B\r\nContent-Disposition: form-data; name=\"file\"; filename=\"notes.md\"\r\n\r\n"
      "# One\nFirst part.\n\n# Two\nSecond part.\r\n--B--\r\n";
  HttpResponse r = Call("POST", "/assignments/" + std::to_string(a) + "/references", body,
                        {{"content-type", "multipart/form-data; boundary=B"}});
  ASSERT_EQ(r.status, 200) << r.body;
  Json j = ParseJsonOrDiscarded(r.body);
  EXPECT_EQ(j["message"], "Reference document indexed successfully");
  EXPECT_EQ(j["filename"], "notes.md");
  EXPECT_EQ(j["chunks_created"], 2);
  auto request = [](const char* method, const char* path) {
    HttpRequest q;
    q.method = method;
    q.path = path;
    return q;
  };
  EXPECT_EQ(api_->ExecutionOf(request("POST", "/assignments/1/references")),
            Api::Execution::kBlocking);
  EXPECT_EQ(api_->ExecutionOf(request("POST", "/api/submissions/")), Api::Execution::kAsync);
  EXPECT_EQ(api_->ExecutionOf(request("GET", "/health/live")), Api::Execution::kInline);
  HttpResponse missing = Call("POST", "/assignments/999/references", body,
                              {{"content-type", "multipart/form-data; boundary=B"}});
  EXPECT_EQ(missing.status, 404);
}

TEST_F(ApiTest, MissingThingsAre404) {
  EXPECT_EQ(Call("GET", "/assignments/999").status, 404);
  EXPECT_EQ(Call("GET", "/submissions/999").status, 404);
  EXPECT_EQ(Call("GET", "/submissions/999/grade").status, 404);
  EXPECT_EQ(Call("GET", "/no/such/route").status, 404);
  EXPECT_EQ(Call("GET", "/api/no/such/route").status, 404);
  EXPECT_EQ(Call("PATCH", "/assignments/1").status, 405);
  EXPECT_EQ(Call("GET", "/submissions/abc").status, 422);
}

TEST_F(ApiTest, RequestIdsAreEchoedOrMade) {
  HttpResponse given = Call("GET", "/health/live", "", {{"x-request-id", "abc-123"}});
  bool found = false;
  for (auto& [k, v] : given.headers) found = found || (k == "X-Request-ID" && v == "abc-123");
  EXPECT_TRUE(found);
  HttpResponse made = Call("GET", "/health/live");
  std::string id;
  for (auto& [k, v] : made.headers)
    if (k == "X-Request-ID") id = v;
  EXPECT_EQ(id.size(), 16u);
}

TEST_F(ApiTest, CorsForAllowedOrigins) {
  HttpResponse pre =
      Call("OPTIONS", "/api/submissions/", "",
           {{"origin", "https://ui.example"}, {"access-control-request-method", "POST"}});
  EXPECT_EQ(pre.status, 200);
  std::map<std::string, std::string> h(pre.headers.begin(), pre.headers.end());
  EXPECT_EQ(h["Access-Control-Allow-Origin"], "https://ui.example");
  EXPECT_NE(h["Access-Control-Allow-Methods"].find("POST"), std::string::npos);
  HttpResponse other = Call("GET", "/health", "", {{"origin", "https://evil.example"}});
  for (auto& [k, v] : other.headers) EXPECT_NE(k, "Access-Control-Allow-Origin");
}

TEST_F(ApiTest, HealthChecksEachDependency) {
  Json ready = CallJson("GET", "/health/ready", "", 200);
  EXPECT_EQ(ready["status"], "ready");
  EXPECT_EQ(ready["checks"], Json::parse(R"({"database": true, "queue": true, "storage": true})"));
  EXPECT_EQ(CallJson("GET", "/health/live", "", 200)["status"], "alive");
  EXPECT_EQ(CallJson("GET", "/health", "", 200)["status"], "healthy");
  std::filesystem::remove_all(config_.blob_root());
  Json not_ready = CallJson("GET", "/health/ready", "", 503);
  EXPECT_EQ(not_ready["detail"]["storage"], false);
  EXPECT_EQ(not_ready["detail"]["database"], true);
}

TEST_F(ApiTest, APersonsGradeReplacesTheGradersAndTeachesTheLocalGrader) {
  Json a = CallJson("POST", "/assignments/", R"({"title": "Essay", "rubric": {
      "thesis": {"description": "A clear thesis", "max_points": 10},
      "evidence": {"description": "Evidence", "max_points": 5}}})",
                    200);
  const std::string sid =
      CallJson("POST", "/submissions/",
               Json{{"assignment_id", a["id"]}, {"content", "My thesis is clear."}}.dump(),
               200)["id"]
          .dump();
  const std::string target = "/submissions/" + sid + "/grade";
  // Ungraded: every criterion is needed.
  EXPECT_EQ(CallJson("PUT", target, R"({"breakdown": {"thesis": 7}})", 422)["detail"][0]["loc"],
            Json::parse(R"(["body", "breakdown", "evidence"])"));
  Json g = CallJson("PUT", target,
                    R"({"breakdown": {"thesis": {"points": 7.5, "comment": "clear"}, "evidence": 2},
                        "feedback": "Add sources.", "reason": "second reading"})",
                    200);
  EXPECT_EQ(g["score"], 9.5);
  EXPECT_EQ(g["max_score"], 15);
  EXPECT_EQ(g["grader"], "human");
  EXPECT_EQ(g["breakdown"]["thesis"]["comment"], "clear");
  EXPECT_EQ(g["feedback"], "Add sources.");
  EXPECT_EQ(CallJson("GET", "/submissions/" + sid, "", 200)["status"], "done");

  // Criteria left out keep their points.
  g = CallJson("PUT", "/api" + target, R"({"breakdown": {"evidence": {"points": 5}}})", 200);
  EXPECT_EQ(g["breakdown"]["thesis"]["points"], 7.5);
  EXPECT_EQ(g["score"], 12.5);
  EXPECT_EQ(g["feedback"], "Add sources.");

  // The answer is now one graded example (the latest override), for the local grader.
  auto examples =
      services_->store->ListGradedAnswers(AssignmentId(a["id"].get<std::int64_t>())).value();
  ASSERT_EQ(examples.size(), 1u);
  EXPECT_EQ(examples[0].source, "override");
  EXPECT_EQ(examples[0].answer_text, "My thesis is clear.");
  EXPECT_EQ(*examples[0].score, 12.5);

  struct Bad {
    const char* body;
    const char* loc;
  } bad[] = {
      {R"({"breakdown": {"style": 3}})", R"(["body", "breakdown", "style"])"},
      {R"({"breakdown": {"thesis": 11}})", R"(["body", "breakdown", "thesis", "points"])"},
      {R"({"breakdown": {"thesis": -1}})", R"(["body", "breakdown", "thesis", "points"])"},
      {R"({"breakdown": {"thesis": "7"}})", R"(["body", "breakdown", "thesis", "points"])"},
      {R"({"breakdown": {"thesis": {"comment": "x"}}})",
       R"(["body", "breakdown", "thesis", "points"])"},
      {R"({"breakdown": {"thesis": {"points": 3, "comment": 4}}})",
       R"(["body", "breakdown", "thesis", "comment"])"},
      {R"({"breakdown": [1]})", R"(["body", "breakdown"])"},
      {R"({})", R"(["body", "breakdown"])"},
      {R"({"feedback": 3})", R"(["body", "feedback"])"},
  };
  for (const auto& b : bad) {
    EXPECT_EQ(CallJson("PUT", target, b.body, 422)["detail"][0]["loc"], Json::parse(b.loc))
        << b.body;
  }
  EXPECT_EQ(CallJson("PUT", "/submissions/424242/grade", R"({"feedback": "x"})", 404)["detail"],
            "Submission not found");
  EXPECT_EQ(CallJson("GET", target, "", 200)["score"], 12.5);  // nothing bad was written
}

TEST_F(ApiTest, AnUploadCarriesOneFileAndItsTypeIsChecked) {
  const std::string id = std::to_string(CreateAssignment());
  auto part = [](const std::string& name, const std::string& filename, const std::string& data) {
    return "--B\r\nContent-Disposition: form-data; name=\"" + name + "\"; filename=\"" + filename +
           "\"\r\n\r\n" + data + "\r\n";
  };
  const std::vector<std::pair<std::string, std::string>> multipart = {
      {"content-type", "multipart/form-data; boundary=B"}};
  auto two = Call("POST", "/assignments/" + id + "/references",
                  part("file", "a.txt", "First.") + part("extra", "b.txt", "Second.") + "--B--\r\n",
                  multipart);
  EXPECT_EQ(two.status, 422) << two.body;
  EXPECT_NE(two.body.find("one file per request"), std::string::npos) << two.body;
  auto disguised = Call(
      "POST", "/submissions/?assignment_id=" + id,
      part("file", "essay.txt", std::string("\x7F") + "ELF\x02\x01\x01") + "--B--\r\n", multipart);
  EXPECT_EQ(disguised.status, 415) << disguised.body;
  EXPECT_NE(disguised.body.find("an executable, not text"), std::string::npos) << disguised.body;
}

TEST_F(ApiTest, OpenApiDescribesEveryRoute) {
  Json doc = CallJson("GET", "/openapi.json", "", 200);
  EXPECT_EQ(doc["openapi"], "3.1.0");
  for (const Route& r : api_->router().routes()) {
    std::string method = r.method;
    for (char& c : method) c = static_cast<char>(std::tolower(c));
    ASSERT_TRUE(doc["paths"].contains(r.pattern)) << r.pattern;
    EXPECT_TRUE(doc["paths"][r.pattern].contains(method)) << r.method << " " << r.pattern;
    EXPECT_TRUE(doc["paths"][r.pattern][method].contains("responses")) << r.pattern;
  }
  testing::ExpectEveryRefResolves(doc);
}

TEST_F(ApiTest, MetricsCountRequestsByRoute) {
  Call("GET", "/health/live");
  Call("GET", "/nope");
  HttpResponse m = Call("GET", "/metrics");
  EXPECT_EQ(m.status, 200);
  EXPECT_NE(m.content_type.find("text/plain"), std::string::npos);
  EXPECT_NE(
      m.body.find(R"(http_requests_total{handler="/health/live",method="GET",status="2xx"} 1)"),
      std::string::npos);
  EXPECT_NE(m.body.find(R"(http_requests_total{handler="none",method="GET",status="4xx"} 1)"),
            std::string::npos);
  for (const char* name :
       {"grading_requests_total", "grading_duration_seconds_bucket", "grading_queue_depth",
        "grading_jobs{state=\"ready\"}", "http_request_duration_seconds_bucket",
        "process_resident_memory_bytes", "submissions{status=\"done\"}"}) {
    EXPECT_NE(m.body.find(name), std::string::npos) << name;
  }
}

TEST_F(ApiTest, AfterDrainSubmissionsAreRefusedNotLost) {
  const std::int64_t a = CreateAssignment();
  EXPECT_EQ(CallJson("POST", "/submissions/",
                     Json{{"assignment_id", a}, {"content", "before"}}.dump(), 200)["status"],
            "queued");
  services_->submissions->Drain();
  EXPECT_EQ(CallJson("POST", "/submissions/",
                     Json{{"assignment_id", a}, {"content", "after"}}.dump(), 503)["detail"],
            "the service is shutting down");
  EXPECT_EQ(CallJson("GET", "/submissions/assignment/" + std::to_string(a), "", 200).size(), 1u);
}

TEST_F(ApiTest, StatusPageAtRoot) {
  HttpResponse r = Call("GET", "/");
  EXPECT_EQ(r.status, 200);
  EXPECT_NE(r.content_type.find("text/html"), std::string::npos);
  EXPECT_NE(r.body.find("AutoGrader"), std::string::npos);
}

TEST(ErrorMappingTest, CodesBecomeStatuses) {
  EXPECT_EQ(ErrorResponse(NotFoundError("Submission not found")).status, 404);
  EXPECT_EQ(ErrorResponse(InvalidArgumentError("bad file")).status, 400);
  EXPECT_EQ(ErrorResponse(InvalidArgumentError("bad", {"body", "x"})).status, 422);
  HttpResponse unsupported =
      ErrorResponse(UnsupportedMediaTypeError("Unsupported file type: .exe"));
  EXPECT_EQ(unsupported.status, 415);
  EXPECT_EQ(ParseJsonOrDiscarded(unsupported.body),
            Json::parse(R"({"detail": "Unsupported file type: .exe"})"));
  EXPECT_EQ(ErrorResponse(UnavailableError("db down")).status, 503);
  EXPECT_EQ(ErrorResponse(FailedPreconditionError("x")).status, 409);
  HttpResponse internal = ErrorResponse(InternalError("secret detail"));
  EXPECT_EQ(internal.status, 500);
  EXPECT_EQ(internal.body.find("secret"), std::string::npos);
}

}  // namespace
}  // namespace ag
