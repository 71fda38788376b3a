#include "blob/fs_blob_store.h"

#include "core/sha256.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <cstring>
#include <filesystem>

namespace ag {
namespace {

// The one place errno becomes a Status here.
Status ErrnoStatus(int err, std::string_view what) {
  std::string message(what);
  message += ": ";
  message += std::strerror(err);
  switch (err) {
    case ENOENT: return NotFoundError(std::move(message));
    case ENOSPC:
    case EDQUOT: return ResourceExhaustedError(std::move(message));
    default: return UnavailableError(std::move(message));
  }
}

bool IsHexKey(std::string_view key) {
  if (key.size() != 64) return false;
  for (char c : key) {
    if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'))) return false;
  }
  return true;
}

Status WriteAll(int fd, std::string_view bytes) {
  while (!bytes.empty()) {
    const ssize_t n = ::write(fd, bytes.data(), bytes.size());
    if (n < 0) {
      if (errno == EINTR) continue;
      return ErrnoStatus(errno, "blob write");
    }
    bytes.remove_prefix(static_cast<std::size_t>(n));
  }
  return OkStatus();
}

Status SyncDirectory(const std::string& dir) {
  const int fd = ::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (fd < 0) return ErrnoStatus(errno, "open " + dir);
  const int rc = ::fsync(fd);
  const int err = errno;
  ::close(fd);
  return rc == 0 ? OkStatus() : ErrnoStatus(err, "fsync " + dir);
}

std::atomic<std::uint64_t> g_temp_counter{0};

}  // namespace

Result<std::unique_ptr<FsBlobStore>> FsBlobStore::Open(FsBlobStoreOptions options) {
  std::error_code ec;
  std::filesystem::create_directories(options.root, ec);
  if (ec) return UnavailableError("cannot create blob directory " + options.root + ": " + ec.message());
  return std::unique_ptr<FsBlobStore>(new FsBlobStore(std::move(options)));
}

Status FsBlobStore::Ping() {
  if (::access(options_.root.c_str(), W_OK | X_OK) != 0) {
    return ErrnoStatus(errno, "blob directory " + options_.root);
  }
  return OkStatus();
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
  std::string key = Sha256Hex(bytes);
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
  const int fd = ::open(tmp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  if (fd < 0) return ErrnoStatus(errno, "create " + tmp);
  Status s = WriteAll(fd, bytes);
  if (s.ok() && options_.fsync && ::fsync(fd) != 0) s = ErrnoStatus(errno, "fsync " + tmp);
  if (::close(fd) != 0 && s.ok()) s = ErrnoStatus(errno, "close " + tmp);
  if (s.ok() && ::rename(tmp.c_str(), path.c_str()) != 0) s = ErrnoStatus(errno, "rename " + tmp);
  if (!s.ok()) {
    ::unlink(tmp.c_str());
    return s;
  }
  if (options_.fsync) RETURN_IF_ERROR(SyncDirectory(dir));
  return key;
}

Result<std::string> FsBlobStore::Get(std::string_view key) {
  ASSIGN_OR_RETURN(std::string path, PathOf(key));
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
  struct stat st;
  if (::stat(path.c_str(), &st) == 0) return true;
  if (errno == ENOENT) return false;
  return ErrnoStatus(errno, "stat " + path);
}

}  // namespace ag
