#pragma once

#include <memory>
#include <string>

#include "blob/blob_store.h"
#include "store/sqlite_db.h"

namespace ag {

struct FsBlobStoreOptions {
  std::string root;    // <data-dir>/blobs
  bool fsync = false;  // durability=full: fsync each blob file and its directory, and
                       // synchronous=FULL for the small-blob database
  // Blobs up to this size live in one SQLite file, root/small.db, instead of a file each.
  std::size_t inline_max_bytes = 64 * 1024;
};

// Content-addressed blobs on the file system. A blob larger than inline_max_bytes is the file
// root/ab/cd/<sha256>, written to a temporary file in the same directory and renamed into place,
// so a crash leaves the whole blob or none. Smaller blobs (most submissions) are rows of
// root/small.db, written many per commit: a file per blob cost 50 to 140 µs of kernel time here
// (ext4 inode allocation) and topped the intake's profile (docs/benchmarks.md).
class FsBlobStore final : public BlobStore {
 public:
  static Result<std::unique_ptr<FsBlobStore>> Open(FsBlobStoreOptions options);

  Status Ping() override;
  Result<std::string> Put(std::string_view bytes) override;
  std::vector<Result<std::string>> PutMany(const std::vector<std::string_view>& blobs) override;
  Result<std::string> Get(std::string_view key) override;
  Result<bool> Exists(std::string_view key) override;

 private:
  explicit FsBlobStore(FsBlobStoreOptions options) : options_(std::move(options)) {}
  Result<std::string> PathOf(std::string_view key) const;
  Result<std::string> PutFile(const std::string& key, std::string_view bytes);
  // NotFound when the key has no row.
  Result<std::string> GetSmall(std::string_view key);

  FsBlobStoreOptions options_;
  std::unique_ptr<SqliteDb> small_;
};

}  // namespace ag
