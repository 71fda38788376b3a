#include "obs/metrics.h"

#include <cmath>
#include <cstdio>

namespace ag {
namespace {

std::string EscapeLabel(const std::string& v) {
  std::string out;
  out.reserve(v.size());
  for (char c : v) {
    if (c == '\\')
      out += "\\\\";
    else if (c == '"')
      out += "\\\"";
    else if (c == '\n')
      out += "\\n";
    else
      out.push_back(c);
  }
  return out;
}

std::string EscapeHelp(const std::string& v) {
  std::string out;
  for (char c : v) {
    if (c == '\\')
      out += "\\\\";
    else if (c == '\n')
      out += "\\n";
    else
      out.push_back(c);
  }
  return out;
}

std::string FormatValue(double v) {
  if (std::isnan(v)) return "NaN";
  if (std::isinf(v)) return v > 0 ? "+Inf" : "-Inf";
  char buf[64];
  if (v == std::floor(v) && std::fabs(v) < 1e15) {
    std::snprintf(buf, sizeof buf, "%.0f", v);
  } else {
    std::snprintf(buf, sizeof buf, "%.17g", v);
  }
  return buf;
}

// {a="1",b="2"} plus an optional extra label (le for buckets); empty when there are none.
std::string LabelSet(const std::vector<std::string>& names, const std::vector<std::string>& values,
                     const char* extra_name = nullptr, const std::string& extra_value = {}) {
  if (names.empty() && !extra_name) return "";
  std::string out = "{";
  for (std::size_t i = 0; i < names.size(); ++i) {
    if (i) out += ',';
    out += names[i] + "=\"" + EscapeLabel(i < values.size() ? values[i] : "") + "\"";
  }
  if (extra_name) {
    if (!names.empty()) out += ',';
    out += std::string(extra_name) + "=\"" + extra_value + "\"";
  }
  out += '}';
  return out;
}

void Header(std::string& out, const std::string& name, const std::string& help, const char* type) {
  out += "# HELP " + name + " " + EscapeHelp(help) + "\n";
  out += "# TYPE " + name + " " + type + "\n";
}

}  // namespace

Histogram::Histogram(const std::vector<double>& bounds)
    : bounds_(bounds), counts_(new std::atomic<std::uint64_t>[bounds.size() + 1]) {
  for (std::size_t i = 0; i <= bounds_.size(); ++i) counts_[i].store(0);
}

void Histogram::Observe(double v) {
  std::size_t i = 0;
  while (i < bounds_.size() && v > bounds_[i]) ++i;
  counts_[i].fetch_add(1, std::memory_order_relaxed);
  sum_.Add(v);
}

std::vector<std::uint64_t> Histogram::CumulativeCounts() const {
  std::vector<std::uint64_t> out(bounds_.size() + 1);
  std::uint64_t total = 0;
  for (std::size_t i = 0; i <= bounds_.size(); ++i) {
    total += counts_[i].load(std::memory_order_relaxed);
    out[i] = total;
  }
  return out;
}

CounterFamily& MetricsRegistry::AddCounter(std::string name, std::string help,
                                           std::vector<std::string> labels) {
  std::lock_guard lock(mu_);
  Entry e{MetricType::kCounter, nullptr, nullptr, nullptr};
  e.counter = std::make_unique<CounterFamily>(std::move(name), std::move(help), std::move(labels),
                                              [] { return std::make_unique<Counter>(); });
  // An unlabelled metric shows (as zero) from the first scrape on.
  if (e.counter->labels().empty()) e.counter->Get();
  entries_.push_back(std::move(e));
  return *entries_.back().counter;
}

GaugeFamily& MetricsRegistry::AddGauge(std::string name, std::string help,
                                       std::vector<std::string> labels) {
  std::lock_guard lock(mu_);
  Entry e{MetricType::kGauge, nullptr, nullptr, nullptr};
  e.gauge = std::make_unique<GaugeFamily>(std::move(name), std::move(help), std::move(labels),
                                          [] { return std::make_unique<Gauge>(); });
  // An unlabelled metric shows (as zero) from the first scrape on.
  if (e.gauge->labels().empty()) e.gauge->Get();
  entries_.push_back(std::move(e));
  return *entries_.back().gauge;
}

HistogramFamily& MetricsRegistry::AddHistogram(std::string name, std::string help,
                                               std::vector<double> bounds,
                                               std::vector<std::string> labels) {
  std::lock_guard lock(mu_);
  Entry e{MetricType::kHistogram, nullptr, nullptr, nullptr};
  e.histogram =
      std::make_unique<HistogramFamily>(std::move(name), std::move(help), std::move(labels),
                                        [bounds] { return std::make_unique<Histogram>(bounds); });
  // An unlabelled metric shows (as zero) from the first scrape on.
  if (e.histogram->labels().empty()) e.histogram->Get();
  entries_.push_back(std::move(e));
  return *entries_.back().histogram;
}

void MetricsRegistry::AddCollector(std::function<void()> collect) {
  std::lock_guard lock(mu_);
  collectors_.push_back(std::move(collect));
}

std::string MetricsRegistry::Render() {
  std::vector<std::function<void()>> collectors;
  {
    std::lock_guard lock(mu_);
    collectors = collectors_;
  }
  for (auto& c : collectors) c();
  std::lock_guard lock(mu_);
  std::string out;
  out.reserve(16384);
  for (const Entry& e : entries_) {
    switch (e.type) {
      case MetricType::kCounter: {
        const auto& f = *e.counter;
        Header(out, f.name(), f.help(), "counter");
        f.ForEach([&](const std::vector<std::string>& values, const Counter& c) {
          out += f.name() + LabelSet(f.labels(), values) + " " + FormatValue(c.Value()) + "\n";
        });
        break;
      }
      case MetricType::kGauge: {
        const auto& f = *e.gauge;
        Header(out, f.name(), f.help(), "gauge");
        f.ForEach([&](const std::vector<std::string>& values, const Gauge& g) {
          out += f.name() + LabelSet(f.labels(), values) + " " + FormatValue(g.Value()) + "\n";
        });
        break;
      }
      case MetricType::kHistogram: {
        const auto& f = *e.histogram;
        Header(out, f.name(), f.help(), "histogram");
        auto render = [&](const std::vector<std::string>& values, const Histogram& h) {
          const auto counts = h.CumulativeCounts();
          for (std::size_t i = 0; i < h.bounds().size(); ++i) {
            out += f.name() + "_bucket" +
                   LabelSet(f.labels(), values, "le", FormatValue(h.bounds()[i])) + " " +
                   std::to_string(counts[i]) + "\n";
          }
          out += f.name() + "_bucket" + LabelSet(f.labels(), values, "le", "+Inf") + " " +
                 std::to_string(counts.back()) + "\n";
          out +=
              f.name() + "_sum" + LabelSet(f.labels(), values) + " " + FormatValue(h.Sum()) + "\n";
          out += f.name() + "_count" + LabelSet(f.labels(), values) + " " +
                 std::to_string(counts.back()) + "\n";
        };
        f.ForEach(render);
        break;
      }
    }
  }
  return out;
}

std::vector<double> LatencyBuckets() {
  return {0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10};
}

}  // namespace ag
