#include "obs/process_metrics.h"

#include <dirent.h>
#include <sys/resource.h>
#include <unistd.h>

#include <cstdio>
#include <fstream>
#include <sstream>
#include <string>

namespace ag {
namespace {

struct ProcStat {
  double cpu_seconds = 0;
  double start_time_seconds = 0;
  double virtual_bytes = 0;
  double resident_bytes = 0;
};

double BootTimeSeconds() {
  std::ifstream in("/proc/stat");
  std::string key;
  while (in >> key) {
    if (key == "btime") {
      double v = 0;
      in >> v;
      return v;
    }
  }
  return 0;
}

ProcStat ReadProcStat() {
  ProcStat out;
  std::ifstream in("/proc/self/stat");
  std::string line;
  if (!std::getline(in, line)) return out;
  // Fields after the command name, which is in parentheses and may contain spaces.
  const auto close = line.rfind(')');
  if (close == std::string::npos) return out;
  std::istringstream rest(line.substr(close + 2));
  std::string field;
  std::vector<std::string> f;
  while (rest >> field) f.push_back(field);
  // f[0] is field 3 (state); utime=14, stime=15, starttime=22, vsize=23, rss=24.
  auto at = [&](int n) { return static_cast<std::size_t>(n - 3); };
  if (f.size() <= at(24)) return out;
  const double ticks = static_cast<double>(sysconf(_SC_CLK_TCK));
  out.cpu_seconds = (std::stod(f[at(14)]) + std::stod(f[at(15)])) / ticks;
  out.start_time_seconds = BootTimeSeconds() + std::stod(f[at(22)]) / ticks;
  out.virtual_bytes = std::stod(f[at(23)]);
  out.resident_bytes = std::stod(f[at(24)]) * static_cast<double>(sysconf(_SC_PAGESIZE));
  return out;
}

double OpenFds() {
  DIR* dir = opendir("/proc/self/fd");
  if (!dir) return 0;
  double n = 0;
  while (readdir(dir)) ++n;
  closedir(dir);
  return n - 3;  // ".", ".." and the directory's own descriptor
}

}  // namespace

std::int64_t ResidentMemoryBytes() {
  return static_cast<std::int64_t>(ReadProcStat().resident_bytes);
}

void RegisterProcessMetrics(MetricsRegistry& registry) {
  auto& cpu = registry.AddCounter("process_cpu_seconds_total",
                                  "Total user and system CPU time spent in seconds.");
  auto& rss = registry.AddGauge("process_resident_memory_bytes", "Resident memory size in bytes.");
  auto& vms = registry.AddGauge("process_virtual_memory_bytes", "Virtual memory size in bytes.");
  auto& start = registry.AddGauge("process_start_time_seconds",
                                  "Start time of the process since unix epoch in seconds.");
  auto& fds = registry.AddGauge("process_open_fds", "Number of open file descriptors.");
  auto& max_fds = registry.AddGauge("process_max_fds", "Maximum number of open file descriptors.");
  registry.AddCollector([&cpu, &rss, &vms, &start, &fds, &max_fds] {
    const ProcStat s = ReadProcStat();
    cpu.Get().Mirror(s.cpu_seconds);
    rss.Get().Set(s.resident_bytes);
    vms.Get().Set(s.virtual_bytes);
    start.Get().Set(s.start_time_seconds);
    fds.Get().Set(OpenFds());
    rlimit lim{};
    if (getrlimit(RLIMIT_NOFILE, &lim) == 0) max_fds.Get().Set(static_cast<double>(lim.rlim_cur));
  });
}

}  // namespace ag
