#include "support/http_client.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <cctype>
#include <cstring>
#include <thread>

namespace ag::testing {
namespace {

constexpr int kTimeoutMs = 30000;

std::string Lower(std::string s) {
  std::transform(s.begin(), s.end(), s.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return s;
}

bool SendAll(int fd, const std::string& data) {
  std::size_t sent = 0;
  while (sent < data.size()) {
    const ssize_t n = ::send(fd, data.data() + sent, data.size() - sent, MSG_NOSIGNAL);
    if (n <= 0) return false;
    sent += static_cast<std::size_t>(n);
  }
  return true;
}

// Reads until the full response (head + Content-Length body) or EOF.
HttpResult ReadResponse(int fd) {
  HttpResult r;
  std::string buf;
  std::size_t head_end = std::string::npos;
  std::size_t content_length = std::string::npos;
  char chunk[65536];
  for (;;) {
    if (head_end != std::string::npos && content_length != std::string::npos &&
        buf.size() >= head_end + 4 + content_length) {
      break;
    }
    pollfd p{fd, POLLIN, 0};
    if (::poll(&p, 1, kTimeoutMs) <= 0) {
      r.error = "timeout";
      return r;
    }
    const ssize_t n = ::recv(fd, chunk, sizeof chunk, 0);
    if (n < 0) {
      r.error = std::strerror(errno);
      return r;
    }
    if (n == 0) break;
    buf.append(chunk, static_cast<std::size_t>(n));
    if (head_end == std::string::npos) {
      head_end = buf.find("\r\n\r\n");
      if (head_end != std::string::npos) {
        const std::string head = buf.substr(0, head_end);
        std::size_t line_end = head.find("\r\n");
        const std::string status_line = head.substr(0, line_end);
        const auto sp = status_line.find(' ');
        r.status = sp == std::string::npos ? 0 : std::atoi(status_line.c_str() + sp + 1);
        std::size_t pos = line_end == std::string::npos ? head.size() : line_end + 2;
        while (pos < head.size()) {
          std::size_t eol = head.find("\r\n", pos);
          if (eol == std::string::npos) eol = head.size();
          const std::string line = head.substr(pos, eol - pos);
          const auto colon = line.find(':');
          if (colon != std::string::npos) {
            std::string name = Lower(line.substr(0, colon));
            std::string value = line.substr(colon + 1);
            value.erase(0, value.find_first_not_of(' '));
            if (name == "content-length") content_length = std::stoul(value);
            r.headers.emplace_back(std::move(name), std::move(value));
          }
          pos = eol + 2;
        }
        if (r.status == 100) {  // 100 Continue: the real answer follows
          buf.erase(0, head_end + 4);
          head_end = std::string::npos;
          r.headers.clear();
        }
      }
    }
  }
  if (head_end == std::string::npos) {
    if (r.error.empty()) r.error = "connection closed before a response";
    r.status = 0;
    return r;
  }
  r.body = buf.substr(head_end + 4);
  if (content_length != std::string::npos && r.body.size() > content_length) {
    r.body.resize(content_length);
  }
  return r;
}

}  // namespace

std::string HttpResult::header(const std::string& lower_name) const {
  for (const auto& [k, v] : headers) {
    if (k == lower_name) return v;
  }
  return "";
}

namespace {

// A connected socket with `bytes` sent, or -1 with `error` set.
int ConnectAndSend(const std::string& host, int port, const std::string& bytes,
                   std::string* error) {
  const int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0) {
    *error = "socket failed";
    return -1;
  }
  int one = 1;
  ::setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(static_cast<uint16_t>(port));
  ::inet_pton(AF_INET, host.c_str(), &addr.sin_addr);
  if (::connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0) {
    *error = std::string("connect: ") + std::strerror(errno);
    ::close(fd);
    return -1;
  }
  if (!SendAll(fd, bytes)) {
    *error = "send failed";
    ::close(fd);
    return -1;
  }
  return fd;
}

}  // namespace

HttpResult HttpClient::Raw(const std::string& bytes) const {
  HttpResult r;
  const int fd = ConnectAndSend(host_, port_, bytes, &r.error);
  if (fd < 0) return r;
  r = ReadResponse(fd);
  ::close(fd);
  return r;
}

std::string HttpClient::Exchange(const std::string& bytes) const {
  std::string error;
  const int fd = ConnectAndSend(host_, port_, bytes, &error);
  if (fd < 0) return error;
  std::string out;
  char chunk[65536];
  for (;;) {
    pollfd p{fd, POLLIN, 0};
    if (::poll(&p, 1, kTimeoutMs) <= 0) break;
    const ssize_t n = ::recv(fd, chunk, sizeof chunk, 0);
    if (n <= 0) break;
    out.append(chunk, static_cast<std::size_t>(n));
  }
  ::close(fd);
  return out;
}

HttpResult HttpClient::Request(const std::string& method, const std::string& target,
                               const std::vector<std::pair<std::string, std::string>>& headers,
                               const std::string& body) const {
  std::string req = method + " " + target + " HTTP/1.1\r\nHost: " + host_ + ":" +
                    std::to_string(port_) + "\r\nConnection: close\r\n";
  for (const auto& [k, v] : headers) req += k + ": " + v + "\r\n";
  if (!body.empty() || method == "POST" || method == "PUT") {
    req += "Content-Length: " + std::to_string(body.size()) + "\r\n";
  }
  req += "\r\n";
  req += body;
  return Raw(req);
}

HttpResult HttpClient::Get(const std::string& target) const {
  return Request("GET", target, {}, "");
}

HttpResult HttpClient::PostJson(const std::string& target, const Json& body) const {
  return Request("POST", target, {{"Content-Type", "application/json"}}, body.dump());
}

HttpResult HttpClient::PostFile(const std::string& target, const std::string& filename,
                                const std::string& content) const {
  const std::string boundary = "----agtestboundary7MA4YWxkTrZu0gW";
  std::string body = "--" + boundary +
                     "\r\nContent-Disposition: form-data; name=\"file\"; filename=\"" + filename +
                     "\"\r\nContent-Type: text/plain\r\n\r\n" + content + "\r\n--" + boundary +
                     "--\r\n";
  return Request("POST", target, {{"Content-Type", "multipart/form-data; boundary=" + boundary}},
                 body);
}

Json WaitForStatus(const HttpClient& http, std::int64_t id, const std::string& want,
                   std::chrono::seconds limit, const std::string& prefix) {
  const auto deadline = std::chrono::steady_clock::now() + limit;
  Json last;
  while (std::chrono::steady_clock::now() < deadline) {
    last = http.Get(prefix + "/submissions/" + std::to_string(id)).json();
    if (!last.is_object()) last = Json::object();  // not JSON (a proxy's error page): not yet
    if (last.value("status", "") == want || last.value("status", "") == "error") return last;
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  return last;
}

}  // namespace ag::testing
