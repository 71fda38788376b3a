#include "auth/password_hasher.h"

#include <sodium.h>

#include <stdexcept>

namespace ag {

PasswordHasher::PasswordHasher(PasswordHasherOptions options) : options_(options) {
  if (sodium_init() < 0) throw std::runtime_error("libsodium cannot initialise");
}

Status PasswordHasher::AcquireSlot() {
  std::unique_lock lock(mu_);
  if (!cv_.wait_for(lock, options_.wait, [&] { return running_ < options_.max_concurrent; })) {
    return ResourceExhaustedError("too many password checks at once; try again shortly");
  }
  ++running_;
  return OkStatus();
}

void PasswordHasher::ReleaseSlot() {
  {
    std::lock_guard lock(mu_);
    --running_;
  }
  cv_.notify_one();
}

Result<std::string> PasswordHasher::Hash(std::string_view password) {
  if (password.size() < options_.min_length) {
    return InvalidArgumentError(
        "a password needs at least " + std::to_string(options_.min_length) + " characters",
        {"password"});
  }
  if (password.size() > options_.max_length) {
    return InvalidArgumentError(
        "a password has at most " + std::to_string(options_.max_length) + " characters",
        {"password"});
  }
  RETURN_IF_ERROR(AcquireSlot());
  char out[crypto_pwhash_STRBYTES];
  const int rc = crypto_pwhash_str_alg(out, password.data(), password.size(), options_.ops_limit,
                                       options_.mem_limit, crypto_pwhash_ALG_ARGON2ID13);
  ReleaseSlot();
  if (rc != 0) return ResourceExhaustedError("not enough memory to hash a password");
  return std::string(out);
}

Result<bool> PasswordHasher::Verify(std::string_view stored_hash, std::string_view password) {
  // Only argon2id strings are ours; anything else (an empty hash of a disabled account, a
  // truncated value) verifies nothing.
  if (stored_hash.rfind("$argon2id$", 0) != 0 || stored_hash.size() >= crypto_pwhash_STRBYTES) {
    return false;
  }
  if (password.size() > options_.max_length) return false;
  const std::string hash(stored_hash);  // NUL-terminated for libsodium
  RETURN_IF_ERROR(AcquireSlot());
  const int rc = crypto_pwhash_str_verify(hash.c_str(), password.data(), password.size());
  ReleaseSlot();
  return rc == 0;
}

bool PasswordHasher::NeedsRehash(std::string_view stored_hash) const {
  const std::string hash(stored_hash);
  return crypto_pwhash_str_needs_rehash(hash.c_str(), options_.ops_limit, options_.mem_limit) != 0;
}

}  // namespace ag
