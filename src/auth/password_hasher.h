// Password hashes: argon2id (libsodium), in the PHC string form that carries its own salt and
// parameters, so stored hashes stay verifiable when the parameters change (NeedsRehash says when
// to replace one at the next login). Each hash takes about 64 MiB and tens of milliseconds: at
// most `max_concurrent` run at once, so a flood of logins queues (and, past `wait`, is refused
// with ResourceExhausted, a 429) instead of exhausting memory.
#pragma once

#include <chrono>
#include <condition_variable>
#include <cstddef>
#include <mutex>
#include <string>
#include <string_view>

#include "core/status.h"

namespace ag {

struct PasswordHasherOptions {
  unsigned long long ops_limit = 2;      // libsodium's INTERACTIVE level
  std::size_t mem_limit = 64ull << 20;   // bytes
  int max_concurrent = 2;                // hashes at once
  std::chrono::milliseconds wait{5000};  // for a slot
  std::size_t min_length = 10;           // characters a new password needs
  std::size_t max_length = 1024;         // longer input is refused before any work
};

class PasswordHasher {
 public:
  explicit PasswordHasher(PasswordHasherOptions options = {});

  // InvalidArgument (field "password") for a password too short or too long.
  Result<std::string> Hash(std::string_view password);
  // False for a wrong password (or a stored value that is not a hash); never an error for it.
  Result<bool> Verify(std::string_view stored_hash, std::string_view password);
  // The stored hash was made with other parameters than the current ones.
  bool NeedsRehash(std::string_view stored_hash) const;

 private:
  Status AcquireSlot();
  void ReleaseSlot();

  PasswordHasherOptions options_;
  std::mutex mu_;
  std::condition_variable cv_;
  int running_ = 0;
};

}  // namespace ag
