// The real binary on the scaled-out adapters, against the servers scripts/test-services starts:
// what lands where, readiness naming the dependency that fails, an API replica with separate
// worker processes, and faults (workers killed with kill -9, Redis restarted) losing nothing.
#include <gtest/gtest.h>

#include <csignal>
#include <cstdio>
#include <thread>

#include "blob/s3_blob_store.h"
#include "core/sha256.h"
#include "support/http_client.h"
#include "support/server_process.h"
#include "support/temp_dir.h"
#include "support/test_services.h"

namespace ag {
namespace {

using testing::HttpClient;
using testing::ServerProcess;
using testing::ServiceSetting;
using testing::TempDir;

using Env = std::vector<std::pair<std::string, std::string>>;
using namespace std::chrono_literals;

const char* kRubric = R"({"product": {"description": "Names glucose and oxygen as products",
                                      "max_points": 2}})";

Env S3Env(const std::string& bucket) {
  const std::string endpoint = ServiceSetting("AG_TEST_S3_ENDPOINT");
  EXPECT_FALSE(endpoint.empty()) << testing::kStartServicesHint;
  return {{"MINIO_ENDPOINT", endpoint},
          {"MINIO_ACCESS_KEY", ServiceSetting("AG_TEST_S3_ACCESS_KEY")},
          {"MINIO_SECRET_KEY", ServiceSetting("AG_TEST_S3_SECRET_KEY")},
          {"MINIO_BUCKET", bucket},
          {"ACCESS_LOG", "false"}};
}

// Runs `sqlite3 path sql` and returns what it printed (the embedded store is shared by the
// processes of these tests; MariaDB is not built yet).
std::string Sqlite(const std::string& path, const std::string& sql) {
  std::string quoted;  // for the shell: ' becomes '\''
  for (char c : sql) quoted += c == '\'' ? std::string("'\\''") : std::string(1, c);
  const std::string cmd = "sqlite3 '" + path + "' '" + quoted + "'";
  std::FILE* p = ::popen(cmd.c_str(), "r");
  if (p == nullptr) return {};
  std::string out;
  char buf[256];
  while (std::fgets(buf, sizeof buf, p) != nullptr) out += buf;
  ::pclose(p);
  while (!out.empty() && out.back() == '\n') out.pop_back();
  return out;
}

std::int64_t CreateAssignment(const HttpClient& http) {
  auto a = http.PostJson("/assignments/", Json{{"title", "Photosynthesis"},
                                               {"question", "What does photosynthesis make?"},
                                               {"rubric", Json::parse(kRubric)}});
  EXPECT_EQ(a.status, 200) << a.body;
  return a.json().value("id", std::int64_t{0});
}

std::vector<std::int64_t> SubmitMany(const HttpClient& http, std::int64_t assignment, int n) {
  std::vector<std::int64_t> ids;
  for (int i = 0; i < n; ++i) {
    auto sub =
        http.PostFile("/submissions/?assignment_id=" + std::to_string(assignment), "answer.txt",
                      "It makes glucose and oxygen, answer " + std::to_string(i));
    EXPECT_EQ(sub.status, 200) << sub.body;
    if (sub.status == 200) ids.push_back(sub.json()["id"].get<std::int64_t>());
  }
  return ids;
}

class ScaledOutServer {
 public:
  explicit ScaledOutServer(Env env, std::vector<std::string> args = {"--no-workers"})
      : server_(dir_.File("data"), std::move(env), std::move(args)) {}
  ~ScaledOutServer() {
    if (server_.running()) {
      server_.Signal(SIGTERM);
      server_.Wait();
    }
  }
  bool Start() { return server_.Start(); }
  HttpClient http() const { return HttpClient(server_.port()); }
  std::string log() const { return server_.log(); }
  std::string data_dir() const { return dir_.File("data"); }

 private:
  TempDir dir_;
  ServerProcess server_;
};

TEST(ScaledOutTest, FilesGoToTheS3BucketAndGradingReadsThemBack) {
  const std::string bucket = testing::UniqueName("files");
  ScaledOutServer server(S3Env(bucket), {});
  ASSERT_TRUE(server.Start()) << server.log();
  const HttpClient http = server.http();
  auto a = http.PostJson("/assignments/", Json{{"title", "Photosynthesis"},
                                               {"question", "What does photosynthesis make?"},
                                               {"rubric", Json::parse(R"({"product": {"description":
                                 "Names glucose and oxygen as products", "max_points": 2}})")}});
  ASSERT_EQ(a.status, 200) << a.body;
  const std::string id = std::to_string(a.json()["id"].get<std::int64_t>());
  const std::string notes = "# Products\nPhotosynthesis makes glucose and oxygen from light.\n";
  auto ref = http.PostFile("/assignments/" + id + "/references", "notes.md", notes);
  ASSERT_EQ(ref.status, 200) << ref.body;
  EXPECT_EQ(ref.json()["sha256"], Sha256Hex(notes));

  const std::string answer = "It makes glucose and oxygen.";
  auto sub = http.PostFile("/submissions/?assignment_id=" + id, "answer.txt", answer);
  ASSERT_EQ(sub.status, 200) << sub.body;
  Json done = WaitForStatus(http, sub.json()["id"].get<std::int64_t>(), "done");
  ASSERT_EQ(done["status"], "done") << done.dump() << server.log();

  // Both originals are objects of the bucket, read back through another client.
  S3BlobStoreOptions o;
  for (const auto& [k, v] : S3Env(bucket)) {
    if (k == "MINIO_ENDPOINT") o.endpoint = v;
    if (k == "MINIO_ACCESS_KEY") o.access_key = v;
    if (k == "MINIO_SECRET_KEY") o.secret_key = v;
  }
  o.bucket = bucket;
  SystemClock clock;
  auto s3 = std::move(S3BlobStore::Open(o, clock).value());
  EXPECT_EQ(*s3->Get(Sha256Hex(notes)), notes);
  EXPECT_EQ(*s3->Get(Sha256Hex(answer)), answer);
  EXPECT_FALSE(std::filesystem::exists(server.data_dir() + "/blobs"))
      << "no blob directory when S3 holds them";

  auto ready = http.Get("/health/ready");
  EXPECT_EQ(ready.status, 200) << ready.body;
  EXPECT_EQ(ready.json()["checks"]["storage"], true);
}

TEST(ScaledOutTest, ReadinessNamesStorageWhenS3IsDown) {
  Env env = S3Env(testing::UniqueName("down"));
  for (auto& [k, v] : env) {
    if (k == "MINIO_ENDPOINT") v = "127.0.0.1:1";  // nothing listens there
  }
  ScaledOutServer server(env, {});
  ASSERT_TRUE(server.Start()) << "a store that is down does not stop start-up\n" << server.log();
  const HttpClient http = server.http();
  auto ready = http.Get("/health/ready");
  EXPECT_EQ(ready.status, 503) << ready.body;
  EXPECT_EQ(ready.json()["detail"]["storage"], false) << ready.body;
  EXPECT_EQ(ready.json()["detail"]["database"], true) << ready.body;
  EXPECT_EQ(http.Get("/health/live").status, 200);
  // An upload cannot be kept: 503, nothing acknowledged.
  auto a = http.PostJson(
      "/assignments/",
      Json{{"title", "T"}, {"question", "Q"}, {"rubric", Json::parse(R"({"c": {"description": "d",
                                                                "max_points": 1}})")}});
  ASSERT_EQ(a.status, 200);
  auto sub = http.PostFile(
      "/submissions/?assignment_id=" + std::to_string(a.json()["id"].get<std::int64_t>()),
      "answer.txt", "an answer");
  EXPECT_EQ(sub.status, 503) << sub.body;
}

// A worker process of the shape of the deployment: `autograder worker` on the same settings.
class WorkerProcess {
 public:
  WorkerProcess(std::string data_dir, Env env) : process_(std::move(data_dir), std::move(env)) {
    process_.UseWorkerCommand();
  }
  ~WorkerProcess() {
    if (process_.running()) {
      process_.Signal(SIGKILL);
      process_.Wait();
    }
  }
  bool Start() { return process_.Start(); }
  void Kill() {
    process_.Signal(SIGKILL);
    process_.Wait();
  }
  int Stop() {
    process_.Signal(SIGTERM);
    return process_.Wait();
  }
  HttpClient http() const { return HttpClient(process_.port()); }
  std::string log() const { return process_.log(); }

 private:
  ServerProcess process_;
};

Env RedisS3Env(const std::string& redis_url, const std::string& s3_endpoint,
               const std::string& bucket) {
  Env env = S3Env(bucket);
  for (auto& [k, v] : env) {
    if (k == "MINIO_ENDPOINT") v = s3_endpoint;
  }
  env.emplace_back("REDIS_URL", redis_url);
  env.emplace_back("JOB_RETRY_BASE_MS", "50");
  env.emplace_back("JOB_RETRY_MAX_MS", "200");
  env.emplace_back("SWEEP_INTERVAL_SECONDS", "1");
  return env;
}

TEST(ScaledOutTest, AnApiReplicaAndTwoWorkerProcessesShareRedisAndS3) {
  const std::string redis = testing::UniqueRedisUrl();
  ASSERT_FALSE(redis.empty()) << testing::kStartServicesHint;
  const Env env =
      RedisS3Env(redis, ServiceSetting("AG_TEST_S3_ENDPOINT"), testing::UniqueName("replica"));
  ScaledOutServer api(env);
  ASSERT_TRUE(api.Start()) << api.log();
  WorkerProcess w1(api.data_dir(), env), w2(api.data_dir(), env);
  ASSERT_TRUE(w1.Start()) << w1.log();
  ASSERT_TRUE(w2.Start()) << w2.log();

  const HttpClient http = api.http();
  const std::int64_t assignment = CreateAssignment(http);
  const auto ids = SubmitMany(http, assignment, 30);
  ASSERT_EQ(ids.size(), 30u);
  for (auto id : ids) {
    Json s = WaitForStatus(http, id, "done");
    ASSERT_EQ(s["status"], "done") << s.dump() << w1.log() << w2.log();
  }
  EXPECT_EQ(Sqlite(api.data_dir() + "/autograder.db",
                   "SELECT count(*), count(DISTINCT submission_id) FROM grades"),
            "30|30");

  // A worker's port answers health and metrics, and nothing of the API.
  const HttpClient ops = w1.http();
  auto ready = ops.Get("/health/ready");
  EXPECT_EQ(ready.status, 200) << ready.body;
  EXPECT_EQ(ready.json()["checks"]["redis"], true) << ready.body;
  EXPECT_EQ(ready.json()["checks"]["storage"], true) << ready.body;
  auto metrics = ops.Get("/metrics");
  EXPECT_EQ(metrics.status, 200);
  EXPECT_NE(metrics.body.find("grading_queue_depth"), std::string::npos) << metrics.body;
  EXPECT_EQ(ops.Get("/assignments/").status, 404);
  EXPECT_EQ(ops.Get("/").status, 404);

  EXPECT_EQ(w1.Stop(), 0) << w1.log();
  EXPECT_EQ(w2.Stop(), 0) << w2.log();
}

TEST(ScaledOutTest, KilledWorkersAndARestartedRedisLoseAndDoubleNothing) {
  TempDir services;
  ASSERT_TRUE(testing::StartOwnServices(services.path(), "redis s3"));
  struct Stop {
    std::string dir;
    ~Stop() { testing::StopOwnServices(dir); }
  } stop{services.path()};
  Env env =
      RedisS3Env(testing::OwnServiceSetting(services.path(), "AG_TEST_REDIS_URL"),
                 testing::OwnServiceSetting(services.path(), "AG_TEST_S3_ENDPOINT"), "faults");
  env.emplace_back("GRADER_DELAY_MS", "100");  // so that kills land mid-grade
  env.emplace_back("JOB_LEASE_SECONDS", "2");  // a killed worker's jobs come back soon
  env.emplace_back("WORKER_CONCURRENCY", "2");
  Env api_env = env;
  ScaledOutServer api(api_env);
  ASSERT_TRUE(api.Start()) << api.log();
  auto w1 = std::make_unique<WorkerProcess>(api.data_dir(), env);
  WorkerProcess w2(api.data_dir(), env);
  ASSERT_TRUE(w1->Start()) << w1->log();
  ASSERT_TRUE(w2.Start()) << w2.log();

  const HttpClient http = api.http();
  const std::int64_t assignment = CreateAssignment(http);
  std::vector<std::int64_t> ids = SubmitMany(http, assignment, 100);
  ASSERT_EQ(ids.size(), 100u);
  for (int round = 0; round < 3; ++round) {
    std::this_thread::sleep_for(700ms);
    w1->Kill();
    if (round == 1) {
      ASSERT_TRUE(testing::RestartOwnService(services.path(), "redis"));
    }
    w1 = std::make_unique<WorkerProcess>(api.data_dir(), env);
    ASSERT_TRUE(w1->Start()) << w1->log();
  }
  // More submissions after the restart: the intake works on the restarted Redis too.
  auto more = SubmitMany(http, assignment, 20);
  ids.insert(ids.end(), more.begin(), more.end());
  for (auto id : ids) {
    Json s = WaitForStatus(http, id, "done", 120s);
    ASSERT_EQ(s["status"], "done") << s.dump() << w2.log();
  }
  EXPECT_EQ(Sqlite(api.data_dir() + "/autograder.db",
                   "SELECT count(*), count(DISTINCT submission_id) FROM grades"),
            std::to_string(ids.size()) + "|" + std::to_string(ids.size()));
  EXPECT_EQ(Sqlite(api.data_dir() + "/autograder.db",
                   "SELECT count(*) FROM submissions WHERE status <> 'done'"),
            "0");
}

}  // namespace
}  // namespace ag
