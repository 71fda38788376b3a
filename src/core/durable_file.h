// Writing files so that a crash never leaves half of one: write a temporary file, flush it when
// asked, rename it over the target, flush the directory. Shared by the adapters that keep
// files (blob store, vector index). Every failure is the server's storage: Unavailable.
#pragma once

#include <string>
#include <string_view>

#include "core/status.h"

namespace ag {

// Unavailable "<what>: <strerror(err)>".
Status StorageError(int err, std::string_view what);

// Writes all of `bytes` to `fd`, retrying short writes and EINTR.
Status WriteAll(int fd, std::string_view bytes, std::string_view what);

Status SyncFile(const std::string& path);
Status SyncDirectory(const std::string& dir);

// Writes `bytes` to `tmp` (fsync'd when `sync`), then renames it over `path`; `tmp` is removed
// on failure. The caller syncs the directory when the rename itself must survive a power loss.
Status WriteFileAtomic(const std::string& path, const std::string& tmp, std::string_view bytes,
                       bool sync);

}  // namespace ag
