#include "llm/curl_multi.h"

#include <curl/curl.h>

#include <algorithm>
#include <atomic>
#include <cctype>
#include <cmath>
#include <ctime>

#include "core/thread_name.h"

namespace ag {
namespace {

using Clock = std::chrono::steady_clock;
using std::chrono::milliseconds;

void GlobalInitOnce() {
  static const bool done = [] {
    curl_global_init(CURL_GLOBAL_DEFAULT);
    return true;
  }();
  (void)done;
}

std::string Lower(std::string s) {
  for (char& c : s) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return s;
}

std::string Trim(std::string s) {
  const auto first = s.find_first_not_of(" \t\r\n");
  if (first == std::string::npos) return "";
  const auto last = s.find_last_not_of(" \t\r\n");
  return s.substr(first, last - first + 1);
}

// Retry-After is delta-seconds or an HTTP date; retry-after-ms (OpenAI) is milliseconds.
std::optional<milliseconds> ParseRetryAfter(const std::string& value, bool in_ms) {
  char* end = nullptr;
  const double number = std::strtod(value.c_str(), &end);
  if (end != value.c_str() && *end == '\0' && std::isfinite(number) && number >= 0) {
    const double ms = in_ms ? number : number * 1000;
    return milliseconds(static_cast<long long>(std::min(ms, 86'400'000.0)));
  }
  if (in_ms) return std::nullopt;
  const time_t when = curl_getdate(value.c_str(), nullptr);
  if (when < 0) return std::nullopt;
  const double seconds = std::difftime(when, std::time(nullptr));
  return milliseconds(static_cast<long long>(std::clamp(seconds, 0.0, 86'400.0) * 1000));
}

}  // namespace

struct CurlMulti::Transfer {
  HttpPost post;
  HttpDone done;
  CURL* easy = nullptr;
  curl_slist* headers = nullptr;
  std::string response;
  std::size_t max_bytes = 0;
  bool too_large = false;
  std::optional<milliseconds> retry_after;
  std::atomic<bool> cancelled{false};
  std::unique_ptr<std::stop_callback<std::function<void()>>> on_stop;
  char error[CURL_ERROR_SIZE] = {};

  static size_t OnBody(char* data, size_t size, size_t count, void* self) {
    auto* t = static_cast<Transfer*>(self);
    const size_t n = size * count;
    if (t->response.size() + n > t->max_bytes) {
      t->too_large = true;
      return 0;  // aborts the transfer
    }
    t->response.append(data, n);
    return n;
  }

  static size_t OnHeader(char* data, size_t size, size_t count, void* self) {
    auto* t = static_cast<Transfer*>(self);
    const size_t n = size * count;
    const std::string line(data, n);
    const auto colon = line.find(':');
    if (colon == std::string::npos) return n;
    const std::string name = Lower(Trim(line.substr(0, colon)));
    const std::string value = Trim(line.substr(colon + 1));
    if (name == "retry-after-ms") {
      if (auto v = ParseRetryAfter(value, true)) t->retry_after = v;
    } else if (name == "retry-after" && !t->retry_after) {
      t->retry_after = ParseRetryAfter(value, false);
    }
    return n;
  }
};

CurlMulti::CurlMulti(CurlMultiOptions options) : options_(options) {
  GlobalInitOnce();
  options_.max_in_flight = std::max(1, options_.max_in_flight);
  multi_ = curl_multi_init();
  thread_ = std::thread([this] {
    NameThisThread("ag-http-client");
    Drive();
  });
}

CurlMulti::~CurlMulti() {
  {
    std::lock_guard lock(mu_);
    stopping_ = true;
  }
  cv_.notify_all();
  curl_multi_wakeup(static_cast<CURLM*>(multi_));
  if (thread_.joinable()) thread_.join();
  curl_multi_cleanup(static_cast<CURLM*>(multi_));
}

int CurlMulti::in_flight() const {
  std::lock_guard lock(mu_);
  return active_count_;
}

int CurlMulti::waiting() const {
  std::lock_guard lock(mu_);
  return static_cast<int>(waiting_.size());
}

void CurlMulti::Post(HttpPost post, std::stop_token stop, HttpDone done) {
  if (stop.stop_requested()) {
    done(CancelledError("request cancelled"));
    return;
  }
  auto t = std::make_shared<Transfer>();
  t->post = std::move(post);
  t->done = std::move(done);
  t->max_bytes = options_.max_response_bytes;
  Transfer* raw = t.get();
  // Constructed outside mu_: the callback takes mu_ itself, and may run right here.
  t->on_stop = std::make_unique<std::stop_callback<std::function<void()>>>(
      stop, std::function<void()>([this, raw] {
        raw->cancelled = true;
        {
          std::lock_guard lock(mu_);
          wake_ = true;
        }
        cv_.notify_all();
        curl_multi_wakeup(static_cast<CURLM*>(multi_));
      }));
  {
    std::lock_guard lock(mu_);
    if (!stopping_) {
      waiting_.push_back(std::move(t));
      t = nullptr;
      wake_ = true;
    }
  }
  if (t) {
    t->on_stop.reset();
    t->done(CancelledError("the HTTP client is stopping"));
    return;
  }
  cv_.notify_all();
  curl_multi_wakeup(static_cast<CURLM*>(multi_));
}

void CurlMulti::StartReady(std::vector<std::shared_ptr<Transfer>>& ready) {
  for (auto& t : ready) {
    CURL* easy = curl_easy_init();
    if (!easy) {
      Finish(t, UnavailableError("cannot create an HTTP transfer"));
      continue;
    }
    t->easy = easy;
    for (const auto& h : t->post.headers) t->headers = curl_slist_append(t->headers, h.c_str());
    t->headers = curl_slist_append(t->headers, "Expect:");
    const long timeout = static_cast<long>(std::max<long long>(1, t->post.timeout.count()));
    curl_easy_setopt(easy, CURLOPT_URL, t->post.url.c_str());
    curl_easy_setopt(easy, CURLOPT_POST, 1L);
    curl_easy_setopt(easy, CURLOPT_POSTFIELDS, t->post.body.data());
    curl_easy_setopt(easy, CURLOPT_POSTFIELDSIZE_LARGE,
                     static_cast<curl_off_t>(t->post.body.size()));
    curl_easy_setopt(easy, CURLOPT_HTTPHEADER, t->headers);
    curl_easy_setopt(easy, CURLOPT_TIMEOUT_MS, timeout);
    curl_easy_setopt(easy, CURLOPT_CONNECTTIMEOUT_MS, std::min(timeout, 10'000L));
    curl_easy_setopt(easy, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(easy, CURLOPT_TCP_KEEPALIVE, 1L);
    curl_easy_setopt(easy, CURLOPT_WRITEFUNCTION, &Transfer::OnBody);
    curl_easy_setopt(easy, CURLOPT_WRITEDATA, t.get());
    curl_easy_setopt(easy, CURLOPT_HEADERFUNCTION, &Transfer::OnHeader);
    curl_easy_setopt(easy, CURLOPT_HEADERDATA, t.get());
    curl_easy_setopt(easy, CURLOPT_ERRORBUFFER, t->error);
    curl_easy_setopt(easy, CURLOPT_PRIVATE, t.get());
    if (curl_multi_add_handle(static_cast<CURLM*>(multi_), easy) != CURLM_OK) {
      Finish(t, UnavailableError("cannot start an HTTP transfer"));
      continue;
    }
    active_.push_back(t);
  }
  std::lock_guard lock(mu_);
  active_count_ = static_cast<int>(active_.size());
}

void CurlMulti::Finish(const std::shared_ptr<Transfer>& t, Result<HttpReply> result) {
  if (t->easy) {
    curl_multi_remove_handle(static_cast<CURLM*>(multi_), t->easy);
    curl_easy_cleanup(t->easy);
    t->easy = nullptr;
  }
  curl_slist_free_all(t->headers);
  t->headers = nullptr;
  auto it = std::find(active_.begin(), active_.end(), t);
  if (it != active_.end()) active_.erase(it);
  {
    std::lock_guard lock(mu_);
    active_count_ = static_cast<int>(active_.size());
  }
  t->on_stop.reset();  // outside mu_: a running stop callback takes it
  HttpDone done = std::move(t->done);
  if (done) done(std::move(result));
}

void CurlMulti::Drive() {
  CURLM* multi = static_cast<CURLM*>(multi_);
  for (;;) {
    std::vector<std::shared_ptr<Transfer>> ready;
    std::vector<std::shared_ptr<Transfer>> cancelled;
    std::optional<Clock::time_point> next_due;
    bool stopping = false;
    {
      std::unique_lock lock(mu_);
      wake_ = false;
      stopping = stopping_;
      const auto now = Clock::now();
      int slots = options_.max_in_flight - static_cast<int>(active_.size());
      for (auto it = waiting_.begin(); it != waiting_.end();) {
        if (stopping || (*it)->cancelled) {
          cancelled.push_back(std::move(*it));
          it = waiting_.erase(it);
        } else if ((*it)->post.not_before <= now && slots > 0) {
          ready.push_back(std::move(*it));
          it = waiting_.erase(it);
          --slots;
        } else {
          if ((*it)->post.not_before > now && (!next_due || (*it)->post.not_before < *next_due)) {
            next_due = (*it)->post.not_before;
          }
          ++it;
        }
      }
      if (!stopping && active_.empty() && ready.empty() && cancelled.empty()) {
        // Nothing to drive: wait for a request, a cancellation or a backoff's end
        // (curl_multi_poll is for running transfers).
        auto woken = [this] { return stopping_ || wake_; };
        if (next_due) {
          cv_.wait_until(lock, *next_due, woken);
        } else {
          cv_.wait(lock, woken);
        }
        continue;
      }
    }
    for (auto& t : cancelled) {
      Finish(t, CancelledError(stopping ? "the HTTP client is stopping" : "request cancelled"));
    }
    if (stopping) {
      for (auto& t : ready) Finish(t, CancelledError("the HTTP client is stopping"));
      auto left = active_;
      for (auto& t : left) Finish(t, CancelledError("the HTTP client is stopping"));
      return;
    }
    StartReady(ready);
    {
      auto snapshot = active_;
      for (auto& t : snapshot) {
        if (t->cancelled) Finish(t, CancelledError("request cancelled"));
      }
    }
    int running = 0;
    curl_multi_perform(multi, &running);
    int queued = 0;
    bool finished_any = false;
    while (CURLMsg* msg = curl_multi_info_read(multi, &queued)) {
      if (msg->msg != CURLMSG_DONE) continue;
      finished_any = true;
      Transfer* raw = nullptr;
      curl_easy_getinfo(msg->easy_handle, CURLINFO_PRIVATE, reinterpret_cast<char**>(&raw));
      auto it = std::find_if(active_.begin(), active_.end(),
                             [raw](const auto& t) { return t.get() == raw; });
      if (it == active_.end()) continue;
      std::shared_ptr<Transfer> t = *it;
      const CURLcode code = msg->data.result;
      if (code == CURLE_OK) {
        HttpReply reply;
        curl_easy_getinfo(t->easy, CURLINFO_RESPONSE_CODE, &reply.status);
        reply.body = std::move(t->response);
        reply.retry_after = t->retry_after;
        Finish(t, std::move(reply));
      } else if (code == CURLE_OPERATION_TIMEDOUT) {
        Finish(t, DeadlineExceededError("no answer from " + t->post.url + " within " +
                                        std::to_string(t->post.timeout.count()) + " ms"));
      } else if (t->too_large) {
        Finish(t, UnavailableError("the answer from " + t->post.url + " is larger than " +
                                   std::to_string(t->max_bytes) + " bytes"));
      } else {
        const std::string detail = t->error[0] ? t->error : curl_easy_strerror(code);
        Finish(t, UnavailableError(t->post.url + ": " + detail));
      }
    }
    int timeout_ms = 1000;
    if (next_due) {
      const auto wait = std::chrono::duration_cast<milliseconds>(*next_due - Clock::now());
      timeout_ms = static_cast<int>(std::clamp<long long>(wait.count(), 0, 1000));
    }
    // A finished transfer frees a slot for a waiting request: go round at once.
    if (!active_.empty() && !finished_any) {
      curl_multi_poll(multi, nullptr, 0, timeout_ms, nullptr);
    }
  }
}

}  // namespace ag
