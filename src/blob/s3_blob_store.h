// The BlobStore port on any S3-compatible server (MinIO, AWS S3, s3rver): one object per blob,
// named by its SHA-256, signed with SigV4 (blob/sigv4.h), over libcurl's easy interface with
// kept-alive connections (net/curl_easy.h).
#pragma once

#include <chrono>
#include <memory>
#include <string>
#include <vector>

#include "blob/blob_store.h"
#include "blob/sigv4.h"
#include "core/clock.h"
#include "net/curl_easy.h"

namespace ag {

struct S3BlobStoreOptions {
  // "host:port" (MINIO_ENDPOINT as MinIO's clients take it) or a URL "http[s]://host[:port]".
  std::string endpoint;
  bool secure = false;  // https when the endpoint names no scheme (MINIO_SECURE)
  std::string access_key;
  std::string secret_key;
  std::string bucket = "submissions";
  std::string region = "us-east-1";
  // Virtual-host URLs (bucket.host/key), as AWS prefers; path-style (host/bucket/key), as
  // MinIO and most self-hosted servers expect, otherwise.
  bool virtual_host = false;
  std::string prefix = "blobs/";  // object names are prefix + sha256
  std::chrono::milliseconds connect_timeout{5000};
  std::chrono::milliseconds timeout{60000};  // a whole request
};

// Contract as the port's. Writes are whole-object PUTs, which S3 makes visible atomically; the
// body streams from the caller's bytes (no copy) with x-amz-content-sha256 set to the blob's key,
// so the server checks what it received. Get checks the bytes against their key, too. The bucket
// is created when missing, at start and whenever the server answers NoSuchBucket (a fresh
// server). Every failure of the server or the network is Unavailable (503 to a client, retried
// by workers), with S3's error code and message.
class S3BlobStore final : public BlobStore {
 public:
  static Result<std::unique_ptr<S3BlobStore>> Open(S3BlobStoreOptions options, const Clock& clock);
  ~S3BlobStore() override;

  Status Ping() override;
  Result<std::string> Put(std::string_view bytes) override;
  std::vector<Result<std::string>> PutMany(const std::vector<std::string_view>& blobs) override;
  Result<std::string> Get(std::string_view key) override;
  Result<bool> Exists(std::string_view key) override;

  // Removes the blob (for tests and a future retention job); absent is OK.
  Status Delete(std::string_view key);

 private:
  struct Response {
    long status = 0;
    std::string body;
  };
  // One signed request: `object` empty addresses the bucket.
  Result<Response> Send(const std::string& method, const std::string& object, std::string_view body,
                        const std::string& body_sha256);
  S3BlobStore(S3BlobStoreOptions options, const Clock& clock, std::string scheme,
              std::string authority);
  Status EnsureBucket();
  Status ErrorOf(const Response& r, std::string_view what) const;

  S3BlobStoreOptions options_;
  const Clock& clock_;
  SigV4Key key_;
  std::string scheme_;     // "http" or "https"
  std::string authority_;  // host[:port] of the endpoint
  CurlEasyPool http_;
};

}  // namespace ag
