// The real binary on the scaled-out adapters, against the servers scripts/test-services starts
// (s3rver today): what lands where, and readiness naming the dependency that fails.
#include <gtest/gtest.h>

#include <csignal>

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

Env S3Env(const std::string& bucket) {
  const std::string endpoint = ServiceSetting("AG_TEST_S3_ENDPOINT");
  EXPECT_FALSE(endpoint.empty()) << testing::kStartServicesHint;
  return {{"MINIO_ENDPOINT", endpoint},
          {"MINIO_ACCESS_KEY", ServiceSetting("AG_TEST_S3_ACCESS_KEY")},
          {"MINIO_SECRET_KEY", ServiceSetting("AG_TEST_S3_SECRET_KEY")},
          {"MINIO_BUCKET", bucket},
          {"ACCESS_LOG", "false"}};
}

class ScaledOutServer {
 public:
  explicit ScaledOutServer(Env env) : server_(dir_.File("data"), std::move(env)) {}
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
  ScaledOutServer server(S3Env(bucket));
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
  ScaledOutServer server(env);
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

}  // namespace
}  // namespace ag
