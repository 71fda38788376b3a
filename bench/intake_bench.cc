// The intake path piece by piece, in process (no network): what one POST /submissions/ costs in
// each layer. Google Benchmark; run by bench/run.sh and recorded in docs/benchmarks.md.
#include <benchmark/benchmark.h>

#include <filesystem>
#include <memory>

#include "app/wiring.h"
#include "blob/fs_blob_store.h"
#include "core/sha256.h"
#include "http/api.h"
#include "http/multipart.h"
#include "store/sqlite_db.h"
#include "store/sqlite_store.h"

namespace ag {
namespace {

std::string TempDir() {
  std::string pattern = "/tmp/ag-bench-XXXXXX";
  return mkdtemp(pattern.data());
}

const char* kRubric =
    R"({"content": {"description": "Explains photosynthesis", "max_points": 10}})";

std::string Body(std::int64_t n) {
  return "--B\r\nContent-Disposition: form-data; name=\"file\"; filename=\"answer.py\"\r\n"
         "Content-Type: text/plain\r\n\r\ndef add(a, b):\n    return a + b\n\nprint(add(2, 3))  "
         "# " +
         std::to_string(n) + "\r\n--B--\r\n";
}

// A migrated store on a fresh file with one assignment; removed afterwards.
struct StoreFixture {
  StoreFixture() : dir(TempDir()) {
    db = std::move(SqliteDb::Open({dir + "/a.db"}).value());
    (void)db->Migrate(SqliteMigrations());
    store = std::make_unique<SqliteStore>(*db, SqliteStoreOptions{});
    assignment = store->CreateAssignment({"t", "", "", Json::parse(kRubric)}, clock.Now())->id;
  }
  ~StoreFixture() {
    store.reset();
    db.reset();
    std::filesystem::remove_all(dir);
  }
  std::string dir;
  SystemClock clock;
  std::unique_ptr<SqliteDb> db;
  std::unique_ptr<SqliteStore> store;
  AssignmentId assignment;
};

void BM_StoreCreateSubmission(benchmark::State& state) {
  StoreFixture f;
  for (auto _ : state) {
    auto r =
        f.store->CreateSubmission({f.assignment, "s", "a.txt", "k", "s", "text"}, f.clock.Now());
    benchmark::DoNotOptimize(r);
  }
}
BENCHMARK(BM_StoreCreateSubmission);

// A batch as the intake writes it under load; reported per submission.
void BM_StoreCreateSubmissionsBatch(benchmark::State& state) {
  StoreFixture f;
  std::vector<NewSubmission> batch(static_cast<std::size_t>(state.range(0)),
                                   NewSubmission{f.assignment, "s", "a.txt", "k", "s", "text"});
  for (auto _ : state) benchmark::DoNotOptimize(f.store->CreateSubmissions(batch, f.clock.Now()));
  state.SetItemsProcessed(state.iterations() * state.range(0));
}
BENCHMARK(BM_StoreCreateSubmissionsBatch)->Arg(1)->Arg(16)->Arg(64);

void BM_BlobPutManySmall(benchmark::State& state) {
  const std::string dir = TempDir();
  auto blobs = std::move(FsBlobStore::Open({dir + "/blobs", false}).value());
  std::int64_t n = 0;
  for (auto _ : state) {
    std::vector<std::string> bodies;
    for (int i = 0; i < state.range(0); ++i) bodies.push_back(Body(n++));
    std::vector<std::string_view> views(bodies.begin(), bodies.end());
    benchmark::DoNotOptimize(blobs->PutMany(views));
  }
  state.SetItemsProcessed(state.iterations() * state.range(0));
  std::filesystem::remove_all(dir);
}
BENCHMARK(BM_BlobPutManySmall)->Arg(1)->Arg(64);

void BM_StoreGetAssignment(benchmark::State& state) {
  StoreFixture f;
  for (auto _ : state) benchmark::DoNotOptimize(f.store->GetAssignment(f.assignment));
}
BENCHMARK(BM_StoreGetAssignment);

void BM_BlobPutSmall(benchmark::State& state) {
  const std::string dir = TempDir();
  auto blobs = std::move(FsBlobStore::Open({dir + "/blobs", false}).value());
  std::int64_t n = 0;
  for (auto _ : state) benchmark::DoNotOptimize(blobs->Put(Body(n++)));
  std::filesystem::remove_all(dir);
}
BENCHMARK(BM_BlobPutSmall);

void BM_BlobPutAsFile(benchmark::State& state) {
  const std::string dir = TempDir();
  auto blobs = std::move(FsBlobStore::Open({dir + "/blobs", false, 0}).value());
  std::int64_t n = 0;
  for (auto _ : state) benchmark::DoNotOptimize(blobs->Put(Body(n++)));
  std::filesystem::remove_all(dir);
}
BENCHMARK(BM_BlobPutAsFile);

void BM_Sha256Hex(benchmark::State& state) {
  const std::string body = Body(1);
  for (auto _ : state) benchmark::DoNotOptimize(Sha256Hex(body));
}
BENCHMARK(BM_Sha256Hex);

void BM_ParseMultipart(benchmark::State& state) {
  const std::string body = Body(1);
  for (auto _ : state) benchmark::DoNotOptimize(ParseMultipart(body, "B"));
}
BENCHMARK(BM_ParseMultipart);

// The whole API call, as the server's I/O thread makes it.
void BM_ApiSubmit(benchmark::State& state) {
  const std::string dir = TempDir();
  Config config;
  config.data_dir = dir;
  SystemClock clock;
  Logger log(clock, LogLevel::kError);
  SeededRandom random(1);
  auto s = std::move(BuildServices(config, clock, log, random).value());
  const AssignmentId a =
      s->store->CreateAssignment({"t", "", "", Json::parse(kRubric)}, clock.Now())->id;
  ApiOptions options;
  options.access_log = state.range(0) != 0;
  Api api(ApiDeps{*s->store, *s->assignments, *s->submissions, s->metrics, s->health, log, clock,
                  options});
  std::int64_t n = 0;
  for (auto _ : state) {
    HttpRequest r;
    r.method = "POST";
    r.path = "/submissions/";
    r.query = {{"assignment_id", a.ToString()}};
    r.headers = {{"content-type", "multipart/form-data; boundary=B"}};
    r.body = Body(n++);
    HttpResponse response = api.Handle(r);
    if (response.status != 200) state.SkipWithError(response.body.c_str());
  }
  std::filesystem::remove_all(dir);
}
BENCHMARK(BM_ApiSubmit)->Arg(0)->ArgName("access_log");

}  // namespace
}  // namespace ag

BENCHMARK_MAIN();
