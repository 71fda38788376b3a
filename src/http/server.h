// The HTTP/1.1 server: Boost.Beast on Asio with C++20 coroutines, keep-alive, limits on header
// and body sizes, timeouts on reads and writes, and a graceful stop. It only moves bytes: every
// request goes to Api::Handle (on the blocking pool when the route asks for it).
#pragma once

#include <chrono>
#include <cstddef>
#include <memory>
#include <string>

#include "core/status.h"
#include "http/api.h"
#include "obs/log.h"

namespace ag {

struct ServerOptions {
  std::string host = "0.0.0.0";                     // API_HOST
  int port = 8000;                                  // API_PORT; 0 picks a free port
  int io_threads = 0;                               // HTTP_THREADS; 0 = one per core
  int blocking_threads = 2;                         // for routes marked blocking (uploads)
  std::size_t max_body_bytes = (25 << 20) + 65536;  // MAX_UPLOAD_MB plus multipart framing
  std::size_t max_header_bytes = 16 * 1024;
  std::chrono::seconds read_timeout{60};  // a request's header and body must arrive within
  std::chrono::seconds idle_timeout{75};  // a keep-alive connection may wait this long
  std::chrono::seconds write_timeout{60};
  std::chrono::seconds shutdown_grace{30};  // SHUTDOWN_GRACE_SECONDS
  // TLS_CERT_FILE and TLS_KEY_FILE (PEM; the certificate file may hold the chain): HTTPS only,
  // TLS 1.2 or newer, for deployments without a proxy in front. Both empty: plain HTTP.
  std::string tls_cert_file;
  std::string tls_key_file;
  std::chrono::seconds handshake_timeout{10};
};

class HttpServer {
 public:
  HttpServer(ServerOptions options, Api& api, Logger& log);
  ~HttpServer();

  // Loads the TLS certificate and key when set (InvalidArgument naming the file when they do not
  // load or do not match), binds and listens (Unavailable when the address is taken).
  Status Listen();
  // The bound port (after Listen).
  int port() const;
  // Serves until Shutdown; runs the I/O threads (the caller's thread is one of them).
  void Run();
  // Thread-safe and idempotent: stops accepting, lets in-flight requests finish (their
  // responses go out with Connection: close), closes idle connections; Run then returns.
  void Shutdown();

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace ag
