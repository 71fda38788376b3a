// A Redis client for the scaled-out adapters (job queue, grade cache): a pool of hiredis
// connections (a hiredis context is not thread-safe, so each call borrows one), reconnecting
// after a server restart, with Lua scripts run by their SHA-1 and re-sent when the server has
// forgotten them (its script cache empties on restart).
#pragma once

#include <chrono>
#include <cstdint>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "core/status.h"

struct redisContext;

namespace ag {

// A reply, owned (no hiredis type escapes this area).
struct RedisValue {
  enum class Type { kNil, kInteger, kString, kStatus, kArray };
  Type type = Type::kNil;
  std::int64_t integer = 0;
  std::string str;
  std::vector<RedisValue> elements;

  bool is_nil() const { return type == Type::kNil; }
  // The integer of an integer reply, or of a string holding one; 0 otherwise.
  std::int64_t AsInt() const;
};

struct RedisAddress {
  std::string host = "127.0.0.1";
  int port = 6379;
  std::string user;  // ACL user (Redis 6+); empty: the default user
  std::string password;
  int db = 0;
};

// redis://[[user]:password@]host[:port][/db]; rediss:// (TLS) is refused: Debian's hiredis
// 0.14 has no TLS.
Result<RedisAddress> ParseRedisUrl(const std::string& url);

struct RedisClientOptions {
  RedisAddress address;
  std::chrono::milliseconds connect_timeout{2000};
  std::chrono::milliseconds command_timeout{5000};
  int max_idle_connections = 16;
};

struct RedisScript {
  explicit RedisScript(std::string source);
  std::string source;
  std::string sha1;  // lower-case hex
};

class RedisClient {
 public:
  explicit RedisClient(RedisClientOptions options) : options_(std::move(options)) {}
  ~RedisClient();
  RedisClient(const RedisClient&) = delete;
  RedisClient& operator=(const RedisClient&) = delete;

  // One command. A connection or timeout failure, and a server still loading its data after a
  // restart, are Unavailable (the connection is dropped and made again next time); an error
  // reply is Internal with the server's message. A pooled connection that the server closed
  // while it sat idle (a restart) is not an error: the pool is emptied and the command sent
  // once more on a new connection (the old server never received it).
  Result<RedisValue> Command(const std::vector<std::string>& args);
  // A command that blocks on the server for up to `block` (XREAD BLOCK, BLPOP): read timeout
  // widened by it.
  Result<RedisValue> BlockingCommand(const std::vector<std::string>& args,
                                     std::chrono::milliseconds block);
  // EVALSHA, or EVAL when the server does not know the script.
  Result<RedisValue> Eval(const RedisScript& script, const std::vector<std::string>& keys,
                          const std::vector<std::string>& args);
  Status Ping();
  std::string address() const;

 private:
  // A pooled connection when there is one (`reused` says so), else a new one.
  Result<redisContext*> Acquire(bool* reused);
  void Release(redisContext* c);
  void DropIdle();
  Result<RedisValue> Run(const std::vector<std::string>& args,
                         std::chrono::milliseconds read_timeout);

  RedisClientOptions options_;
  std::mutex mu_;
  std::vector<redisContext*> idle_;
};

}  // namespace ag
