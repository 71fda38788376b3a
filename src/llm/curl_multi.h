// HTTP POSTs on libcurl's multi interface, driven by one thread: many requests in flight without
// a thread each. Requests beyond the in-flight limit (or before their start time) wait in a
// queue; connections are kept alive and reused between requests to the same host.
#pragma once

#include <chrono>
#include <condition_variable>
#include <deque>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <stop_token>
#include <string>
#include <thread>
#include <vector>

#include "core/status.h"
#include "net/http_reply.h"

namespace ag {

struct HttpPost {
  std::string url;
  std::vector<std::string> headers;  // "Name: value"
  std::string body;
  std::chrono::milliseconds timeout{120'000};  // the whole exchange, connection included
  std::chrono::steady_clock::time_point not_before{};
};

// Unavailable (could not connect, connection dropped), DeadlineExceeded (timeout), Cancelled
// (stopped); any HTTP status is a reply.
using HttpDone = std::function<void(Result<HttpReply>)>;

struct CurlMultiOptions {
  int max_in_flight = 64;
  std::size_t max_response_bytes = 16 << 20;  // a larger answer is cut off: Unavailable
};

class CurlMulti {
 public:
  explicit CurlMulti(CurlMultiOptions options = {});
  ~CurlMulti();  // cancels what is left (each `done` runs with Cancelled) and joins the thread
  CurlMulti(const CurlMulti&) = delete;
  CurlMulti& operator=(const CurlMulti&) = delete;

  // `done` runs on the driving thread (or here, with Cancelled, once stopping): keep it short.
  void Post(HttpPost post, std::stop_token stop, HttpDone done);

  int in_flight() const;
  int waiting() const;

 private:
  struct Transfer;
  void Drive();
  void StartReady(std::vector<std::shared_ptr<Transfer>>& ready);
  void Finish(const std::shared_ptr<Transfer>& t, Result<HttpReply> result);

  CurlMultiOptions options_;
  void* multi_ = nullptr;  // CURLM*, kept out of this header
  mutable std::mutex mu_;
  std::condition_variable cv_;
  std::deque<std::shared_ptr<Transfer>> waiting_;
  std::vector<std::shared_ptr<Transfer>> active_;  // touched by the driving thread only
  int active_count_ = 0;                           // active_.size(), readable under mu_
  bool stopping_ = false;
  bool wake_ = false;  // a request arrived or one was cancelled
  std::thread thread_;
};

}  // namespace ag
