#include "core/durable_file.h"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

namespace ag {
namespace {

Status SyncOpened(const std::string& path, int flags) {
  const int fd = ::open(path.c_str(), flags | O_CLOEXEC);
  if (fd < 0) return StorageError(errno, "open " + path);
  const int rc = ::fsync(fd);
  const int err = errno;
  ::close(fd);
  return rc == 0 ? OkStatus() : StorageError(err, "fsync " + path);
}

}  // namespace

Status StorageError(int err, std::string_view what) {
  return UnavailableError(std::string(what) + ": " + std::strerror(err));
}

Status WriteAll(int fd, std::string_view bytes, std::string_view what) {
  while (!bytes.empty()) {
    const ssize_t n = ::write(fd, bytes.data(), bytes.size());
    if (n < 0) {
      if (errno == EINTR) continue;
      return StorageError(errno, "write " + std::string(what));
    }
    bytes.remove_prefix(static_cast<std::size_t>(n));
  }
  return OkStatus();
}

Status SyncFile(const std::string& path) { return SyncOpened(path, O_RDONLY); }

Status SyncDirectory(const std::string& dir) { return SyncOpened(dir, O_RDONLY | O_DIRECTORY); }

Status WriteFileAtomic(const std::string& path, const std::string& tmp, std::string_view bytes,
                       bool sync) {
  const int fd = ::open(tmp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  if (fd < 0) return StorageError(errno, "create " + tmp);
  Status s = WriteAll(fd, bytes, tmp);
  if (s.ok() && sync && ::fsync(fd) != 0) s = StorageError(errno, "fsync " + tmp);
  if (::close(fd) != 0 && s.ok()) s = StorageError(errno, "close " + tmp);
  if (s.ok() && ::rename(tmp.c_str(), path.c_str()) != 0) s = StorageError(errno, "rename " + tmp);
  if (!s.ok()) ::unlink(tmp.c_str());
  return s;
}

}  // namespace ag
