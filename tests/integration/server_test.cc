// The real binary on a free port with a temporary data directory, driven over HTTP the way the
// original service's clients drive it.
#include <gtest/gtest.h>
#include <signal.h>

#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <thread>

#include "core/json.h"
#include "support/document_fixtures.h"
#include "support/http_client.h"
#include "support/original_flow.h"
#include "support/server_process.h"
#include "support/temp_dir.h"

namespace ag::testing {
namespace {

using namespace std::chrono_literals;

using testing::kOriginalEssay;
using testing::kOriginalRubric;

class ServerTest : public ::testing::Test {
 protected:
  void StartServer(std::vector<std::pair<std::string, std::string>> env = {}) {
    env.emplace_back("ACCESS_LOG", "false");
    server_ = std::make_unique<ServerProcess>(dir_.File("data"), env);
    ASSERT_TRUE(server_->Start()) << server_->log();
    http_ = std::make_unique<HttpClient>(server_->port());
  }
  void TearDown() override {
    if (server_ && server_->running()) {
      server_->Signal(SIGTERM);
      EXPECT_EQ(server_->Wait(), 0) << server_->log();
    }
    if (HasFailure() && server_) std::fprintf(stderr, "server log:\n%s\n", server_->log().c_str());
  }
  std::int64_t CreateAssignment(const std::string& prefix = "") {
    auto r = http_->PostJson(
        prefix + "/assignments/",
        Json{{"title", "Essay on Climate Change"}, {"rubric", Json::parse(kOriginalRubric)}});
    EXPECT_EQ(r.status, 200) << r.body;
    return r.json()["id"].get<std::int64_t>();
  }

  TempDir dir_;
  std::unique_ptr<ServerProcess> server_;
  std::unique_ptr<HttpClient> http_;
};

TEST_F(ServerTest, TheOriginalClientFlow) {
  StartServer();
  for (const std::string prefix : {"", "/api"}) {
    SCOPED_TRACE("prefix '" + prefix + "'");
    EXPECT_GT(testing::RunOriginalClientFlow(*http_, *http_, prefix), 0);
  }
  EXPECT_EQ(http_->Get("/assignments/").json().size(), 2u);
}

TEST_F(ServerTest, EveryErrorPathAnswersClearly) {
  StartServer({{"MAX_UPLOAD_MB", "1"}});
  const std::int64_t a = CreateAssignment();
  const std::string sub = "/submissions/?assignment_id=" + std::to_string(a);
  struct Case {
    std::string what;
    HttpResult result;
    int status;
    std::string detail_contains;
  };
  std::vector<Case> cases = {
      {"unknown route", http_->Get("/nope"), 404, "Not Found"},
      {"unknown assignment", http_->Get("/assignments/424242"), 404, "Assignment not found"},
      {"unknown submission", http_->Get("/submissions/424242"), 404, "Submission not found"},
      {"no grade yet", http_->Get("/submissions/424242/grade"), 404, "Grade not found"},
      {"reference for unknown assignment",
       http_->PostFile("/assignments/424242/references", "r.txt", "text"), 404, "Assignment"},
      {"submission for unknown assignment",
       http_->PostFile("/submissions/?assignment_id=424242", "a.txt", "text"), 404, "Assignment"},
      {"id not an integer", http_->Get("/submissions/abc"), 422, "submission_id"},
      {"missing assignment_id", http_->PostFile("/submissions/", "a.txt", "text"), 422,
       "assignment_id"},
      {"missing title",
       http_->PostJson("/assignments/", Json{{"rubric", Json::parse(kOriginalRubric)}}), 422,
       "title"},
      {"bad max_points",
       http_->PostJson(
           "/assignments/",
           Json::parse(
               R"({"title": "t", "rubric": {"k": {"description": "d", "max_points": -1}}})")),
       422, "max_points"},
      {"body not JSON",
       http_->Request("POST", "/assignments/", {{"Content-Type", "application/json"}}, "{"), 422,
       "JSON"},
      {"no file field",
       http_->Request(
           "POST", sub, {{"Content-Type", "multipart/form-data; boundary=x"}},
           "--x\r\nContent-Disposition: form-data; name=\"other\"\r\n\r\nv\r\n--x--\r\n"),
       422, "file"},
      {"not multipart", http_->Request("POST", sub, {{"Content-Type", "text/plain"}}, "hello"), 422,
       "multipart"},
      {"unsupported type", http_->PostFile(sub, "essay.exe", "MZ\x90"), 415,
       "Unsupported file type: .exe"},
      {"damaged PDF", http_->PostFile(sub, "essay.pdf", "%PDF-1.7"), 400, "essay.pdf"},
      {"mislabelled DOCX", http_->PostFile(sub, "essay.docx", "plain text"), 400, "not a DOCX"},
      {"not UTF-8", http_->PostFile(sub, "essay.txt", "\xff\xfe\x00\x01"), 400, "UTF-8"},
      {"empty file", http_->PostFile(sub, "essay.txt", ""), 400, "empty"},
      {"too large", http_->PostFile(sub, "big.txt", std::string(2 << 20, 'a')), 413, "too large"},
      {"wrong method", http_->Request("DELETE", "/assignments/1", {}, ""), 405, "Method"},
  };
  for (const Case& c : cases) {
    SCOPED_TRACE(c.what);
    EXPECT_EQ(c.result.status, c.status) << c.result.body << c.result.error;
    Json body = c.result.json();
    ASSERT_TRUE(body.contains("detail")) << c.result.body;
    EXPECT_NE(body["detail"].dump().find(c.detail_contains), std::string::npos) << c.result.body;
  }
  // A malformed request line gets a 400, and the server keeps serving.
  EXPECT_EQ(http_->Raw("NONSENSE\r\n\r\n").status, 400);
  EXPECT_EQ(http_->Get("/health/live").status, 200);
}

TEST_F(ServerTest, IndexesPdfAndDocxReferences) {
  StartServer();
  const std::int64_t a = CreateAssignment();
  const std::string refs = "/assignments/" + std::to_string(a) + "/references";
  auto para = [](const std::string& style, const std::string& text) {
    return "<w:p>" + (style.empty() ? "" : "<w:pPr><w:pStyle w:val=\"" + style + "\"/></w:pPr>") +
           "<w:r><w:t>" + text + "</w:t></w:r></w:p>";
  };
  const std::string docx =
      Docx(para("Heading1", "Causes") +
           para("", "The primary cause is human activities, particularly burning fossil fuels.") +
           para("Heading1", "Impacts") + para("", "Rising sea levels and melting glaciers."));
  auto d = http_->PostFile(refs, "climate.docx", docx);
  ASSERT_EQ(d.status, 200) << d.body;
  EXPECT_EQ(d.json()["message"], "Reference document indexed successfully");
  EXPECT_EQ(d.json()["chunks_created"], 2);  // one per heading

  auto p = http_->PostFile(refs, "climate.pdf",
                           MinimalPdf({{"Mitigation: renewable energy adoption."},
                                       {"Citations give credit to original authors."}}));
  ASSERT_EQ(p.status, 200) << p.body;
  EXPECT_EQ(p.json()["chunks_created"], 2);  // one per page

  auto exe = http_->PostFile(refs, "tool.exe", "MZ\x90\x00");
  EXPECT_EQ(exe.status, 415) << exe.body;
  EXPECT_EQ(exe.json()["detail"].get<std::string>().find("Unsupported file type: .exe"), 0u)
      << exe.body;
  auto fake = http_->PostFile(refs, "climate.pdf", docx);
  EXPECT_EQ(fake.status, 400) << fake.body;
  EXPECT_NE(fake.json()["detail"].get<std::string>().find("not a PDF"), std::string::npos)
      << fake.body;

  // A DOCX answer is graded like a text one.
  auto sub = http_->PostFile("/submissions/?assignment_id=" + std::to_string(a), "answer.docx",
                             Docx(para("", kOriginalEssay)));
  ASSERT_EQ(sub.status, 200) << sub.body;
  Json done = WaitForStatus(*http_, sub.json()["id"].get<std::int64_t>(), "done");
  EXPECT_EQ(done["status"], "done") << done.dump();
}

TEST_F(ServerTest, ImportsGradedAnswersForTheLocalGrader) {
  StartServer();
  const std::int64_t a = CreateAssignment();
  const std::string target = "/api/assignments/" + std::to_string(a) + "/graded-answers";
  const Json rubric = Json::parse(kOriginalRubric);
  const std::string key = rubric.begin().key();
  auto ok = http_->PostJson(
      target, Json{{"answers", Json::array({
                                   Json{{"answer", "A graded essay."}, {"score", 10}},
                                   Json{{"answer", "Another."}, {"points", {{key, 1}}}},
                               })}});
  ASSERT_EQ(ok.status, 200) << ok.body;
  EXPECT_EQ(ok.json()["added"], 2);
  EXPECT_EQ(ok.json()["graded_answers"], 2);

  // Bad input names the field and adds nothing.
  auto bad_points = http_->PostJson(
      target, Json{{"answers", Json::array({Json{{"answer", "x"}, {"points", {{"nope", 1}}}}})}});
  EXPECT_EQ(bad_points.status, 422) << bad_points.body;
  EXPECT_EQ(bad_points.json()["detail"][0]["loc"],
            Json::array({"body", "answers", "0", "points", "nope"}));
  auto no_score = http_->PostJson(target, Json{{"answers", Json::array({Json{{"answer", "x"}}})}});
  EXPECT_EQ(no_score.status, 422) << no_score.body;
  auto too_high = http_->PostJson(
      target, Json{{"answers", Json::array({Json{{"answer", "x"}, {"score", 1e9}}})}});
  EXPECT_EQ(too_high.status, 422) << too_high.body;
  EXPECT_EQ(http_
                ->PostJson("/assignments/999/graded-answers",
                           Json{{"answers", Json::array({Json{{"answer", "x"}, {"score", 1}}})}})
                .status,
            404);
  auto again = http_->PostJson(
      target, Json{{"answers", Json::array({Json{{"answer", "y"}, {"score", 0}}})}});
  EXPECT_EQ(again.json()["graded_answers"], 3);  // the rejected ones were not kept
}

TEST_F(ServerTest, AnswersExpectContinueUploads) {
  StartServer();
  const std::int64_t a = CreateAssignment();
  const std::string boundary = "bnd";
  const std::string body =
      "--bnd\r\nContent-Disposition: form-data; name=\"file\"; filename=\"a.txt\"\r\n\r\n"
      "An answer\r\n--bnd--\r\n";
  auto r = http_->Request(
      "POST", "/submissions/?assignment_id=" + std::to_string(a),
      {{"Content-Type", "multipart/form-data; boundary=bnd"}, {"Expect", "100-continue"}}, body);
  EXPECT_EQ(r.status, 200) << r.body << r.error;
}

TEST_F(ServerTest, MetricsPassPromtool) {
  StartServer();
  const std::int64_t a = CreateAssignment();
  auto sub =
      http_->PostFile("/submissions/?assignment_id=" + std::to_string(a), "a.txt", kOriginalEssay);
  WaitForStatus(*http_, sub.json()["id"].get<std::int64_t>(), "done");
  auto m = http_->Get("/metrics");
  ASSERT_EQ(m.status, 200);
  for (const char* name :
       {"grading_requests_total 1", "grading_duration_seconds_count 1", "grading_queue_depth",
        "grading_jobs{state=\"leased\"}",
        "http_requests_total{handler=\"/submissions\",method=\"POST\",status=\"2xx\"} 1",
        "http_request_duration_seconds_bucket{handler=\"/assignments\"",
        "process_resident_memory_bytes", "submissions{status=\"done\"} 1"}) {
    EXPECT_NE(m.body.find(name), std::string::npos) << name;
  }
  WriteFile(dir_.File("metrics.txt"), m.body);
  const std::string cmd = "promtool check metrics < " + dir_.File("metrics.txt") + " > " +
                          dir_.File("promtool.txt") + " 2>&1";
  EXPECT_EQ(std::system(cmd.c_str()), 0) << ReadFile(dir_.File("promtool.txt"));
}

TEST_F(ServerTest, ReadinessReportsEachDependency) {
  StartServer();
  auto ready = http_->Get("/health/ready");
  EXPECT_EQ(ready.status, 200);
  EXPECT_EQ(ready.json()["checks"]["database"], true);
  std::filesystem::remove_all(dir_.File("data") + "/blobs");
  auto not_ready = http_->Get("/health/ready");
  EXPECT_EQ(not_ready.status, 503);
  EXPECT_EQ(not_ready.json()["detail"]["storage"], false);
  EXPECT_EQ(http_->Get("/health/live").status, 200);
}

TEST_F(ServerTest, OpenApiAndStatusPage) {
  StartServer();
  Json doc = http_->Get("/openapi.json").json();
  for (const char* path :
       {"/assignments", "/assignments/{assignment_id}", "/assignments/{assignment_id}/references",
        "/submissions", "/submissions/{submission_id}", "/submissions/assignment/{assignment_id}",
        "/submissions/{submission_id}/grade", "/health", "/health/live", "/health/ready",
        "/metrics", "/openapi.json"}) {
    EXPECT_TRUE(doc["paths"].contains(path)) << path;
  }
  auto page = http_->Get("/");
  EXPECT_EQ(page.status, 200);
  EXPECT_NE(page.header("content-type").find("text/html"), std::string::npos);
  EXPECT_FALSE(page.header("x-request-id").empty());
}

TEST_F(ServerTest, DataSurvivesARestart) {
  StartServer();
  const std::int64_t a = CreateAssignment();
  auto sub =
      http_->PostFile("/submissions/?assignment_id=" + std::to_string(a), "a.txt", kOriginalEssay);
  const std::int64_t id = sub.json()["id"].get<std::int64_t>();
  ASSERT_EQ(WaitForStatus(*http_, id, "done")["status"], "done");
  const std::string grade_before = http_->Get("/submissions/" + std::to_string(id) + "/grade").body;
  server_->Signal(SIGTERM);
  ASSERT_EQ(server_->Wait(), 0);
  StartServer();
  EXPECT_EQ(http_->Get("/assignments/" + std::to_string(a)).json()["title"],
            "Essay on Climate Change");
  EXPECT_EQ(http_->Get("/submissions/" + std::to_string(id)).json()["status"], "done");
  EXPECT_EQ(http_->Get("/submissions/" + std::to_string(id) + "/grade").body, grade_before);
}

TEST_F(ServerTest, NoWorkersTakesSubmissionsWithoutGradingThem) {
  server_ = std::make_unique<ServerProcess>(
      dir_.File("data"), std::vector<std::pair<std::string, std::string>>{{"ACCESS_LOG", "false"}},
      std::vector<std::string>{"--no-workers"});
  ASSERT_TRUE(server_->Start()) << server_->log();
  http_ = std::make_unique<HttpClient>(server_->port());
  const std::int64_t a = CreateAssignment();
  auto sub =
      http_->PostFile("/submissions/?assignment_id=" + std::to_string(a), "a.txt", kOriginalEssay);
  ASSERT_EQ(sub.status, 200);
  const std::int64_t id = sub.json()["id"].get<std::int64_t>();
  std::this_thread::sleep_for(500ms);  // time in which a worker would have graded it
  EXPECT_EQ(http_->Get("/submissions/" + std::to_string(id)).json()["status"], "queued");
  EXPECT_NE(server_->log().find("\"workers\":0"), std::string::npos);
  server_->Signal(SIGTERM);
  ASSERT_EQ(server_->Wait(), 0);
  StartServer();  // with workers: the queued job is graded
  EXPECT_EQ(WaitForStatus(*http_, id, "done")["status"], "done");
}

TEST_F(ServerTest, KeepAliveServesManyRequestsOnOneConnection) {
  StartServer();
  std::string pipeline;
  for (int i = 0; i < 3; ++i) pipeline += "GET /health/live HTTP/1.1\r\nHost: x\r\n\r\n";
  pipeline += "GET /health/live HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n";
  const std::string all = http_->Exchange(pipeline);
  std::size_t responses = 0;
  for (std::size_t pos = 0; (pos = all.find("HTTP/1.1 200 OK", pos)) != std::string::npos; ++pos) {
    ++responses;
  }
  EXPECT_EQ(responses, 4u) << all;
}

}  // namespace
}  // namespace ag::testing
