#include "service/auth_service.h"

#include <algorithm>
#include <cctype>

#include "auth/secret_token.h"
#include "service/audit.h"

namespace ag {
namespace {

constexpr std::string_view kBadLogin = "Incorrect email or password";

std::string Trim(std::string_view s) {
  while (!s.empty() && std::isspace(static_cast<unsigned char>(s.front()))) s.remove_prefix(1);
  while (!s.empty() && std::isspace(static_cast<unsigned char>(s.back()))) s.remove_suffix(1);
  return std::string(s);
}

std::string TooManyAttempts(std::chrono::milliseconds wait) {
  return "too many login attempts; try again in " +
         std::to_string(std::max<long long>(1, (wait.count() + 999) / 1000)) + " s";
}

}  // namespace

Result<std::string> NormalizeEmail(std::string_view email, std::vector<std::string> field) {
  std::string e = Trim(email);
  std::transform(e.begin(), e.end(), e.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  const auto at = e.find('@');
  if (e.size() > 254 || at == std::string::npos || at == 0 || at + 1 == e.size() ||
      e.find('@', at + 1) != std::string::npos ||
      std::any_of(e.begin(), e.end(),
                  [](unsigned char c) { return c <= 0x20 || c == 0x7f || c == '"'; })) {
    return InvalidArgumentError("not an email address", std::move(field));
  }
  return e;
}

AuthService::AuthService(AccountStore& accounts, PasswordHasher& hasher, const JwtCodec& jwt,
                         RateLimiter& limiter, const Clock& clock, AuthOptions options)
    : accounts_(accounts),
      hasher_(hasher),
      jwt_(jwt),
      limiter_(limiter),
      clock_(clock),
      options_(options) {
  static_cast<void>(DummyHash());  // made now if it can be; else at the first login
}

Result<std::string> AuthService::DummyHash() {
  std::lock_guard lock(dummy_mu_);
  if (dummy_hash_.empty()) {
    // Until it exists no login is checked: an unknown email must never be cheaper to refuse.
    ASSIGN_OR_RETURN(dummy_hash_, hasher_.Hash("not a password anyone has: " + RandomSecret(16)));
  }
  return dummy_hash_;
}

Result<TokenPair> AuthService::Login(std::string_view email_in, std::string_view password,
                                     std::string_view client_address,
                                     std::chrono::seconds* retry_after) {
  auto email = NormalizeEmail(email_in, {"body", "email"});
  if (!email.ok()) return UnauthenticatedError(std::string(kBadLogin));
  const TimePoint now = clock_.Now();
  // The address first: a flood of made-up emails from one address stops there, before each
  // email gets a bucket of its own.
  for (const auto& [key, limit] :
       {std::pair{"login:address:" + std::string(client_address), options_.login_per_address},
        std::pair{"login:account:" + *email, options_.login_per_account}}) {
    auto d = limiter_.Take(key, limit, now);
    // A limiter outage lets logins through: the hasher's own bound still holds.
    if (d.ok() && !d->allowed) {
      if (retry_after) {
        *retry_after = std::chrono::ceil<std::chrono::seconds>(d->retry_after);
      }
      return ResourceExhaustedError(TooManyAttempts(d->retry_after));
    }
  }
  auto user = accounts_.FindUserByEmail(*email);
  if (!user.ok() && user.status().code() != StatusCode::kNotFound) return user.status();
  ASSIGN_OR_RETURN(const std::string dummy, DummyHash());
  const std::string& stored = user.ok() ? user->password_hash : dummy;
  ASSIGN_OR_RETURN(bool match, hasher_.Verify(stored, password));
  const bool ok = match && user.ok() && !user->disabled() && !user->password_hash.empty();
  const Json detail{{"address", std::string(client_address)}};
  if (!ok) {
    WriteAudit(accounts_, clock_, user.ok() ? "user:" + user->id.ToString() : "anonymous",
               "login_failed", "user", user.ok() ? user->id.ToString() : "",
               Json{{"address", std::string(client_address)}, {"email", *email}})
        .IgnoreError();
    return UnauthenticatedError(std::string(kBadLogin));
  }
  RETURN_IF_ERROR(WriteAudit(accounts_, clock_, "user:" + user->id.ToString(), "login", "user",
                             user->id.ToString(), detail));
  return Issue(*user, RandomSecret(16), 0);
}

Result<TokenPair> AuthService::Issue(const User& user, const std::string& family,
                                     std::int64_t rotate_from) {
  const TimePoint now = clock_.Now();
  JwtClaims claims;
  claims.subject = user.id.ToString();
  claims.issued_at = now;
  claims.not_before = now;
  claims.expires_at = now + options_.access_ttl;
  claims.id = RandomSecret(12);
  // Milliseconds of issue, finer than `iat`: a token made just after a password change is new.
  claims.extra = Json{{"role", std::string(ToString(user.role))}, {"iat_ms", ToUnixMillis(now)}};
  TokenPair pair;
  pair.access_token = jwt_.Sign(claims);
  pair.refresh_token = RandomSecret(32);
  pair.expires_in = options_.access_ttl;
  NewRefreshToken record{user.id, SecretHash(pair.refresh_token), family,
                         now + options_.refresh_ttl};
  if (rotate_from > 0) {
    RETURN_IF_ERROR(accounts_.RotateRefreshToken(rotate_from, record, now));
  } else {
    RETURN_IF_ERROR(accounts_.AddRefreshToken(record, now));
  }
  return pair;
}

Result<TokenPair> AuthService::Refresh(std::string_view refresh_token) {
  const Status invalid = UnauthenticatedError("invalid or expired refresh token");
  auto record = accounts_.FindRefreshToken(SecretHash(refresh_token));
  if (!record.ok()) {
    return record.status().code() == StatusCode::kNotFound ? invalid : record.status();
  }
  const TimePoint now = clock_.Now();
  if (record->revoked_at) {
    // A spent token used again: someone holds a copy. End every session of this login.
    RETURN_IF_ERROR(accounts_.RevokeRefreshFamily(record->family, now));
    WriteAudit(accounts_, clock_, "user:" + record->user_id.ToString(), "refresh_token_reused",
               "user", record->user_id.ToString(), Json::object())
        .IgnoreError();
    return invalid;
  }
  if (record->expires_at <= now) return invalid;
  auto user = accounts_.GetUser(record->user_id);
  if (!user.ok()) return user.status().code() == StatusCode::kNotFound ? invalid : user.status();
  if (user->disabled()) return invalid;
  auto pair = Issue(*user, record->family, record->id);
  if (!pair.ok() && pair.status().code() == StatusCode::kFailedPrecondition) {
    // Two refreshes raced with the same token: the loser's is a replay.
    RETURN_IF_ERROR(accounts_.RevokeRefreshFamily(record->family, now));
    return invalid;
  }
  return pair;
}

Status AuthService::Logout(std::string_view refresh_token) {
  auto record = accounts_.FindRefreshToken(SecretHash(refresh_token));
  if (!record.ok()) {
    return record.status().code() == StatusCode::kNotFound ? OkStatus() : record.status();
  }
  RETURN_IF_ERROR(accounts_.RevokeRefreshFamily(record->family, clock_.Now()));
  return WriteAudit(accounts_, clock_, "user:" + record->user_id.ToString(), "logout", "user",
                    record->user_id.ToString(), Json::object());
}

Result<Principal> AuthService::Authenticate(std::optional<std::string_view> authorization) {
  if (!authorization) return UnauthenticatedError("Not authenticated");
  std::string_view value = *authorization;
  constexpr std::string_view kScheme = "bearer ";
  if (value.size() <= kScheme.size() ||
      !std::equal(kScheme.begin(), kScheme.end(), value.begin(), [](char a, char b) {
        return a == std::tolower(static_cast<unsigned char>(b));
      })) {
    return UnauthenticatedError("Invalid authentication credentials");
  }
  std::string_view token = value.substr(kScheme.size());
  while (!token.empty() && token.front() == ' ') token.remove_prefix(1);
  const Status invalid = UnauthenticatedError("Invalid authentication credentials");
  Principal p;
  UserId user_id;
  std::optional<std::int64_t> issued_ms;  // of an access token
  if (token.substr(0, kApiKeyPrefix.size()) == kApiKeyPrefix) {
    auto key = accounts_.FindApiKey(SecretHash(token));
    if (!key.ok()) return key.status().code() == StatusCode::kNotFound ? invalid : key.status();
    if (key->revoked_at) return invalid;
    user_id = key->user_id;
    p.course_scope = key->course_id;
  } else {
    auto claims = jwt_.Verify(token, clock_.Now());
    if (!claims.ok()) return claims.status();
    issued_ms = ToUnixMillis(claims->issued_at);
    if (auto ms = claims->extra.find("iat_ms");
        ms != claims->extra.end() && ms->is_number_integer()) {
      issued_ms = ms->get<std::int64_t>();
    }
    std::int64_t id = 0;
    for (char c : claims->subject) {
      if (c < '0' || c > '9' || id > (INT64_MAX - 9) / 10) return invalid;
      id = id * 10 + (c - '0');
    }
    user_id = UserId(id);
  }
  auto user = accounts_.GetUser(user_id);
  if (!user.ok()) return user.status().code() == StatusCode::kNotFound ? invalid : user.status();
  if (user->disabled()) return UnauthenticatedError("account disabled");
  if (issued_ms && *issued_ms < ToUnixMillis(user->sessions_valid_after)) {
    return UnauthenticatedError("session ended; sign in again");
  }
  p.user = user->id;
  p.role = user->role;  // the current role, not the one the token was issued with
  p.email = user->email;
  return p;
}

Result<std::pair<std::string, ApiKey>> AuthService::CreateApiKey(UserId user, CourseId course,
                                                                 std::string_view name) {
  std::string key = std::string(kApiKeyPrefix) + RandomSecret(32);
  ASSIGN_OR_RETURN(ApiKey record,
                   accounts_.CreateApiKey(user, course, name, SecretHash(key), clock_.Now()));
  return std::pair{std::move(key), std::move(record)};
}

}  // namespace ag
