// What is acknowledged is never lost nor doubled: kill -9 while grading, SIGTERM while
// grading, restart, and count the rows in the SQLite file itself.
#include <gtest/gtest.h>
#include <signal.h>

#include <atomic>
#include <set>
#include <thread>

#include "core/json.h"
#include "store/sqlite_db.h"
#include "support/http_client.h"
#include "support/server_process.h"
#include "support/temp_dir.h"

namespace ag::testing {
namespace {

using namespace std::chrono_literals;

const char* kRubric =
    R"({"content": {"description": "Explains photosynthesis with light and chlorophyll", "max_points": 10},
                          "clarity": {"description": "Clear and well organised", "max_points": 5}})";

// One integer from a query on the database file.
std::int64_t Query(const std::string& db_path, const std::string& sql) {
  auto db = SqliteDb::Open({db_path});
  EXPECT_TRUE(db.ok());
  std::int64_t out = -1;
  Status s = (*db)->Read([&](SqliteConn& c) -> Status {
    ASSIGN_OR_RETURN(auto st, c.Prepare(sql));
    ASSIGN_OR_RETURN(bool row, st.Step());
    if (row) out = st.Int(0);
    return OkStatus();
  });
  EXPECT_TRUE(s.ok()) << s.ToString();
  return out;
}

class DurabilityTest : public ::testing::Test {
 protected:
  std::string Data() const { return dir_.File("data"); }
  std::string DbPath() const { return Data() + "/autograder.db"; }

  std::unique_ptr<ServerProcess> Start(std::vector<std::pair<std::string, std::string>> env) {
    env.emplace_back("ACCESS_LOG", "false");
    auto s = std::make_unique<ServerProcess>(Data(), env);
    EXPECT_TRUE(s->Start()) << s->log();
    return s;
  }

  std::int64_t CreateAssignment(const HttpClient& http) {
    auto r = http.PostJson("/assignments/",
                           Json{{"title", "Photosynthesis"}, {"rubric", Json::parse(kRubric)}});
    EXPECT_EQ(r.status, 200) << r.body;
    return r.json()["id"].get<std::int64_t>();
  }

  // Polls until every submission is done (or something ends in error).
  bool AllDone(const HttpClient& http, std::int64_t assignment, std::size_t n,
               std::chrono::seconds limit) {
    const auto deadline = std::chrono::steady_clock::now() + limit;
    while (std::chrono::steady_clock::now() < deadline) {
      Json list = http.Get("/submissions/assignment/" + std::to_string(assignment)).json();
      std::size_t done = 0;
      for (const auto& s : list) {
        if (s["status"] == "error") return false;
        done += s["status"] == "done";
      }
      if (list.size() == n && done == n) return true;
      std::this_thread::sleep_for(50ms);
    }
    return false;
  }

  TempDir dir_;
};

TEST_F(DurabilityTest, KillNineWithFiftyInFlightLosesAndDoublesNothing) {
  // Grading takes 150 ms, four at a time, so at the kill most of the 50 are queued or grading.
  const std::vector<std::pair<std::string, std::string>> env = {
      {"GRADER_DELAY_MS", "150"}, {"WORKER_CONCURRENCY", "4"}, {"JOB_LEASE_SECONDS", "2"}};
  auto server = Start(env);
  HttpClient http(server->port());
  const std::int64_t a = CreateAssignment(http);

  // 50 submissions from 5 clients at once; every acknowledged id is remembered.
  std::mutex mu;
  std::set<std::int64_t> acknowledged;
  std::vector<std::thread> clients;
  for (int c = 0; c < 5; ++c) {
    clients.emplace_back([&, c] {
      for (int i = 0; i < 10; ++i) {
        auto r = http.PostFile(
            "/submissions/?assignment_id=" + std::to_string(a),
            "answer-" + std::to_string(c) + "-" + std::to_string(i) + ".txt",
            "Photosynthesis uses light and chlorophyll, answer " + std::to_string(c * 10 + i));
        ASSERT_EQ(r.status, 200) << r.body;
        std::lock_guard lock(mu);
        acknowledged.insert(r.json()["id"].get<std::int64_t>());
      }
    });
  }
  for (auto& t : clients) t.join();
  ASSERT_EQ(acknowledged.size(), 50u);
  // Let some grading start, then pull the plug.
  const auto deadline = std::chrono::steady_clock::now() + 20s;
  while (std::chrono::steady_clock::now() < deadline) {
    Json m = http.Get("/submissions/assignment/" + std::to_string(a)).json();
    int done = 0;
    for (const auto& s : m) done += s["status"] == "done";
    if (done >= 4) break;
    std::this_thread::sleep_for(10ms);
  }
  server->Signal(SIGKILL);
  EXPECT_EQ(server->Wait(), 128 + SIGKILL);
  const std::int64_t done_at_kill =
      Query(DbPath(), "SELECT COUNT(*) FROM submissions WHERE status = 'done'");
  const std::int64_t grading_at_kill =
      Query(DbPath(), "SELECT COUNT(*) FROM jobs WHERE state = 'leased'");
  EXPECT_LT(done_at_kill, 50) << "nothing was in flight at the kill";
  EXPECT_GT(grading_at_kill, 0) << "no job was being graded at the kill";

  // Restart: the dead process's leases expire and every submission is graded.
  server = Start({{"WORKER_CONCURRENCY", "4"}, {"JOB_LEASE_SECONDS", "2"}});
  HttpClient again(server->port());
  EXPECT_TRUE(AllDone(again, a, 50, 60s));
  for (std::int64_t id : acknowledged) {
    EXPECT_EQ(again.Get("/submissions/" + std::to_string(id)).json()["status"], "done") << id;
  }
  server->Signal(SIGTERM);
  ASSERT_EQ(server->Wait(), 0) << server->log();

  EXPECT_EQ(Query(DbPath(), "SELECT COUNT(*) FROM submissions"), 50);
  EXPECT_EQ(Query(DbPath(), "SELECT COUNT(*) FROM submissions WHERE status = 'done'"), 50);
  EXPECT_EQ(Query(DbPath(), "SELECT COUNT(*) FROM grades"), 50);
  EXPECT_EQ(Query(DbPath(), "SELECT COUNT(DISTINCT submission_id) FROM grades"), 50);
  EXPECT_EQ(Query(DbPath(), "SELECT COUNT(*) FROM grade_events"), 50);
  EXPECT_EQ(Query(DbPath(), "SELECT COUNT(*) FROM jobs"), 0);
  EXPECT_EQ(Query(DbPath(),
                  "SELECT COUNT(*) FROM grades g JOIN submissions s ON s.id = g.submission_id "
                  "WHERE s.assignment_id = " +
                      std::to_string(a)),
            50);
}

TEST_F(DurabilityTest, SigtermFinishesRequestsReleasesLeasesAndExitsZero) {
  auto server = Start({{"GRADER_DELAY_MS", "60000"}, {"WORKER_CONCURRENCY", "2"}});
  HttpClient http(server->port());
  const std::int64_t a = CreateAssignment(http);
  for (int i = 0; i < 3; ++i) {
    ASSERT_EQ(http.PostFile("/submissions/?assignment_id=" + std::to_string(a), "a.txt",
                            "light and chlorophyll")
                  .status,
              200);
  }
  const auto deadline = std::chrono::steady_clock::now() + 10s;
  while (Query(DbPath(), "SELECT COUNT(*) FROM jobs WHERE state = 'leased'") < 2 &&
         std::chrono::steady_clock::now() < deadline) {
    std::this_thread::sleep_for(10ms);
  }
  ASSERT_EQ(Query(DbPath(), "SELECT COUNT(*) FROM jobs WHERE state = 'leased'"), 2);
  const auto stop_started = std::chrono::steady_clock::now();
  server->Signal(SIGTERM);
  EXPECT_EQ(server->Wait(), 0) << server->log();
  EXPECT_LT(std::chrono::steady_clock::now() - stop_started, 10s);  // not the 60 s grading
  EXPECT_NE(server->log().find("\"msg\":\"stopped\""), std::string::npos);
  // The jobs in hand went back to the queue without using up an attempt.
  EXPECT_EQ(Query(DbPath(), "SELECT COUNT(*) FROM jobs WHERE state = 'leased'"), 0);
  EXPECT_EQ(Query(DbPath(), "SELECT COUNT(*) FROM jobs WHERE state = 'queued' AND attempts = 0"),
            3);

  server = Start({});
  HttpClient again(server->port());
  EXPECT_TRUE(AllDone(again, a, 3, 30s));
  server->Signal(SIGTERM);
  EXPECT_EQ(server->Wait(), 0);
  EXPECT_EQ(Query(DbPath(), "SELECT COUNT(*) FROM grades"), 3);
}

}  // namespace
}  // namespace ag::testing
