#include "redis/redis_client.h"

#include <hiredis/hiredis.h>
#include <openssl/evp.h>

#include <charconv>

namespace ag {
namespace {

timeval ToTimeval(std::chrono::milliseconds ms) {
  timeval tv{};
  tv.tv_sec = static_cast<time_t>(ms.count() / 1000);
  tv.tv_usec = static_cast<suseconds_t>((ms.count() % 1000) * 1000);
  return tv;
}

RedisValue Convert(const redisReply* r) {
  RedisValue v;
  switch (r->type) {
    case REDIS_REPLY_INTEGER:
      v.type = RedisValue::Type::kInteger;
      v.integer = r->integer;
      break;
    case REDIS_REPLY_STRING:
      v.type = RedisValue::Type::kString;
      v.str.assign(r->str, r->len);
      break;
    case REDIS_REPLY_STATUS:
      v.type = RedisValue::Type::kStatus;
      v.str.assign(r->str, r->len);
      break;
    case REDIS_REPLY_ARRAY:
      v.type = RedisValue::Type::kArray;
      v.elements.reserve(r->elements);
      for (std::size_t i = 0; i < r->elements; ++i) v.elements.push_back(Convert(r->element[i]));
      break;
    default:
      v.type = RedisValue::Type::kNil;
  }
  return v;
}

std::string Sha1Hex(std::string_view bytes) {
  unsigned char digest[EVP_MAX_MD_SIZE];
  unsigned int len = 0;
  EVP_Digest(bytes.data(), bytes.size(), digest, &len, EVP_sha1(), nullptr);
  static constexpr char kHex[] = "0123456789abcdef";
  std::string out;
  for (unsigned int i = 0; i < len; ++i) {
    out.push_back(kHex[digest[i] >> 4]);
    out.push_back(kHex[digest[i] & 0xf]);
  }
  return out;
}

}  // namespace

std::int64_t RedisValue::AsInt() const {
  if (type == Type::kInteger) return integer;
  std::int64_t out = 0;
  if (type == Type::kString) std::from_chars(str.data(), str.data() + str.size(), out);
  return out;
}

RedisScript::RedisScript(std::string src) : source(std::move(src)), sha1(Sha1Hex(source)) {}

Result<RedisAddress> ParseRedisUrl(const std::string& url) {
  const auto bad = [&](const std::string& why) {
    return InvalidArgumentError("REDIS_URL: " + why + " (redis://[:password@]host[:port][/db])",
                                {"REDIS_URL"});
  };
  if (url.rfind("rediss://", 0) == 0) {
    return bad("TLS (rediss://) is not supported by this build's hiredis; use a TLS proxy");
  }
  if (url.rfind("redis://", 0) != 0) return bad("must start with redis://");
  RedisAddress a;
  std::string rest = url.substr(8);
  if (const auto at = rest.rfind('@'); at != std::string::npos) {
    const std::string auth = rest.substr(0, at);
    rest = rest.substr(at + 1);
    if (const auto colon = auth.find(':'); colon != std::string::npos) {
      a.user = auth.substr(0, colon);
      a.password = auth.substr(colon + 1);
    } else {
      a.password = auth;
    }
  }
  if (const auto slash = rest.find('/'); slash != std::string::npos) {
    const std::string db = rest.substr(slash + 1);
    rest = rest.substr(0, slash);
    if (!db.empty()) {
      auto [p, ec] = std::from_chars(db.data(), db.data() + db.size(), a.db);
      if (ec != std::errc() || p != db.data() + db.size() || a.db < 0) {
        return bad("the database must be a number");
      }
    }
  }
  if (const auto colon = rest.rfind(':'); colon != std::string::npos) {
    const std::string port = rest.substr(colon + 1);
    rest = rest.substr(0, colon);
    auto [p, ec] = std::from_chars(port.data(), port.data() + port.size(), a.port);
    if (ec != std::errc() || p != port.data() + port.size() || a.port < 1 || a.port > 65535) {
      return bad("the port must be 1 to 65535");
    }
  }
  if (!rest.empty()) a.host = rest;
  return a;
}

RedisClient::~RedisClient() {
  for (redisContext* c : idle_) redisFree(c);
}

std::string RedisClient::address() const {
  return options_.address.host + ":" + std::to_string(options_.address.port);
}

Result<redisContext*> RedisClient::Acquire(bool* reused) {
  {
    std::lock_guard lock(mu_);
    if (!idle_.empty()) {
      redisContext* c = idle_.back();
      idle_.pop_back();
      *reused = true;
      return c;
    }
  }
  *reused = false;
  const timeval tv = ToTimeval(options_.connect_timeout);
  redisContext* c =
      redisConnectWithTimeout(options_.address.host.c_str(), options_.address.port, tv);
  if (c == nullptr) return UnavailableError("redis at " + address() + ": out of memory");
  if (c->err) {
    std::string why = c->errstr;
    redisFree(c);
    return UnavailableError("redis at " + address() + ": " + why);
  }
  redisEnableKeepAlive(c);
  // AUTH and SELECT on every new connection, so a reconnect after a restart is whole.
  std::vector<std::vector<std::string>> setup;
  if (!options_.address.password.empty()) {
    if (options_.address.user.empty())
      setup.push_back({"AUTH", options_.address.password});
    else
      setup.push_back({"AUTH", options_.address.user, options_.address.password});
  }
  if (options_.address.db != 0) setup.push_back({"SELECT", std::to_string(options_.address.db)});
  for (const auto& args : setup) {
    std::vector<const char*> argv;
    std::vector<std::size_t> lens;
    for (const auto& a : args) {
      argv.push_back(a.data());
      lens.push_back(a.size());
    }
    redisSetTimeout(c, ToTimeval(options_.command_timeout));
    auto* reply = static_cast<redisReply*>(
        redisCommandArgv(c, static_cast<int>(argv.size()), argv.data(), lens.data()));
    std::string error;
    if (reply == nullptr) {
      error = c->errstr;
    } else if (reply->type == REDIS_REPLY_ERROR) {
      error.assign(reply->str, reply->len);
    }
    if (reply != nullptr) freeReplyObject(reply);
    if (!error.empty()) {
      redisFree(c);
      return UnavailableError("redis at " + address() + ": " + args[0] + " failed: " + error);
    }
  }
  return c;
}

void RedisClient::DropIdle() {
  std::vector<redisContext*> idle;
  {
    std::lock_guard lock(mu_);
    idle.swap(idle_);
  }
  for (redisContext* c : idle) redisFree(c);
}

void RedisClient::Release(redisContext* c) {
  if (c->err) {  // broken: a new one is made next time
    redisFree(c);
    return;
  }
  std::lock_guard lock(mu_);
  if (static_cast<int>(idle_.size()) >= options_.max_idle_connections) {
    redisFree(c);
    return;
  }
  idle_.push_back(c);
}

Result<RedisValue> RedisClient::Run(const std::vector<std::string>& args,
                                    std::chrono::milliseconds read_timeout) {
  std::vector<const char*> argv;
  std::vector<std::size_t> lens;
  argv.reserve(args.size());
  lens.reserve(args.size());
  for (const auto& a : args) {
    argv.push_back(a.data());
    lens.push_back(a.size());
  }
  redisContext* c = nullptr;
  redisReply* reply = nullptr;
  for (int attempt = 0;; ++attempt) {
    bool reused = false;
    ASSIGN_OR_RETURN(c, Acquire(&reused));
    redisSetTimeout(c, ToTimeval(read_timeout));
    reply = static_cast<redisReply*>(
        redisCommandArgv(c, static_cast<int>(argv.size()), argv.data(), lens.data()));
    // EOF on a connection that sat in the pool: the server went away meanwhile, and so did
    // every other pooled connection.
    if (reply == nullptr && reused && attempt == 0 && c->err == REDIS_ERR_EOF) {
      redisFree(c);
      DropIdle();
      continue;
    }
    break;
  }
  if (reply == nullptr) {
    std::string why = c->err ? c->errstr : "no reply";
    if (!c->err) c->err = REDIS_ERR_OTHER;  // unknown state: do not reuse it
    Release(c);
    return UnavailableError("redis at " + address() + ": " + args[0] + ": " + why);
  }
  Result<RedisValue> out = RedisValue{};
  if (reply->type == REDIS_REPLY_ERROR) {
    std::string error(reply->str, reply->len);
    // A restarted server answers LOADING until its data is read back: come back later.
    if (error.rfind("LOADING", 0) == 0 || error.rfind("BUSY ", 0) == 0 ||
        error.rfind("MASTERDOWN", 0) == 0 || error.rfind("TRYAGAIN", 0) == 0) {
      out = UnavailableError("redis at " + address() + ": " + error);
    } else {
      out = InternalError("redis " + args[0] + ": " + error);
    }
  } else {
    out = Convert(reply);
  }
  freeReplyObject(reply);
  Release(c);
  return out;
}

Result<RedisValue> RedisClient::Command(const std::vector<std::string>& args) {
  return Run(args, options_.command_timeout);
}

Result<RedisValue> RedisClient::BlockingCommand(const std::vector<std::string>& args,
                                                std::chrono::milliseconds block) {
  return Run(args, options_.command_timeout + block);
}

Result<RedisValue> RedisClient::Eval(const RedisScript& script,
                                     const std::vector<std::string>& keys,
                                     const std::vector<std::string>& args) {
  std::vector<std::string> argv = {"EVALSHA", script.sha1, std::to_string(keys.size())};
  argv.insert(argv.end(), keys.begin(), keys.end());
  argv.insert(argv.end(), args.begin(), args.end());
  auto r = Command(argv);
  if (!r.ok() && r.status().message().find("NOSCRIPT") != std::string::npos) {
    argv[0] = "EVAL";
    argv[1] = script.source;
    r = Command(argv);
  }
  return r;
}

Status RedisClient::Ping() {
  ASSIGN_OR_RETURN(auto v, Command({"PING"}));
  if (v.str != "PONG") return UnavailableError("redis at " + address() + " answered " + v.str);
  return OkStatus();
}

}  // namespace ag
