// Beast lives in this translation unit and wire.cc only (it is slow to compile). Shape after
// Beast's examples: a listener that accepts, a session loop per connection, one handler function.
#include <utility>  // before any Boost header: g++ 12 needs it

#include "http/server.h"

#include "http/beast_request.h"

#include <boost/asio.hpp>
#include <boost/asio/ssl.hpp>
#include <boost/beast.hpp>
#include <boost/beast/ssl.hpp>

#include <algorithm>
#include <atomic>
#include <cctype>
#include <map>
#include <mutex>
#include <optional>
#include <thread>
#include <vector>

#include "core/thread_name.h"

namespace ag {
namespace {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
using tcp = asio::ip::tcp;

namespace ssl = asio::ssl;

// One client connection, plain or TLS. Touched only by its own io_context's thread.
struct Conn {
  Conn(tcp::socket socket, ssl::context* tls_context) {
    if (tls_context) {
      tls.emplace(std::move(socket), *tls_context);
    } else {
      plain.emplace(std::move(socket));
    }
  }
  // The TCP layer: timeouts, the socket.
  beast::tcp_stream& transport() { return tls ? beast::get_lowest_layer(*tls) : *plain; }

  std::optional<beast::tcp_stream> plain;
  std::optional<beast::ssl_stream<beast::tcp_stream>> tls;
  bool busy = false;  // between a request's header and its response's last byte
};

bool EqualsIgnoreCase(std::string_view a, std::string_view b) {
  return a.size() == b.size() && std::equal(a.begin(), a.end(), b.begin(), [](char x, char y) {
           return std::tolower(static_cast<unsigned char>(x)) ==
                  std::tolower(static_cast<unsigned char>(y));
         });
}

http::response<http::string_body> ToBeastResponse(HttpResponse&& r, unsigned version,
                                                  bool keep_alive) {
  http::response<http::string_body> res{static_cast<http::status>(r.status), version};
  res.set(http::field::server, "autograder");
  res.set(http::field::content_type, r.content_type);
  for (auto& [k, v] : r.headers) res.insert(k, v);
  res.keep_alive(keep_alive);
  res.body() = std::move(r.body);
  res.prepare_payload();
  return res;
}

HttpResponse Refusal(int status, const std::string& detail) {
  return HttpResponse::FromJson(status, Json{{"detail", detail}});
}

}  // namespace

// One io_context per I/O thread: a connection lives on one context, so its stream, its timer and
// its coroutine never run on two threads at once, and no strand is needed. (With a shared
// context and a strand per connection, ASan reported a use-after-free of the strand held in
// Boost 1.74's type-erased executor when a connection ended; this shape has no such copies.)
struct HttpServer::Impl {
  using WorkGuard = asio::executor_work_guard<asio::io_context::executor_type>;

  Impl(ServerOptions o, Api& a, Logger& l)
      : options(std::move(o)),
        api(a),
        log(l),
        blocking(static_cast<std::size_t>(std::max(1, options.blocking_threads))) {
    const int n = options.io_threads > 0
                      ? options.io_threads
                      : static_cast<int>(std::max(1u, std::thread::hardware_concurrency()));
    for (int i = 0; i < n; ++i) {
      ios.push_back(std::make_unique<asio::io_context>(1));
      guards.emplace_back(ios.back()->get_executor());
    }
    acceptor = std::make_unique<tcp::acceptor>(*ios[0]);
    shutdown_timer = std::make_unique<asio::steady_timer>(*ios[0]);
  }

  ServerOptions options;
  Api& api;
  Logger& log;
  std::vector<std::unique_ptr<asio::io_context>> ios;
  std::vector<WorkGuard> guards;
  asio::thread_pool blocking;
  std::unique_ptr<ssl::context> tls_context;           // with TLS_CERT_FILE; else null
  std::unique_ptr<tcp::acceptor> acceptor;             // on ios[0]
  std::unique_ptr<asio::steady_timer> shutdown_timer;  // on ios[0]
  std::atomic<bool> stopping{false};

  std::mutex conns_mu;
  std::uint64_t next_conn_id = 0;
  std::map<std::uint64_t, std::pair<asio::io_context*, std::weak_ptr<Conn>>> conns;

  asio::awaitable<void> Accept();
  asio::awaitable<void> Serve(std::shared_ptr<Conn> conn, std::uint64_t id);
  asio::awaitable<HttpResponse> Offload(HttpRequest& request);
  asio::awaitable<HttpResponse> Await(HttpRequest& request);
  // Writes the response; false when the connection failed.
  asio::awaitable<bool> Reply(Conn& conn, HttpResponse response, unsigned version, bool keep);
  HttpResponse TooLarge() const;
  asio::awaitable<void> Linger(Conn& conn);
  void Forget(std::uint64_t id);
};

asio::awaitable<void> HttpServer::Impl::Accept() {
  for (std::size_t next = 0;; ++next) {
    asio::io_context& target = *ios[next % ios.size()];
    beast::error_code ec;
    tcp::socket socket = co_await acceptor->async_accept(
        target.get_executor(), asio::redirect_error(asio::use_awaitable, ec));
    if (ec) {
      if (ec == asio::error::operation_aborted || stopping) co_return;
      // Out of descriptors or memory: retrying at once would spin; connections that close free
      // them, so wait a little.
      log.Warn("accept failed", {{"error", ec.message()}});
      asio::steady_timer pause(*ios[0], std::chrono::milliseconds(100));
      co_await pause.async_wait(asio::redirect_error(asio::use_awaitable, ec));
      continue;
    }
    socket.set_option(tcp::no_delay(true), ec);
    auto conn = std::make_shared<Conn>(std::move(socket), tls_context.get());
    std::uint64_t id;
    {
      std::lock_guard lock(conns_mu);
      id = next_conn_id++;
      conns.emplace(id, std::make_pair(&target, std::weak_ptr<Conn>(conn)));
    }
    asio::co_spawn(target, Serve(std::move(conn), id), asio::detached);
  }
}

void HttpServer::Impl::Forget(std::uint64_t id) {
  std::lock_guard lock(conns_mu);
  conns.erase(id);
  if (stopping && conns.empty()) {
    asio::post(*ios[0], [this] { shutdown_timer->cancel(); });
  }
}

asio::awaitable<HttpResponse> HttpServer::Impl::Offload(HttpRequest& request) {
  auto executor = co_await asio::this_coro::executor;
  co_return co_await asio::async_initiate<decltype(asio::use_awaitable), void(HttpResponse)>(
      [this, &request, executor](auto handler) {
        asio::post(blocking, [this, &request, executor, handler = std::move(handler)]() mutable {
          HttpResponse response = api.Handle(request);
          asio::post(executor,
                     [handler = std::move(handler), response = std::move(response)]() mutable {
                       handler(std::move(response));
                     });
        });
      },
      asio::use_awaitable);
}

// An asynchronous route answers from another thread; the connection's coroutine resumes on its
// own context when it does, holding no thread meanwhile.
asio::awaitable<HttpResponse> HttpServer::Impl::Await(HttpRequest& request) {
  auto executor = co_await asio::this_coro::executor;
  co_return co_await asio::async_initiate<decltype(asio::use_awaitable), void(HttpResponse)>(
      [this, &request, executor](auto handler) {
        auto shared = std::make_shared<decltype(handler)>(std::move(handler));
        api.HandleAsync(request, [shared, executor](HttpResponse response) {
          asio::post(executor, [shared, response = std::move(response)]() mutable {
            (*shared)(std::move(response));
          });
        });
      },
      asio::use_awaitable);
}

asio::awaitable<bool> HttpServer::Impl::Reply(Conn& conn, HttpResponse response, unsigned version,
                                              bool keep) {
  auto res = ToBeastResponse(std::move(response), version, keep);
  conn.transport().expires_after(options.write_timeout);
  beast::error_code ec;
  if (conn.tls) {
    co_await http::async_write(*conn.tls, res, asio::redirect_error(asio::use_awaitable, ec));
  } else {
    co_await http::async_write(*conn.plain, res, asio::redirect_error(asio::use_awaitable, ec));
  }
  co_return !ec;
}

HttpResponse HttpServer::Impl::TooLarge() const {
  return Refusal(413, "Request body too large (limit " +
                          std::to_string(options.max_body_bytes >> 20) + " MB, MAX_UPLOAD_MB)");
}

// After refusing a request whose body is still arriving, read and discard the rest for a
// while before closing: closing at once would reset the connection, and the client, still
// sending, would never read the refusal.
asio::awaitable<void> HttpServer::Impl::Linger(Conn& conn) {
  beast::error_code ec;
  if (conn.tls) co_return;  // the TLS session cannot be half-closed: close it
  conn.transport().socket().shutdown(tcp::socket::shutdown_send, ec);
  conn.transport().expires_after(std::chrono::seconds(2));
  std::vector<char> sink(64 * 1024);
  std::size_t total = 0;
  while (!ec && total < options.max_body_bytes * 4) {
    total += co_await conn.plain->async_read_some(asio::buffer(sink),
                                                  asio::redirect_error(asio::use_awaitable, ec));
  }
}

asio::awaitable<void> HttpServer::Impl::Serve(std::shared_ptr<Conn> conn, std::uint64_t id) {
  beast::flat_buffer buffer;
  bool linger = false;  // a refusal was sent while the request may still be arriving
  std::string peer;
  {
    beast::error_code ec;
    const auto endpoint = conn->transport().socket().remote_endpoint(ec);
    if (!ec) peer = endpoint.address().to_string();
  }
  if (conn->tls) {
    beast::error_code ec;
    conn->transport().expires_after(options.handshake_timeout);
    co_await conn->tls->async_handshake(ssl::stream_base::server,
                                        asio::redirect_error(asio::use_awaitable, ec));
    if (ec) {
      // A plain-HTTP client or a port scanner: nothing to answer in TLS.
      log.Debug("TLS handshake failed", {{"peer", peer}, {"error", ec.message()}});
      beast::error_code ignored;
      conn->transport().socket().close(ignored);
      Forget(id);
      co_return;
    }
  }
  for (;;) {
    if (stopping) break;
    http::request_parser<http::string_body> parser;
    parser.header_limit(static_cast<std::uint32_t>(options.max_header_bytes));
    parser.body_limit(options.max_body_bytes);
    beast::error_code ec;
    conn->busy = false;
    conn->transport().expires_after(options.idle_timeout);
    if (conn->tls) {
      co_await http::async_read_header(*conn->tls, buffer, parser,
                                       asio::redirect_error(asio::use_awaitable, ec));
    } else {
      co_await http::async_read_header(*conn->plain, buffer, parser,
                                       asio::redirect_error(asio::use_awaitable, ec));
    }
    conn->busy = true;
    if (ec == http::error::end_of_stream || ec == asio::error::operation_aborted ||
        ec == beast::error::timeout || ec == asio::error::connection_reset) {
      break;
    }
    const unsigned version = parser.get().version() == 10 ? 10 : 11;
    if (ec == http::error::header_limit) {
      co_await Reply(*conn, Refusal(431, "Request header fields too large"), version, false);
      linger = true;
      break;
    }
    if (ec == http::error::body_limit) {
      co_await Reply(*conn, TooLarge(), version, false);
      linger = true;
      break;
    }
    if (ec) {
      co_await Reply(*conn, Refusal(400, "Malformed HTTP request: " + ec.message()), version,
                     false);
      linger = true;
      break;
    }
    if (auto expect = parser.get()[http::field::expect];
        EqualsIgnoreCase(std::string_view(expect.data(), expect.size()), "100-continue")) {
      http::response<http::empty_body> cont{http::status::continue_, version};
      conn->transport().expires_after(options.write_timeout);
      if (conn->tls) {
        co_await http::async_write(*conn->tls, cont, asio::redirect_error(asio::use_awaitable, ec));
      } else {
        co_await http::async_write(*conn->plain, cont,
                                   asio::redirect_error(asio::use_awaitable, ec));
      }
      if (ec) break;
    }
    conn->transport().expires_after(options.read_timeout);
    if (conn->tls) {
      co_await http::async_read(*conn->tls, buffer, parser,
                                asio::redirect_error(asio::use_awaitable, ec));
    } else {
      co_await http::async_read(*conn->plain, buffer, parser,
                                asio::redirect_error(asio::use_awaitable, ec));
    }
    if (ec == http::error::body_limit) {
      co_await Reply(*conn, TooLarge(), version, false);
      linger = true;
      break;
    }
    if (ec) {
      if (ec != beast::error::timeout && ec != http::error::end_of_stream &&
          ec != asio::error::operation_aborted && ec != asio::error::connection_reset) {
        co_await Reply(*conn, Refusal(400, "Malformed HTTP request: " + ec.message()), version,
                       false);
      }
      break;
    }
    http::request<http::string_body> beast_request = parser.release();
    const bool client_keep_alive = beast_request.keep_alive();
    HttpRequest request = FromBeastRequest(std::move(beast_request));
    request.peer_address = peer;
    // Not a conditional expression: g++ 12 miscompiles co_await inside `?:`.
    HttpResponse response;
    const Api::Execution execution = api.ExecutionOf(request);
    if (execution == Api::Execution::kBlocking) {
      response = co_await Offload(request);
    } else if (execution == Api::Execution::kAsync) {
      response = co_await Await(request);
    } else {
      response = api.Handle(request);
    }
    const bool keep = client_keep_alive && !stopping;
    const bool written = co_await Reply(*conn, std::move(response), version, keep);
    if (!written || !keep) break;
  }
  if (linger) co_await Linger(*conn);
  beast::error_code ignored;
  if (conn->tls) {
    // close_notify, bounded: a client that never answers it must not hold the connection.
    conn->transport().expires_after(std::chrono::seconds(2));
    co_await conn->tls->async_shutdown(asio::redirect_error(asio::use_awaitable, ignored));
  }
  conn->transport().socket().shutdown(tcp::socket::shutdown_send, ignored);
  conn->transport().socket().close(ignored);
  Forget(id);
}

HttpServer::HttpServer(ServerOptions options, Api& api, Logger& log)
    : impl_(std::make_unique<Impl>(std::move(options), api, log)) {}

HttpServer::~HttpServer() { impl_->blocking.join(); }

Status HttpServer::Listen() {
  const ServerOptions& o = impl_->options;
  if (!o.tls_cert_file.empty() || !o.tls_key_file.empty()) {
    if (o.tls_cert_file.empty() || o.tls_key_file.empty()) {
      return InvalidArgumentError("TLS needs both TLS_CERT_FILE and TLS_KEY_FILE");
    }
    auto context = std::make_unique<ssl::context>(ssl::context::tls_server);
    context->set_options(ssl::context::default_workarounds | ssl::context::no_sslv2 |
                         ssl::context::no_sslv3 | ssl::context::no_tlsv1 |
                         ssl::context::no_tlsv1_1 | ssl::context::single_dh_use);
    beast::error_code load;
    context->use_certificate_chain_file(o.tls_cert_file, load);
    if (load) {
      return InvalidArgumentError("TLS_CERT_FILE " + o.tls_cert_file + ": " + load.message());
    }
    context->use_private_key_file(o.tls_key_file, ssl::context::pem, load);
    if (load) {
      return InvalidArgumentError("TLS_KEY_FILE " + o.tls_key_file + ": " + load.message());
    }
    if (SSL_CTX_check_private_key(context->native_handle()) != 1) {
      return InvalidArgumentError("TLS_KEY_FILE does not match TLS_CERT_FILE");
    }
    impl_->tls_context = std::move(context);
  }
  beast::error_code ec;
  const auto address = asio::ip::make_address(impl_->options.host, ec);
  if (ec) return InvalidArgumentError("API_HOST is not an IP address: " + impl_->options.host);
  const tcp::endpoint endpoint(address, static_cast<unsigned short>(impl_->options.port));
  tcp::acceptor& acceptor = *impl_->acceptor;
  acceptor.open(endpoint.protocol(), ec);
  if (!ec) acceptor.set_option(asio::socket_base::reuse_address(true), ec);
  if (!ec) acceptor.bind(endpoint, ec);
  if (!ec) acceptor.listen(asio::socket_base::max_listen_connections, ec);
  if (ec) {
    return UnavailableError("cannot listen on " + impl_->options.host + ":" +
                            std::to_string(impl_->options.port) + ": " + ec.message());
  }
  return OkStatus();
}

int HttpServer::port() const {
  beast::error_code ec;
  const auto endpoint = impl_->acceptor->local_endpoint(ec);
  return ec ? 0 : endpoint.port();
}

void HttpServer::Run() {
  asio::co_spawn(*impl_->ios[0], impl_->Accept(), asio::detached);
  std::vector<std::thread> threads;
  for (std::size_t i = 1; i < impl_->ios.size(); ++i) {
    threads.emplace_back([this, i] {
      NameThisThread("ag-io-" + std::to_string(i));
      impl_->ios[i]->run();
    });
  }
  NameThisThread("ag-io-0");
  impl_->ios[0]->run();
  for (auto& t : threads) t.join();
}

void HttpServer::Shutdown() {
  if (impl_->stopping.exchange(true)) return;
  Impl* impl = impl_.get();
  asio::post(*impl->ios[0], [impl] {
    beast::error_code ec;
    impl->acceptor->close(ec);
    // In-flight requests get a bounded time to finish; then everything stops.
    impl->shutdown_timer->expires_after(impl->options.shutdown_grace);
    impl->shutdown_timer->async_wait([impl](beast::error_code wait_ec) {
      if (!wait_ec) {
        impl->log.Warn("shutdown grace period over; closing remaining connections");
        for (auto& io : impl->ios) io->stop();
      }
    });
    std::lock_guard lock(impl->conns_mu);
    if (impl->conns.empty()) impl->shutdown_timer->cancel();
    for (auto& [id, entry] : impl->conns) {
      auto& [io, weak] = entry;
      asio::post(*io, [weak = weak] {
        if (auto conn = weak.lock(); conn && !conn->busy) {
          beast::error_code ignored;
          conn->transport().socket().cancel(ignored);
        }
      });
    }
    // Each context's run() returns once its connections are gone.
    for (auto& guard : impl->guards) guard.reset();
  });
}

}  // namespace ag
