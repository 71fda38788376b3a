#include "blob/fs_blob_store.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <cstring>
#include <filesystem>
#include <optional>

#include "core/durable_file.h"
#include "core/sha256.h"

namespace ag {
namespace {

// Every failure here is the server's storage, never the client's request (NotFound for a
// missing blob is decided by Get itself): retried later, 503 over HTTP.
Status ErrnoStatus(int err, std::string_view what) { return StorageError(err, what); }

bool IsHexKey(std::string_view key) {
  if (key.size() != 64) return false;
  for (char c : key) {
    if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'))) return false;
  }
  return true;
}

std::atomic<std::uint64_t> g_temp_counter{0};

}  // namespace

Result<std::unique_ptr<FsBlobStore>> FsBlobStore::Open(FsBlobStoreOptions options) {
  std::error_code ec;
  std::filesystem::create_directories(options.root, ec);
  if (ec)
    return UnavailableError("cannot create blob directory " + options.root + ": " + ec.message());
  SqliteOptions db;
  db.path = options.root + "/small.db";
  db.synchronous_full = options.fsync;
  db.max_readers = 2;
  db.page_size = 1024;  // the key index takes a random insert per blob
  ASSIGN_OR_RETURN(auto small, SqliteDb::Open(db));
  RETURN_IF_ERROR(small->Write([](SqliteConn& c) {
    // Rows append in rowid order; only the small key index takes random inserts.
    return c.Exec(
        "CREATE TABLE IF NOT EXISTS blobs ("
        " id INTEGER PRIMARY KEY, key TEXT NOT NULL UNIQUE, bytes BLOB NOT NULL)");
  }));
  std::unique_ptr<FsBlobStore> store(new FsBlobStore(std::move(options)));
  store->small_ = std::move(small);
  return store;
}

Status FsBlobStore::Ping() {
  if (::access(options_.root.c_str(), W_OK | X_OK) != 0) {
    return ErrnoStatus(errno, "blob directory " + options_.root);
  }
  return small_->Read([](SqliteConn& c) -> Status {
    ASSIGN_OR_RETURN(auto stmt, c.Prepare("SELECT COUNT(*) FROM blobs WHERE 0"));
    return stmt.Run();
  });
}

Result<std::string> FsBlobStore::PathOf(std::string_view key) const {
  if (!IsHexKey(key)) return InvalidArgumentError("malformed blob key");
  std::string path = options_.root;
  path += '/';
  path.append(key.substr(0, 2));
  path += '/';
  path.append(key.substr(2, 2));
  path += '/';
  path.append(key);
  return path;
}

Result<std::string> FsBlobStore::Put(std::string_view bytes) {
  return std::move(PutMany({bytes}).front());
}

std::vector<Result<std::string>> FsBlobStore::PutMany(const std::vector<std::string_view>& blobs) {
  std::vector<Result<std::string>> out;
  out.reserve(blobs.size());
  std::vector<std::string> keys;
  keys.reserve(blobs.size());
  std::vector<std::size_t> small;  // indexes of the blobs that go to small.db
  for (std::size_t i = 0; i < blobs.size(); ++i) {
    keys.push_back(Sha256Hex(blobs[i]));
    if (blobs[i].size() <= options_.inline_max_bytes) small.push_back(i);
  }
  // One write for all the small ones: an insert that is ignored for a known key cannot fail
  // alone, so they succeed or fail together.
  Status written = OkStatus();
  if (!small.empty()) {
    written = small_->Write([&](SqliteConn& c) -> Status {
      ASSIGN_OR_RETURN(auto stmt,
                       c.Prepare("INSERT OR IGNORE INTO blobs(key, bytes) VALUES (?, ?)"));
      for (std::size_t i : small)
        RETURN_IF_ERROR(stmt.Bind(1, keys[i]).BindBlob(2, blobs[i]).Run());
      return OkStatus();
    });
  }
  std::size_t next_small = 0;
  for (std::size_t i = 0; i < blobs.size(); ++i) {
    if (next_small < small.size() && small[next_small] == i) {
      ++next_small;
      if (written.ok())
        out.emplace_back(keys[i]);
      else
        out.emplace_back(written);
    } else {
      out.push_back(PutFile(keys[i], blobs[i]));
    }
  }
  return out;
}

Result<std::string> FsBlobStore::GetSmall(std::string_view key) {
  std::optional<std::string> found;
  RETURN_IF_ERROR(small_->Read([&](SqliteConn& c) -> Status {
    ASSIGN_OR_RETURN(auto stmt, c.Prepare("SELECT bytes FROM blobs WHERE key = ?"));
    stmt.Bind(1, key);
    ASSIGN_OR_RETURN(bool row, stmt.Step());
    if (row) found = stmt.Blob(0);
    return OkStatus();
  }));
  if (!found) return NotFoundError("blob " + std::string(key) + " not found");
  return std::move(*found);
}

Result<std::string> FsBlobStore::PutFile(const std::string& key, std::string_view bytes) {
  ASSIGN_OR_RETURN(std::string path, PathOf(key));
  struct stat st;
  if (::stat(path.c_str(), &st) == 0 && static_cast<std::size_t>(st.st_size) == bytes.size()) {
    return key;  // content-addressed: these bytes are already stored
  }
  const std::string dir = path.substr(0, path.rfind('/'));
  std::error_code ec;
  std::filesystem::create_directories(dir, ec);
  if (ec) return UnavailableError("cannot create " + dir + ": " + ec.message());

  const std::string tmp = dir + "/.tmp-" + std::to_string(::getpid()) + "-" +
                          std::to_string(g_temp_counter.fetch_add(1));
  RETURN_IF_ERROR(WriteFileAtomic(path, tmp, bytes, options_.fsync));
  if (options_.fsync) RETURN_IF_ERROR(SyncDirectory(dir));
  return key;
}

Result<std::string> FsBlobStore::Get(std::string_view key) {
  ASSIGN_OR_RETURN(std::string path, PathOf(key));
  auto small = GetSmall(key);
  if (small.ok() || small.status().code() != StatusCode::kNotFound) return small;
  const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) {
    if (errno == ENOENT) return NotFoundError("blob " + std::string(key) + " not found");
    return ErrnoStatus(errno, "open " + path);
  }
  std::string out;
  char buf[65536];
  for (;;) {
    const ssize_t n = ::read(fd, buf, sizeof buf);
    if (n < 0) {
      if (errno == EINTR) continue;
      const int err = errno;
      ::close(fd);
      return ErrnoStatus(err, "read " + path);
    }
    if (n == 0) break;
    out.append(buf, static_cast<std::size_t>(n));
  }
  ::close(fd);
  return out;
}

Result<bool> FsBlobStore::Exists(std::string_view key) {
  ASSIGN_OR_RETURN(std::string path, PathOf(key));
  auto small = GetSmall(key);
  if (small.ok()) return true;
  if (small.status().code() != StatusCode::kNotFound) return small.status();
  struct stat st;
  if (::stat(path.c_str(), &st) == 0) return true;
  if (errno == ENOENT) return false;
  return ErrnoStatus(errno, "stat " + path);
}

}  // namespace ag
