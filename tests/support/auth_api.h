// The API as a function with auth on, on the real embedded adapters in a temporary directory:
// accounts made directly through the account service (a cheap argon2 setting, so tests stay
// fast), tokens from the real login route.
#pragma once

#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "app/wiring.h"
#include "http/api.h"
#include "ratelimit/local_rate_limiter.h"
#include "support/temp_dir.h"

namespace ag::testing {

inline constexpr char kTestJwtSecret[] = "a test secret, long enough for HS256 keys";
inline constexpr char kTestPassword[] = "correct horse battery";

struct AuthApiOptions {
  std::vector<std::string> previous_secrets;  // still accepted (rotation)
  RateLimit address_limit{0, 1};              // off unless a test says
  RateLimit user_limit{0, 1};
  AuthOptions auth;
  std::vector<std::string> cors_origins;
};

class AuthApi {
 public:
  AuthApi(const Clock& clock, AuthApiOptions options = {}, std::string jwt_secret = kTestJwtSecret);

  struct Reply {
    int status = 0;
    Json body;
    std::vector<std::pair<std::string, std::string>> headers;
    std::string raw;
    std::string Header(const std::string& name) const;
  };
  // `token`: the bearer token, or empty for none.
  Reply Call(const std::string& method, const std::string& target, const std::string& token,
             const std::string& body = "", const std::string& content_type = "application/json",
             std::vector<std::pair<std::string, std::string>> headers = {});

  User AddUser(const std::string& email, Role role, const std::string& password = kTestPassword);
  // Logs in through POST /auth/login: the access token (empty on failure) and the whole body.
  std::pair<std::string, Json> Login(const std::string& email,
                                     const std::string& password = kTestPassword);

  Api& api() { return *api_; }
  Services& services() { return *services_; }
  AccountService& accounts() { return *accounts_; }
  AuthService& auth() { return *auth_; }
  const JwtCodec& jwt() { return *jwt_; }

 private:
  TempDir dir_;
  Logger log_;
  SeededRandom random_{7};
  std::unique_ptr<Services> services_;
  std::unique_ptr<PasswordHasher> hasher_;
  std::unique_ptr<JwtCodec> jwt_;
  LocalRateLimiter limiter_;
  std::unique_ptr<AuthService> auth_;
  std::unique_ptr<AccountService> accounts_;
  std::unique_ptr<Api> api_;
};

}  // namespace ag::testing
