// What auth costs a request, in process (no network): the same route with auth off and on (a
// bearer token checked, the account and the course enrollment read), its parts (the JWT check,
// a rate-limit take), and one login's password hash. Google Benchmark; docs/benchmarks.md.
#include <benchmark/benchmark.h>

#include <filesystem>
#include <memory>

#include "app/wiring.h"
#include "http/api.h"
#include "ratelimit/local_rate_limiter.h"

namespace ag {
namespace {

constexpr char kRubric[] = R"({"content": {"description": "Explains it", "max_points": 10}})";

// The embedded services in a temporary directory, an instructor teaching a course with one
// assignment, and an API over them with auth on or off.
struct Fixture {
  explicit Fixture(bool auth) {
    std::string pattern = "/tmp/ag-bench-XXXXXX";
    dir = mkdtemp(pattern.data());
    Config c;
    c.data_dir = dir;
    c.jwt_secret = "a benchmark secret that is long enough to sign";
    services = std::move(BuildServices(c, clock, log, random).value());
    (void)BuildAccounts(c, *services, auth);
    ApiOptions o;
    o.access_log = false;
    o.address_limit = {0, 1};
    o.user_limit = {0, 1};
    ApiDeps deps{*services->store,
                 *services->assignments,
                 *services->submissions,
                 services->metrics,
                 services->health,
                 log,
                 clock,
                 o};
    deps.accounts = services->accounts.get();
    deps.auth = services->auth.get();
    api = std::make_unique<Api>(std::move(deps));
    User teacher =
        services->accounts
            ->AddUser("t@example.edu", "T", Role::kInstructor, "a password for the bench", "bench")
            .value();
    Principal p;
    p.user = teacher.id;
    p.role = Role::kInstructor;
    Course course = services->accounts->AddCourse("B1", "Bench", p).value();
    NewAssignment a{"t", "", "", Json::parse(kRubric)};
    a.course_id = course.id;
    assignment = services->store->CreateAssignment(a, clock.Now())->id;
    if (auth) {
      token = services->auth->Login("t@example.edu", "a password for the bench", "127.0.0.1")
                  ->access_token;
    }
  }
  ~Fixture() {
    api.reset();
    services.reset();
    std::filesystem::remove_all(dir);
  }
  HttpRequest Get() const {
    HttpRequest r;
    r.method = "GET";
    r.path = r.target = "/assignments/" + assignment.ToString();
    if (!token.empty()) r.headers.emplace_back("authorization", "Bearer " + token);
    return r;
  }

  std::string dir;
  SystemClock clock;
  Logger log{clock, LogLevel::kError};
  SeededRandom random{1};
  std::unique_ptr<Services> services;
  std::unique_ptr<Api> api;
  AssignmentId assignment;
  std::string token;
};

void GetAssignment(benchmark::State& state, bool auth) {
  Fixture f(auth);
  const HttpRequest request = f.Get();
  for (auto _ : state) {
    HttpRequest r = request;
    HttpResponse response = f.api->Handle(r);
    if (response.status != 200) state.SkipWithError("not 200");
    benchmark::DoNotOptimize(response);
  }
}
void BM_GetAssignmentAuthOff(benchmark::State& state) { GetAssignment(state, false); }
void BM_GetAssignmentAuthOn(benchmark::State& state) { GetAssignment(state, true); }
BENCHMARK(BM_GetAssignmentAuthOff);
BENCHMARK(BM_GetAssignmentAuthOn);

void BM_JwtVerify(benchmark::State& state) {
  JwtOptions o;
  o.keys.push_back({"k", "a benchmark secret that is long enough to sign", false});
  o.active_kid = "k";
  const JwtCodec codec = JwtCodec::Create(o).value();
  SystemClock clock;
  JwtClaims c;
  c.subject = "7";
  c.issued_at = c.not_before = clock.Now();
  c.expires_at = clock.Now() + std::chrono::minutes(15);
  c.extra = Json{{"role", "student"}};
  const std::string token = codec.Sign(c);
  for (auto _ : state) benchmark::DoNotOptimize(codec.Verify(token, clock.Now()));
}
BENCHMARK(BM_JwtVerify);

void BM_LocalRateLimiterTake(benchmark::State& state) {
  LocalRateLimiter limiter;
  SystemClock clock;
  int i = 0;
  for (auto _ : state) {
    benchmark::DoNotOptimize(
        limiter.Take("user:" + std::to_string(i++ % 1000), {1e9, 1e9}, clock.Now()));
  }
}
BENCHMARK(BM_LocalRateLimiterTake);

// One login's argon2id check with the production parameters (64 MiB, two passes).
void BM_PasswordVerify(benchmark::State& state) {
  PasswordHasher hasher;
  const std::string hash = hasher.Hash("a password for the bench").value();
  for (auto _ : state) benchmark::DoNotOptimize(hasher.Verify(hash, "a password for the bench"));
}
BENCHMARK(BM_PasswordVerify)->Unit(benchmark::kMillisecond);

}  // namespace
}  // namespace ag

BENCHMARK_MAIN();
