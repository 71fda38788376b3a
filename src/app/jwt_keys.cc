#include "app/jwt_keys.h"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <filesystem>

#include "auth/secret_token.h"
#include "core/durable_file.h"
#include "core/files.h"
#include "core/sha256.h"

namespace ag {
namespace {

std::string KeyId(const std::string& secret) { return Sha256Hex(secret).substr(0, 16); }

// The embedded server's own key: read, or made and written once (no other process shares it).
Result<std::string> DataDirSecret(const std::string& data_dir) {
  const std::string path = data_dir + "/jwt_secret";
  if (std::filesystem::exists(path)) {
    ASSIGN_OR_RETURN(std::string secret, ReadWholeFile(path));
    while (!secret.empty() && (secret.back() == '\n' || secret.back() == '\r')) secret.pop_back();
    return secret;
  }
  std::error_code ec;
  std::filesystem::create_directories(data_dir, ec);
  const std::string secret = RandomSecret(48);
  const std::string tmp = path + ".tmp";
  const int fd = ::open(tmp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
  if (fd < 0) return StorageError(errno, "create " + tmp);
  Status written = WriteAll(fd, secret, tmp);
  if (written.ok() && ::fsync(fd) != 0) written = StorageError(errno, "fsync " + tmp);
  ::close(fd);
  if (written.ok() && ::rename(tmp.c_str(), path.c_str()) != 0) {
    written = StorageError(errno, "rename " + tmp);
  }
  if (!written.ok()) {
    ::unlink(tmp.c_str());
    return written;
  }
  RETURN_IF_ERROR(SyncDirectory(data_dir));
  return secret;
}

}  // namespace

Result<JwtOptions> JwtOptionsFrom(const Config& c) {
  std::string active = c.jwt_secret;
  if (active.empty()) {
    if (!c.mysql_host.empty()) {
      return FailedPreconditionError(
          "JWT_SECRET (or JWT_SECRET_FILE) is required with MYSQL_HOST: every API replica must "
          "sign with the same key");
    }
    ASSIGN_OR_RETURN(active, DataDirSecret(c.data_dir));
  }
  JwtOptions o;
  o.keys.push_back({KeyId(active), active, false});
  o.active_kid = o.keys.front().kid;
  for (const std::string& old : c.jwt_previous_secrets) {
    const std::string kid = KeyId(old);
    bool known = false;
    for (const auto& k : o.keys) known = known || k.kid == kid;
    if (!known) o.keys.push_back({kid, old, false});
  }
  return o;
}

}  // namespace ag
