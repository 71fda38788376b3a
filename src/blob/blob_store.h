// The BlobStore port: original files (submissions, course material), content-addressed.
//
// Contract, for every adapter (file system embedded, S3/MinIO scaled out):
// - Put stores the bytes under their SHA-256 (lower-case hex) and returns that key; putting the
//   same bytes twice stores them once. When Put returns OK the bytes are complete: a reader
//   never sees a partial blob, even after a crash.
// - Get answers NotFound for an unknown key. Every method is thread-safe.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "core/status.h"

namespace ag {

class BlobStore {
 public:
  virtual ~BlobStore() = default;
  virtual Status Ping() = 0;
  virtual Result<std::string> Put(std::string_view bytes) = 0;
  // As Put for each, with a result each; adapters write them together where they can.
  virtual std::vector<Result<std::string>> PutMany(const std::vector<std::string_view>& blobs) = 0;
  virtual Result<std::string> Get(std::string_view key) = 0;
  virtual Result<bool> Exists(std::string_view key) = 0;
};

}  // namespace ag
