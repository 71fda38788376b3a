#pragma once

#include <memory>
#include <string>

#include "blob/blob_store.h"

namespace ag {

struct FsBlobStoreOptions {
  std::string root;    // <data-dir>/blobs
  bool fsync = false;  // fsync each blob and its directory before Put returns (durability=full)
};

// Blobs as files root/ab/cd/<sha256>: written to a temporary file in the same directory and
// renamed into place, so a crash leaves either the whole blob or none.
class FsBlobStore final : public BlobStore {
 public:
  static Result<std::unique_ptr<FsBlobStore>> Open(FsBlobStoreOptions options);

  Status Ping() override;
  Result<std::string> Put(std::string_view bytes) override;
  Result<std::string> Get(std::string_view key) override;
  Result<bool> Exists(std::string_view key) override;

 private:
  explicit FsBlobStore(FsBlobStoreOptions options) : options_(std::move(options)) {}
  Result<std::string> PathOf(std::string_view key) const;

  FsBlobStoreOptions options_;
};

}  // namespace ag
