// The real binary on the scaled-out adapters, against the servers scripts/test-services starts:
// what lands where, readiness naming the dependency that fails, an API replica with separate
// worker processes, and faults (workers killed with kill -9, Redis restarted) losing nothing.
#include <gtest/gtest.h>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <csignal>
#include <cstdio>
#include <filesystem>
#include <thread>

#include "blob/s3_blob_store.h"
#include "core/sha256.h"
#include "support/fake_openai_process.h"
#include "support/fake_process.h"
#include "support/http_client.h"
#include "support/original_flow.h"
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

// The MariaDB settings of a test: the shared server's, or those of a test's own servers.
struct Mysql {
  std::string port, user, password, database;

  static Mysql Of(const std::string& services_dir, const std::string& database) {
    auto get = [&](const std::string& key) {
      return services_dir.empty() ? ServiceSetting(key)
                                  : testing::OwnServiceSetting(services_dir, key);
    };
    Mysql m{get("AG_TEST_MYSQL_PORT"), get("AG_TEST_MYSQL_USER"), get("AG_TEST_MYSQL_PASSWORD"),
            database};
    EXPECT_FALSE(m.port.empty()) << testing::kStartServicesHint;
    return m;
  }
  void AddTo(Env& env) const {
    env.emplace_back("MYSQL_HOST", "127.0.0.1");
    env.emplace_back("MYSQL_PORT", port);
    env.emplace_back("MYSQL_USER", user);
    env.emplace_back("MYSQL_PASSWORD", password);
    env.emplace_back("MYSQL_DATABASE", database);
  }
  // What the mariadb client prints for `sql` (tab-separated, no headers).
  std::string Query(const std::string& sql) const {
    const std::string cmd = "mariadb --no-defaults -h127.0.0.1 -P" + port + " -u" + user + " -p" +
                            password + " -N -B " + database + " -e \"" + sql + "\"";
    std::FILE* p = ::popen(cmd.c_str(), "r");
    if (p == nullptr) return {};
    std::string out;
    char buf[256];
    while (std::fgets(buf, sizeof buf, p) != nullptr) out += buf;
    ::pclose(p);
    while (!out.empty() && out.back() == '\n') out.pop_back();
    return out;
  }
};

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
  explicit ScaledOutServer(Env env, std::vector<std::string> args = {"--no-workers"},
                           bool auth = false)
      : server_(dir_.File("data"), std::move(env), std::move(args)) {
    if (auth) server_.UseAuth();
  }
  ~ScaledOutServer() {
    if (server_.running()) {
      server_.Signal(SIGTERM);
      server_.Wait();
    }
  }
  bool Start() { return server_.Start(); }
  HttpClient http() const { return HttpClient(server_.port()); }
  int port() const { return server_.port(); }
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

TEST(ScaledOutTest, CourseMaterialVectorsGoToQdrantAndReadinessChecksIt) {
  auto fake = std::make_unique<testing::FakeProcess>(AG_FAKE_QDRANT_SCRIPT);
  ASSERT_TRUE(fake->Start()) << fake->log();
  Env env = {{"QDRANT_HOST", "127.0.0.1"},
             {"QDRANT_PORT", std::to_string(fake->port())},
             {"QDRANT_COLLECTION", "material"},
             {"ACCESS_LOG", "false"}};
  ScaledOutServer server(env, {});
  ASSERT_TRUE(server.Start()) << server.log();
  const HttpClient http = server.http();
  const std::int64_t assignment = CreateAssignment(http);
  auto ref = http.PostFile("/assignments/" + std::to_string(assignment) + "/references", "notes.md",
                           "# Products\nPhotosynthesis makes glucose and oxygen.\n\n"
                           "# Inputs\nIt takes light, water and carbon dioxide.\n");
  ASSERT_EQ(ref.status, 200) << ref.body;
  const auto ids = SubmitMany(http, assignment, 1);
  Json done = WaitForStatus(http, ids.at(0), "done");
  ASSERT_EQ(done["status"], "done") << done.dump() << server.log();
  auto grade = http.Get("/submissions/" + std::to_string(ids[0]) + "/grade").json();
  EXPECT_FALSE(grade["provenance"]["retrieved_chunk_ids"].empty()) << grade.dump();

  // The chunks were upserted into the collection and searched there, filtered by assignment.
  const Json requests = HttpClient(fake->port()).Get("/_fake/requests").json();
  int upserts = 0, searches = 0;
  for (const Json& r : requests) {
    if (r["path"] == "/collections/material/points" && r["method"] == "PUT") {
      for (const Json& p : r["body"]["points"]) {
        if (p["payload"].contains("assignment_id")) {
          ++upserts;
          EXPECT_EQ(p["payload"]["assignment_id"], assignment);
        }
      }
    }
    if (r["path"] == "/collections/material/points/search") {
      ++searches;
      EXPECT_EQ(r["body"]["filter"]["must"][0]["match"]["value"], assignment);
    }
  }
  EXPECT_EQ(upserts, 2) << "one point per chunk";
  EXPECT_GT(searches, 0);
  auto ready = http.Get("/health/ready");
  EXPECT_EQ(ready.status, 200) << ready.body;
  EXPECT_EQ(ready.json()["checks"]["qdrant"], true) << ready.body;

  fake.reset();  // Qdrant goes away
  ready = http.Get("/health/ready");
  EXPECT_EQ(ready.status, 503) << ready.body;
  EXPECT_EQ(ready.json()["detail"]["qdrant"], false) << ready.body;
}

// A new assignment, one answer to it, graded: its grade (null when anything failed).
Json GradeOne(const HttpClient& http, const std::string& answer) {
  const std::int64_t a = CreateAssignment(http);
  auto sub = http.PostFile("/submissions/?assignment_id=" + std::to_string(a), "a.txt", answer);
  EXPECT_EQ(sub.status, 200) << sub.body;
  if (sub.status != 200) return nullptr;
  const auto id = sub.json()["id"].get<std::int64_t>();
  const Json done = WaitForStatus(http, id, "done");
  EXPECT_EQ(done["status"], "done") << done.dump();
  return http.Get("/submissions/" + std::to_string(id) + "/grade").json();
}

TEST(ScaledOutTest, TheLlmGradeCacheInRedisOutlivesTheProcessThatFilledIt) {
  testing::FakeOpenAi llm;
  ASSERT_TRUE(llm.Start()) << llm.log();
  const std::string redis = testing::UniqueRedisUrl();
  ASSERT_FALSE(redis.empty()) << testing::kStartServicesHint;
  const Env env = {{"REDIS_URL", redis},
                   {"LLM_PROVIDER", "openai"},
                   {"OPENAI_BASE_URL", llm.base_url()},
                   {"OPENAI_MODEL", "fake-chat"},
                   {"ACCESS_LOG", "false"}};
  const std::string answer = "It makes glucose and oxygen.";
  TempDir first_dir, second_dir;
  std::string first_hash;
  {
    ServerProcess first(first_dir.File("data"), env);
    ASSERT_TRUE(first.Start()) << first.log();
    const Json grade = GradeOne(HttpClient(first.port()), answer);
    EXPECT_EQ(grade["provenance"]["parameters"]["cache"], "miss") << first.log();
    first_hash = grade["provenance"]["prompt_hash"].get<std::string>();
    first.Signal(SIGTERM);
    EXPECT_EQ(first.Wait(), 0);
  }
  // Another process (another data directory, so another store): the same request is a hit.
  ServerProcess second(second_dir.File("data"), env);
  ASSERT_TRUE(second.Start()) << second.log();
  const Json grade = GradeOne(HttpClient(second.port()), answer);
  EXPECT_EQ(grade["provenance"]["parameters"]["cache"], "hit") << grade.dump() << second.log();
  EXPECT_EQ(grade["provenance"]["prompt_hash"], first_hash);
  EXPECT_EQ(llm.ChatRequests(), 1);
  second.Signal(SIGTERM);
  EXPECT_EQ(second.Wait(), 0);
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

// Settings for the shared servers, of this test's own: a Redis database, a bucket, a MariaDB
// database named after `name` (returned in `database`).
Env SharedServersEnv(const std::string& name, std::string* database) {
  const std::string redis = testing::UniqueRedisUrl();
  EXPECT_FALSE(redis.empty()) << testing::kStartServicesHint;
  Env env = RedisS3Env(redis, ServiceSetting("AG_TEST_S3_ENDPOINT"), testing::UniqueName(name));
  *database = testing::UniqueName("ag_" + name);
  for (char& c : *database) c = c == '-' ? '_' : c;
  Mysql::Of("", *database).AddTo(env);
  return env;
}

TEST(ScaledOutTest, AnApiReplicaAndTwoWorkerProcessesShareMariaDbRedisAndS3) {
  std::string database;
  const Env env = SharedServersEnv("replica", &database);
  const Mysql mysql = Mysql::Of("", database);
  ScaledOutServer api(env);
  ASSERT_TRUE(api.Start()) << api.log();
  // Each process has a data directory of its own: they share nothing but the servers.
  TempDir w1_dir, w2_dir;
  WorkerProcess w1(w1_dir.path(), env), w2(w2_dir.path(), env);
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
  EXPECT_EQ(mysql.Query("SELECT count(*), count(DISTINCT submission_id) FROM grades"), "30\t30");
  // The operator's view of the same queue and store.
  auto stats = testing::RunAutograder({"queue", "stats"}, env);
  ASSERT_EQ(stats.exit_code, 0) << stats.output;
  const Json st = ParseJsonOrDiscarded(stats.output);
  EXPECT_EQ(st["jobs"]["depth"], 0) << stats.output;
  EXPECT_EQ(st["jobs"]["leased"], 0) << stats.output;
  EXPECT_EQ(st["submissions"]["done"], 30) << stats.output;
  EXPECT_FALSE(std::filesystem::exists(api.data_dir() + "/autograder.db"))
      << "no SQLite file when MariaDB is the store";

  // A worker's port answers health and metrics, and nothing of the API.
  const HttpClient ops = w1.http();
  auto ready = ops.Get("/health/ready");
  EXPECT_EQ(ready.status, 200) << ready.body;
  EXPECT_EQ(ready.json()["checks"]["redis"], true) << ready.body;
  EXPECT_EQ(ready.json()["checks"]["database"], true) << ready.body;
  EXPECT_EQ(ready.json()["checks"]["storage"], true) << ready.body;
  auto metrics = ops.Get("/metrics");
  EXPECT_EQ(metrics.status, 200);
  EXPECT_NE(metrics.body.find("grading_queue_depth"), std::string::npos) << metrics.body;
  EXPECT_NE(metrics.body.find("mysql_pool_connections{state=\"in_use\"}"), std::string::npos)
      << metrics.body;
  EXPECT_EQ(ops.Get("/assignments/").status, 404);
  EXPECT_EQ(ops.Get("/").status, 404);

  EXPECT_EQ(w1.Stop(), 0) << w1.log();
  EXPECT_EQ(w2.Stop(), 0) << w2.log();
}

// The deployment guide's shape on this machine: two stateless API replicas and a worker process
// on MariaDB, Redis, s3rver and Qdrant (the fake); the original client's flow written through
// one replica and read through the other.
TEST(ScaledOutTest, TheOriginalClientFlowOnTwoApiReplicasAndAWorkerOverEveryServer) {
  testing::FakeProcess qdrant(AG_FAKE_QDRANT_SCRIPT);
  ASSERT_TRUE(qdrant.Start()) << qdrant.log();
  std::string database;
  Env env = SharedServersEnv("compose", &database);
  env.emplace_back("QDRANT_HOST", "127.0.0.1");
  env.emplace_back("QDRANT_PORT", std::to_string(qdrant.port()));
  env.emplace_back("QDRANT_COLLECTION", database);
  ScaledOutServer one(env), two(env);
  ASSERT_TRUE(one.Start()) << one.log();
  ASSERT_TRUE(two.Start()) << two.log();
  TempDir worker_dir;
  WorkerProcess worker(worker_dir.path(), env);
  ASSERT_TRUE(worker.Start()) << worker.log();

  EXPECT_GT(testing::RunOriginalClientFlow(one.http(), two.http(), ""), 0) << worker.log();
  EXPECT_GT(testing::RunOriginalClientFlow(two.http(), one.http(), "/api"), 0) << worker.log();
  EXPECT_EQ(one.http().Get("/assignments/").json().size(), 2u);
  for (const HttpClient& http : {one.http(), two.http(), worker.http()}) {
    auto ready = http.Get("/health/ready");
    EXPECT_EQ(ready.status, 200) << ready.body;
    for (const char* dependency : {"database", "redis", "storage", "qdrant"}) {
      EXPECT_EQ(ready.json()["checks"][dependency], true) << dependency << " " << ready.body;
    }
  }
  EXPECT_EQ(worker.Stop(), 0) << worker.log();
}

// nginx as the deployment guide configures it (upstream with least_conn, /api/ stripped by
// proxy_pass), on a free port, with its files under `dir`; stopped with the object.
class Nginx {
 public:
  Nginx(const std::string& dir, const std::vector<int>& upstream_ports) : dir_(dir) {
    port_ = FreePort();
    std::string servers;
    for (int p : upstream_ports) servers += "    server 127.0.0.1:" + std::to_string(p) + ";\n";
    // As root, nginx's workers would run as nobody, who cannot write the temporary files here.
    const std::string user = ::geteuid() == 0 ? "user root;\n" : "";
    const std::string conf =
        user +
        "worker_processes 1;\n"
        "pid " +
        dir +
        "/nginx.pid;\n"
        "error_log " +
        dir +
        "/error.log;\n"
        "events { worker_connections 256; }\n"
        "http {\n"
        "  access_log off;\n"
        "  client_body_temp_path " +
        dir +
        "/body;\n"
        "  proxy_temp_path " +
        dir +
        "/proxy;\n"
        "  fastcgi_temp_path " +
        dir +
        "/fastcgi;\n"
        "  uwsgi_temp_path " +
        dir +
        "/uwsgi;\n"
        "  scgi_temp_path " +
        dir +
        "/scgi;\n"
        "  client_max_body_size 25m;\n"  // MAX_UPLOAD_MB; nginx's own default is 1 MiB
        "  upstream backend {\n    least_conn;\n" +
        servers +
        "  }\n"
        "  server {\n"
        "    listen 127.0.0.1:" +
        std::to_string(port_) +
        ";\n"
        "    location /api/ {\n"
        "      proxy_pass http://backend/;\n"
        "      proxy_set_header Host $host;\n"
        "      proxy_set_header X-Real-IP $remote_addr;\n"
        "      proxy_set_header X-Forwarded-For $proxy_add_x_forwarded_for;\n"
        "      proxy_read_timeout 300s;\n"
        "    }\n"
        "  }\n"
        "}\n";
    testing::WriteFile(dir + "/nginx.conf", conf);
  }
  ~Nginx() {
    if (pid_ > 0) {
      ::kill(pid_, SIGTERM);
      testing::WaitFor(pid_, std::chrono::seconds(10));
    }
  }
  bool Start() {
    pid_ = testing::Spawn(
        {"/usr/sbin/nginx", "-p", dir_, "-c", dir_ + "/nginx.conf", "-g", "daemon off;"}, {},
        dir_ + "/stdout.log");
    for (int i = 0; i < 100; ++i) {
      if (HttpClient(port_).Get("/api/health/live").status == 200) return true;
      std::this_thread::sleep_for(50ms);
    }
    return false;
  }
  int port() const { return port_; }
  std::string log() const { return testing::ReadFile(dir_ + "/error.log"); }

 private:
  static int FreePort() {
    const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    ::bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr);
    socklen_t len = sizeof addr;
    ::getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len);
    ::close(fd);
    return ntohs(addr.sin_port);
  }
  std::string dir_;
  pid_t pid_ = -1;
  int port_ = 0;
};

// The original client behind the guide's nginx: two API replicas as its upstream, a worker.
TEST(ScaledOutTest, TheOriginalClientFlowThroughNginxInFrontOfTwoReplicas) {
  std::string database;
  const Env env = SharedServersEnv("lb", &database);
  ScaledOutServer one(env), two(env);
  ASSERT_TRUE(one.Start()) << one.log();
  ASSERT_TRUE(two.Start()) << two.log();
  TempDir worker_dir, nginx_dir;
  WorkerProcess worker(worker_dir.path(), env);
  ASSERT_TRUE(worker.Start()) << worker.log();
  Nginx nginx(nginx_dir.path(), {one.port(), two.port()});
  ASSERT_TRUE(nginx.Start()) << nginx.log();

  const HttpClient lb(nginx.port());
  EXPECT_GT(testing::RunOriginalClientFlow(lb, lb, "/api"), 0) << nginx.log();
  // Both replicas took requests.
  for (const HttpClient& replica : {one.http(), two.http()}) {
    const std::string metrics = replica.Get("/metrics").body;
    EXPECT_NE(metrics.find("http_requests_total{handler=\"/submissions/"), std::string::npos)
        << metrics;
  }
  EXPECT_EQ(worker.Stop(), 0) << worker.log();
}

// The issue's fault test: two worker processes and an API process on MariaDB, Redis and s3rver;
// 200 submissions; a worker killed with kill -9 mid-grade three times, Redis restarted once and
// MariaDB once meanwhile: every submission ends done with exactly one grade.
// With auth on, replicas share what makes a session: the signing key (JWT_SECRET), the refresh
// tokens (MariaDB) and the rate limits (Redis).
TEST(ScaledOutTest, ReplicasShareSessionsAndRateLimits) {
  std::string database;
  Env env = SharedServersEnv("auth", &database);
  {
    ScaledOutServer keyless(env, {"--no-workers"}, /*auth=*/true);
    EXPECT_FALSE(keyless.Start());
    EXPECT_NE(keyless.log().find("JWT_SECRET"), std::string::npos) << keyless.log();
  }
  env.emplace_back("JWT_SECRET", "the replicas' shared signing secret, long enough");
  env.emplace_back("AUTOGRADER_ADMIN_PASSWORD", "the admin password of this test");
  env.emplace_back("USER_RATE_LIMIT_PER_SECOND", "0.01");
  env.emplace_back("USER_RATE_LIMIT_BURST", "6");
  ScaledOutServer one(env, {"--no-workers"}, true), two(env, {"--no-workers"}, true);
  ASSERT_TRUE(one.Start()) << one.log();
  ASSERT_TRUE(two.Start()) << two.log();
  auto login = one.http().PostJson(
      "/auth/login",
      Json{{"email", "admin@localhost"}, {"password", "the admin password of this test"}});
  ASSERT_EQ(login.status, 200) << login.body;
  const std::string token = login.json()["access_token"];
  const std::vector<std::pair<std::string, std::string>> bearer = {
      {"Authorization", "Bearer " + token}};
  auto refreshed =
      two.http().PostJson("/auth/refresh", Json{{"refresh_token", login.json()["refresh_token"]}});
  EXPECT_EQ(refreshed.status, 200) << refreshed.body;
  // Six requests in the account's bucket, alternating replicas; the seventh is refused by
  // whichever replica gets it.
  for (int i = 0; i < 6; ++i) {
    const HttpClient http = i % 2 ? two.http() : one.http();
    EXPECT_EQ(http.Request("GET", "/auth/me", bearer, "").status, 200) << i;
  }
  for (const HttpClient& http : {one.http(), two.http()}) {
    auto refused = http.Request("GET", "/auth/me", bearer, "");
    EXPECT_EQ(refused.status, 429) << refused.body;
    EXPECT_FALSE(refused.header("retry-after").empty());
  }
}

TEST(ScaledOutTest, KilledWorkersAndRestartedRedisAndMariaDbLoseAndDoubleNothing) {
  TempDir services;
  ASSERT_TRUE(testing::StartOwnServices(services.path(), "mariadb redis s3"));
  struct Stop {
    std::string dir;
    ~Stop() { testing::StopOwnServices(dir); }
  } stop{services.path()};
  Env env =
      RedisS3Env(testing::OwnServiceSetting(services.path(), "AG_TEST_REDIS_URL"),
                 testing::OwnServiceSetting(services.path(), "AG_TEST_S3_ENDPOINT"), "faults");
  const Mysql mysql = Mysql::Of(services.path(), "autograder");
  mysql.AddTo(env);
  env.emplace_back("GRADER_DELAY_MS", "100");  // so that kills land mid-grade
  // Backoffs that outlast a server's restart (the defaults, 1 s doubling to 5 min, do more so):
  // an attempt that failed on a server being restarted is retried, not spent.
  for (auto& [k, v] : env) {
    if (k == "JOB_RETRY_BASE_MS") v = "500";
    if (k == "JOB_RETRY_MAX_MS") v = "2000";
  }
  env.emplace_back("JOB_LEASE_SECONDS", "2");  // a killed worker's jobs come back soon
  env.emplace_back("WORKER_CONCURRENCY", "2");
  Env api_env = env;
  ScaledOutServer api(api_env);
  ASSERT_TRUE(api.Start()) << api.log();
  TempDir w1_dir, w2_dir;
  auto w1 = std::make_unique<WorkerProcess>(w1_dir.path(), env);
  WorkerProcess w2(w2_dir.path(), env);
  ASSERT_TRUE(w1->Start()) << w1->log();
  ASSERT_TRUE(w2.Start()) << w2.log();

  const HttpClient http = api.http();
  const std::int64_t assignment = CreateAssignment(http);
  std::vector<std::int64_t> ids = SubmitMany(http, assignment, 180);
  ASSERT_EQ(ids.size(), 180u);
  for (int round = 0; round < 3; ++round) {
    std::this_thread::sleep_for(700ms);
    w1->Kill();
    if (round == 1) {
      ASSERT_TRUE(testing::RestartOwnService(services.path(), "redis"));
    }
    if (round == 2) {
      ASSERT_TRUE(testing::RestartOwnService(services.path(), "mariadb"));
    }
    w1 = std::make_unique<WorkerProcess>(w1_dir.path(), env);
    ASSERT_TRUE(w1->Start()) << w1->log();
  }
  // More submissions after the restarts: the intake works on the restarted servers too.
  auto more = SubmitMany(http, assignment, 20);
  ids.insert(ids.end(), more.begin(), more.end());
  for (auto id : ids) {
    Json s = WaitForStatus(http, id, "done", 120s);
    ASSERT_EQ(s["status"], "done") << s.dump() << w2.log();
  }
  ASSERT_EQ(ids.size(), 200u);
  EXPECT_EQ(mysql.Query("SELECT count(*), count(DISTINCT submission_id) FROM grades"), "200\t200");
  EXPECT_EQ(mysql.Query("SELECT count(*) FROM submissions WHERE status <> 'done'"), "0");
  EXPECT_EQ(mysql.Query("SELECT count(*) FROM grade_events WHERE kind = 'grade'"), "200")
      << "one grade event each: no grade was written twice";
}

}  // namespace
}  // namespace ag
