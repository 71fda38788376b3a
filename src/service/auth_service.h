// Sessions: login with email and password, access tokens (JWT, short-lived) and refresh tokens
// (opaque, stored hashed, rotated at each use, revocable), and who a request's bearer token or
// API key proves the caller to be. Every login, failed or not, goes to the audit log.
#pragma once

#include <chrono>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>

#include "auth/jwt.h"
#include "auth/password_hasher.h"
#include "auth/principal.h"
#include "core/clock.h"
#include "core/status.h"
#include "ratelimit/rate_limiter.h"
#include "store/account_store.h"

namespace ag {

struct AuthOptions {
  std::chrono::seconds access_ttl{15 * 60};          // ACCESS_TOKEN_MINUTES
  std::chrono::seconds refresh_ttl{14 * 24 * 3600};  // REFRESH_TOKEN_DAYS
  RateLimit login_per_account{10.0 / 900, 10};       // ten tries, then one per 90 s
  RateLimit login_per_address{30.0 / 900, 30};
};

struct TokenPair {
  std::string access_token;
  std::string refresh_token;
  std::chrono::seconds expires_in{0};  // of the access token
};

// The prefix that tells an API key from a JWT in `Authorization: Bearer`.
inline constexpr std::string_view kApiKeyPrefix = "agk_";

class AuthService {
 public:
  AuthService(AccountStore& accounts, PasswordHasher& hasher, const JwtCodec& jwt,
              RateLimiter& limiter, const Clock& clock, AuthOptions options);

  // Unauthenticated ("Incorrect email or password") for an unknown email, a wrong password or
  // a disabled account alike, after the same work; ResourceExhausted (429) past the attempt
  // limits of the account or the address, with the wait in `retry_after` when given.
  Result<TokenPair> Login(std::string_view email, std::string_view password,
                          std::string_view client_address,
                          std::chrono::seconds* retry_after = nullptr);
  // A new pair for a valid refresh token, which is spent. A spent token presented again revokes
  // its whole family (every token descended from the same login). Unauthenticated otherwise.
  Result<TokenPair> Refresh(std::string_view refresh_token);
  // Revokes the token's family; an unknown token is not an error (logging out twice is fine).
  Status Logout(std::string_view refresh_token);
  // The caller of an `Authorization` header value ("Bearer <jwt or API key>"). Unauthenticated
  // when missing, malformed, expired, revoked, or the account is disabled.
  Result<Principal> Authenticate(std::optional<std::string_view> authorization);

  // A new API key for `user` in `course` (the caller checked the right to make it): the key,
  // shown once, and its record.
  Result<std::pair<std::string, ApiKey>> CreateApiKey(UserId user, CourseId course,
                                                      std::string_view name);

 private:
  Result<TokenPair> Issue(const User& user, const std::string& family, std::int64_t rotate_from);

  AccountStore& accounts_;
  PasswordHasher& hasher_;
  const JwtCodec& jwt_;
  RateLimiter& limiter_;
  const Clock& clock_;
  AuthOptions options_;
  // Verified against for unknown emails, so that they cost what a known one does.
  Result<std::string> DummyHash();
  std::mutex dummy_mu_;
  std::string dummy_hash_;
};

// Lower-cases and trims an email; InvalidArgument (field `field`) unless it looks like one.
Result<std::string> NormalizeEmail(std::string_view email, std::vector<std::string> field);

}  // namespace ag
