// The access tokens' signing keys from the configuration: JWT_SECRET signs, each of
// JWT_PREVIOUS_SECRETS is still accepted (rotation: move the old secret there, drop it once its
// tokens have expired). A key's `kid` is derived from the secret (the first 16 hex digits of its
// SHA-256), so replicas given the same secrets agree without naming them. Embedded, with no
// JWT_SECRET, the key is made once and kept in DATA_DIR/jwt_secret (mode 0600); scaled out it
// must be given, since every replica has to hold the same one.
#pragma once

#include "app/config.h"
#include "auth/jwt.h"

namespace ag {

Result<JwtOptions> JwtOptionsFrom(const Config& config);

}  // namespace ag
