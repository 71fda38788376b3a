#include "support/auth_api.h"

#include <gtest/gtest.h>

#include "app/jwt_keys.h"

namespace ag::testing {

AuthApi::AuthApi(const Clock& clock, AuthApiOptions o, std::string jwt_secret)
    : log_(clock, LogLevel::kError) {
  Config config;
  config.data_dir = dir_.path();
  config.jwt_secret = std::move(jwt_secret);
  config.jwt_previous_secrets = o.previous_secrets;
  services_ = std::move(BuildServices(config, clock, log_, random_).value());
  PasswordHasherOptions cheap;
  cheap.ops_limit = 1;
  cheap.mem_limit = 8 << 20;
  hasher_ = std::make_unique<PasswordHasher>(cheap);
  jwt_ = std::make_unique<JwtCodec>(
      std::move(JwtCodec::Create(std::move(JwtOptionsFrom(config).value())).value()));
  auth_ = std::make_unique<AuthService>(*services_->account_store, *hasher_, *jwt_, limiter_, clock,
                                        o.auth);
  accounts_ =
      std::make_unique<AccountService>(*services_->account_store, *hasher_, auth_.get(), clock);
  ApiOptions api;
  api.version = "test";
  api.access_log = false;
  api.address_limit = o.address_limit;
  api.user_limit = o.user_limit;
  api.cors_origins = o.cors_origins;
  ApiDeps deps{*services_->store,
               *services_->assignments,
               *services_->submissions,
               services_->metrics,
               services_->health,
               log_,
               clock,
               api};
  deps.accounts = accounts_.get();
  deps.auth = auth_.get();
  deps.limiter = &limiter_;
  api_ = std::make_unique<Api>(std::move(deps));
}

std::string AuthApi::Reply::Header(const std::string& name) const {
  for (const auto& [k, v] : headers) {
    if (k == name) return v;
  }
  return "";
}

AuthApi::Reply AuthApi::Call(const std::string& method, const std::string& target,
                             const std::string& token, const std::string& body,
                             const std::string& content_type,
                             std::vector<std::pair<std::string, std::string>> headers) {
  HttpRequest r;
  r.method = method;
  r.target = target;
  const auto q = target.find('?');
  r.path = PercentDecode(target.substr(0, q), false);
  if (q != std::string::npos) r.query = ParseQuery(target.substr(q + 1));
  r.headers = std::move(headers);
  if (!body.empty()) r.headers.emplace_back("content-type", content_type);
  if (!token.empty()) r.headers.emplace_back("authorization", "Bearer " + token);
  r.body = body;
  r.peer_address = "192.0.2.10";
  HttpResponse response = api_->Handle(r);
  Reply out;
  out.status = response.status;
  out.raw = response.body;
  out.body = ParseJsonOrDiscarded(response.body);
  out.headers = response.headers;
  return out;
}

User AuthApi::AddUser(const std::string& email, Role role, const std::string& password) {
  auto u = accounts_->AddUser(email, email.substr(0, email.find('@')), role, password, "test");
  EXPECT_TRUE(u.ok()) << u.status().ToString();
  return u.ok() ? *u : User{};
}

std::pair<std::string, Json> AuthApi::Login(const std::string& email, const std::string& password) {
  Reply r = Call("POST", "/auth/login", "", Json{{"email", email}, {"password", password}}.dump());
  if (r.status != 200) return {"", r.body};
  return {r.body["access_token"].get<std::string>(), r.body};
}

}  // namespace ag::testing
