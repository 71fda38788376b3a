// An open-loop HTTP load generator: requests are scheduled at a fixed rate and each latency is
// measured from its scheduled time, so a slow server cannot hide its stalls by slowing the
// client down (no coordinated omission). One keep-alive connection per thread.
//
//   openloop --port 8000 --rate 1000 --seconds 10 --connections 32
//            --path '/submissions/?assignment_id=1' --multipart 1
// Prints one JSON object: requests, errors, achieved rate, latency percentiles in ms.
#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <mutex>
#include <nlohmann/json.hpp>
#include <string>
#include <thread>
#include <vector>

namespace {

using Clock = std::chrono::steady_clock;

struct Options {
  int port = 8000;
  double rate = 1000;
  double seconds = 10;
  int connections = 32;
  std::string path = "/health/live";
  bool multipart = false;
};

int Connect(int port) {
  const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  int one = 1;
  ::setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(static_cast<uint16_t>(port));
  ::inet_pton(AF_INET, "127.0.0.1", &addr.sin_addr);
  if (::connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0) {
    ::close(fd);
    return -1;
  }
  return fd;
}

std::string BuildRequest(const Options& o, std::uint64_t n) {
  if (!o.multipart) {
    return "GET " + o.path + " HTTP/1.1\r\nHost: bench\r\n\r\n";
  }
  const std::string body =
      "--BENCHBOUNDARY\r\nContent-Disposition: form-data; name=\"file\"; filename=\"answer.py\"\r\n"
      "Content-Type: text/plain\r\n\r\ndef add(a, b):\n    return a + b\n\nprint(add(2, 3))  # " +
      std::to_string(n) + "\r\n--BENCHBOUNDARY--\r\n";
  return "POST " + o.path +
         " HTTP/1.1\r\nHost: bench\r\n"
         "Content-Type: multipart/form-data; boundary=BENCHBOUNDARY\r\nContent-Length: " +
         std::to_string(body.size()) + "\r\n\r\n" + body;
}

// Reads one response (headers + Content-Length body); returns its status, or 0 on error.
int ReadResponse(int fd, std::string& buf) {
  for (;;) {
    const auto head_end = buf.find("\r\n\r\n");
    if (head_end != std::string::npos) {
      std::size_t length = 0;
      const auto cl = buf.find("Content-Length: ");
      if (cl != std::string::npos && cl < head_end) length = std::stoul(buf.substr(cl + 16));
      if (buf.size() >= head_end + 4 + length) {
        const int status = std::atoi(buf.c_str() + 9);
        buf.erase(0, head_end + 4 + length);
        return status;
      }
    }
    char chunk[16384];
    const ssize_t n = ::recv(fd, chunk, sizeof chunk, 0);
    if (n <= 0) return 0;
    buf.append(chunk, static_cast<std::size_t>(n));
  }
}

}  // namespace

int main(int argc, char** argv) {
  Options o;
  for (int i = 1; i + 1 < argc; i += 2) {
    const std::string k = argv[i], v = argv[i + 1];
    if (k == "--port")
      o.port = std::stoi(v);
    else if (k == "--rate")
      o.rate = std::stod(v);
    else if (k == "--seconds")
      o.seconds = std::stod(v);
    else if (k == "--connections")
      o.connections = std::stoi(v);
    else if (k == "--path")
      o.path = v;
    else if (k == "--multipart") {
      o.multipart = v == "1";
    } else {
      std::fprintf(stderr, "unknown option %s\n", k.c_str());
      return 2;
    }
  }
  const std::uint64_t total = static_cast<std::uint64_t>(o.rate * o.seconds);
  std::atomic<std::uint64_t> next{0};
  std::atomic<std::uint64_t> errors{0};
  std::mutex mu;
  std::vector<double> latencies;
  latencies.reserve(total);
  const auto start = Clock::now() + std::chrono::milliseconds(100);
  const auto interval = std::chrono::duration<double>(1.0 / o.rate);
  std::vector<std::thread> threads;
  for (int c = 0; c < o.connections; ++c) {
    threads.emplace_back([&] {
      int fd = Connect(o.port);
      std::string buf;
      std::vector<double> mine;
      for (;;) {
        const std::uint64_t i = next.fetch_add(1);
        if (i >= total) break;
        const auto scheduled =
            start + std::chrono::duration_cast<Clock::duration>(interval * static_cast<double>(i));
        std::this_thread::sleep_until(scheduled);
        if (fd < 0) fd = Connect(o.port);
        const std::string req = BuildRequest(o, i);
        int status = 0;
        if (fd >= 0 &&
            ::send(fd, req.data(), req.size(), MSG_NOSIGNAL) == static_cast<ssize_t>(req.size())) {
          status = ReadResponse(fd, buf);
        }
        if (status != 200) {
          errors.fetch_add(1);
          if (fd >= 0) ::close(fd);
          fd = -1;
          buf.clear();
        }
        mine.push_back(std::chrono::duration<double, std::milli>(Clock::now() - scheduled).count());
      }
      if (fd >= 0) ::close(fd);
      std::lock_guard lock(mu);
      latencies.insert(latencies.end(), mine.begin(), mine.end());
    });
  }
  for (auto& t : threads) t.join();
  const double elapsed = std::chrono::duration<double>(Clock::now() - start).count();
  std::sort(latencies.begin(), latencies.end());
  auto pct = [&](double p) {
    if (latencies.empty()) return 0.0;
    return latencies[std::min(latencies.size() - 1,
                              static_cast<std::size_t>(p * latencies.size()))];
  };
  nlohmann::ordered_json out{{"requests", latencies.size()},
                             {"errors", errors.load()},
                             {"target_rate", o.rate},
                             {"achieved_rate", latencies.size() / elapsed},
                             {"p50_ms", pct(0.50)},
                             {"p90_ms", pct(0.90)},
                             {"p99_ms", pct(0.99)},
                             {"p999_ms", pct(0.999)},
                             {"max_ms", latencies.empty() ? 0.0 : latencies.back()}};
  std::printf("%s\n", out.dump().c_str());
  return 0;
}
