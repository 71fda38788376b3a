#include "obs/metrics.h"

#include <gtest/gtest.h>

#include <cstdio>
#include <cstdlib>

#include "obs/process_metrics.h"
#include "support/temp_dir.h"

namespace ag {
namespace {

TEST(MetricsTest, RendersTheTextFormat) {
  MetricsRegistry r;
  auto& c = r.AddCounter("jobs_total", "Jobs done", {"outcome"});
  c.With({"done"}).Inc(3);
  c.With({"say \"hi\"\n\\"}).Inc();
  auto& g = r.AddGauge("depth", "Queue depth");
  g.Get().Set(7);
  auto& h = r.AddHistogram("latency_seconds", "Latency", {0.1, 1});
  h.Get().Observe(0.05);
  h.Get().Observe(0.5);
  h.Get().Observe(5);
  const std::string out = r.Render();
  EXPECT_NE(out.find("# HELP jobs_total Jobs done\n# TYPE jobs_total counter\n"),
            std::string::npos);
  EXPECT_NE(out.find("jobs_total{outcome=\"done\"} 3\n"), std::string::npos);
  EXPECT_NE(out.find("jobs_total{outcome=\"say \\\"hi\\\"\\n\\\\\"} 1\n"), std::string::npos);
  EXPECT_NE(out.find("depth 7\n"), std::string::npos);
  EXPECT_NE(out.find("latency_seconds_bucket{le=\"0.10000000000000001\"} 1\n"), std::string::npos);
  EXPECT_NE(out.find("latency_seconds_bucket{le=\"1\"} 2\n"), std::string::npos);
  EXPECT_NE(out.find("latency_seconds_bucket{le=\"+Inf\"} 3\n"), std::string::npos);
  EXPECT_NE(out.find("latency_seconds_sum 5.5499999999999998\n"), std::string::npos);
  EXPECT_NE(out.find("latency_seconds_count 3\n"), std::string::npos);
}

TEST(MetricsTest, CollectorsRunAtScrape) {
  MetricsRegistry r;
  auto& g = r.AddGauge("answer", "The answer");
  int scrapes = 0;
  r.AddCollector([&] { g.Get().Set(++scrapes); });
  EXPECT_NE(r.Render().find("answer 1\n"), std::string::npos);
  EXPECT_NE(r.Render().find("answer 2\n"), std::string::npos);
}

TEST(MetricsTest, ProcessMetricsAreReal) {
  MetricsRegistry r;
  RegisterProcessMetrics(r);
  const std::string out = r.Render();
  EXPECT_NE(out.find("process_resident_memory_bytes "), std::string::npos);
  EXPECT_GT(ResidentMemoryBytes(), 1 << 20);
}

// promtool (Debian package prometheus, installed by scripts/setup) lints the exposition.
TEST(MetricsTest, PassesPromtool) {
  MetricsRegistry r;
  r.AddCounter("grading_requests_total", "Total grading requests").Get().Inc();
  auto& h = r.AddHistogram("http_request_duration_seconds", "Duration", LatencyBuckets(),
                           {"handler", "method", "status"});
  h.With({"/submissions/{submission_id}", "GET", "2xx"}).Observe(0.002);
  r.AddGauge("grading_jobs", "Jobs by state", {"state"}).With({"ready"}).Set(2);
  RegisterProcessMetrics(r);
  testing::TempDir dir;
  const std::string path = dir.File("metrics.txt");
  testing::WriteFile(path, r.Render());
  const std::string cmd =
      "promtool check metrics < " + path + " > " + dir.File("out.txt") + " 2>&1";
  const int rc = std::system(cmd.c_str());
  EXPECT_EQ(rc, 0) << testing::ReadFile(dir.File("out.txt"));
}

}  // namespace
}  // namespace ag
