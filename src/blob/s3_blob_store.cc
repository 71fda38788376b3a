#include "blob/s3_blob_store.h"

#include "core/sha256.h"

namespace ag {
namespace {

constexpr char kEmptySha256[] = "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855";

bool IsHexKey(std::string_view key) {
  if (key.size() != 64) return false;
  for (char c : key) {
    if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'))) return false;
  }
  return true;
}

Status CheckKey(std::string_view key) {
  if (IsHexKey(key)) return OkStatus();
  return InvalidArgumentError("a blob key is 64 lower-case hex digits", {"key"});
}

// The text of <Tag>...</Tag> in an S3 error document; empty when absent.
std::string XmlText(const std::string& body, const std::string& tag) {
  std::string open = "<";
  open.append(tag).append(">");
  std::string close = "</";
  close.append(tag).append(">");
  const auto start = body.find(open);
  if (start == std::string::npos) return {};
  const auto end = body.find(close, start);
  if (end == std::string::npos) return {};
  return body.substr(start + open.size(), end - start - open.size());
}

}  // namespace

Result<std::unique_ptr<S3BlobStore>> S3BlobStore::Open(S3BlobStoreOptions options,
                                                       const Clock& clock) {
  std::string endpoint = options.endpoint;
  std::string scheme = options.secure ? "https" : "http";
  if (const auto sep = endpoint.find("://"); sep != std::string::npos) {
    scheme = endpoint.substr(0, sep);
    endpoint = endpoint.substr(sep + 3);
  }
  while (!endpoint.empty() && endpoint.back() == '/') endpoint.pop_back();
  if (scheme != "http" && scheme != "https") {
    return InvalidArgumentError("MINIO_ENDPOINT: the scheme must be http or https",
                                {"MINIO_ENDPOINT"});
  }
  if (endpoint.empty() || endpoint.find('/') != std::string::npos) {
    return InvalidArgumentError(
        "MINIO_ENDPOINT: give host:port (or http[s]://host:port), got '" + options.endpoint + "'",
        {"MINIO_ENDPOINT"});
  }
  // S3's bucket naming rules, in short: lower case, digits, dots and hyphens, 3 to 63.
  const std::string& b = options.bucket;
  bool bucket_ok = b.size() >= 3 && b.size() <= 63;
  for (char c : b) {
    bucket_ok =
        bucket_ok && ((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' || c == '.');
  }
  if (!bucket_ok) {
    return InvalidArgumentError(
        "MINIO_BUCKET: 3 to 63 lower-case letters, digits, dots or hyphens, got '" + b + "'",
        {"MINIO_BUCKET"});
  }
  std::unique_ptr<S3BlobStore> store(
      new S3BlobStore(std::move(options), clock, std::move(scheme), std::move(endpoint)));
  // A server that is down at start is not fatal: Ping reports it (readiness) and the bucket is
  // made when it answers.
  store->EnsureBucket().IgnoreError();
  return store;
}

S3BlobStore::S3BlobStore(S3BlobStoreOptions options, const Clock& clock, std::string scheme,
                         std::string authority)
    : options_(std::move(options)),
      clock_(clock),
      key_{options_.access_key, options_.secret_key, options_.region, "s3"},
      scheme_(std::move(scheme)),
      authority_(std::move(authority)) {}

S3BlobStore::~S3BlobStore() = default;

Result<S3BlobStore::Response> S3BlobStore::Send(const std::string& method,
                                                const std::string& object, std::string_view body,
                                                const std::string& body_sha256) {
  std::string host = authority_;
  std::string path = "/";
  if (options_.virtual_host) {
    host.insert(0, options_.bucket + ".");
  } else {
    path.append(options_.bucket);
    if (!object.empty()) path.append("/");
  }
  path.append(UriEncode(object, false));
  const std::string date = AmzDate(clock_.Now());
  SigV4Request request;
  request.method = method;
  request.path = path;
  request.headers = {{"host", host}, {"x-amz-content-sha256", body_sha256}, {"x-amz-date", date}};
  request.payload_sha256 = body_sha256;
  const std::string authorization = SigV4Authorization(request, date, key_);

  HttpCall call;
  call.method = method;
  call.url = scheme_ + "://" + host + path;
  for (const auto& [name, value] : request.headers) call.headers.push_back(name + ": " + value);
  call.headers.push_back("Authorization: " + authorization);
  call.body = body;
  call.connect_timeout = options_.connect_timeout;
  call.timeout = options_.timeout;
  ASSIGN_OR_RETURN(HttpReply reply, http_.Send(call));
  return Response{reply.status, std::move(reply.body)};
}

Status S3BlobStore::ErrorOf(const Response& r, std::string_view what) const {
  std::string message = "S3 " + std::string(what) + " in bucket " + options_.bucket +
                        " answered HTTP " + std::to_string(r.status);
  const std::string code = XmlText(r.body, "Code");
  if (!code.empty()) message += " " + code + ": " + XmlText(r.body, "Message");
  if (r.status == 403) message += " (check MINIO_ACCESS_KEY and MINIO_SECRET_KEY)";
  return UnavailableError(message);
}

Status S3BlobStore::EnsureBucket() {
  ASSIGN_OR_RETURN(auto head, Send("HEAD", "", {}, kEmptySha256));
  if (head.status == 200) return OkStatus();
  if (head.status != 404) return ErrorOf(head, "HEAD bucket");
  std::string body;
  if (options_.region != "us-east-1") {
    body =
        "<CreateBucketConfiguration xmlns=\"http://s3.amazonaws.com/doc/2006-03-01/\">"
        "<LocationConstraint>" +
        options_.region + "</LocationConstraint></CreateBucketConfiguration>";
  }
  ASSIGN_OR_RETURN(auto made, Send("PUT", "", body, Sha256Hex(body)));
  // Made in between by another replica (s3rver says BucketAlreadyExists for that): as good;
  // a bucket of another account would fail the next request with 403, which names it.
  const std::string code = XmlText(made.body, "Code");
  if (made.status == 200 || code == "BucketAlreadyOwnedByYou" || code == "BucketAlreadyExists") {
    return OkStatus();
  }
  return ErrorOf(made, "create bucket");
}

Status S3BlobStore::Ping() { return EnsureBucket(); }

Result<std::string> S3BlobStore::Put(std::string_view bytes) {
  std::string key = Sha256Hex(bytes);
  for (int attempt = 0;; ++attempt) {
    ASSIGN_OR_RETURN(auto r, Send("PUT", options_.prefix + key, bytes, key));
    if (r.status == 200) return key;
    if (attempt == 0 && r.status == 404 && XmlText(r.body, "Code") == "NoSuchBucket") {
      RETURN_IF_ERROR(EnsureBucket());
      continue;
    }
    return ErrorOf(r, "PUT object");
  }
}

std::vector<Result<std::string>> S3BlobStore::PutMany(const std::vector<std::string_view>& blobs) {
  std::vector<Result<std::string>> out;
  out.reserve(blobs.size());
  for (auto b : blobs) out.push_back(Put(b));
  return out;
}

Result<std::string> S3BlobStore::Get(std::string_view key) {
  RETURN_IF_ERROR(CheckKey(key));
  ASSIGN_OR_RETURN(auto r, Send("GET", options_.prefix + std::string(key), {}, kEmptySha256));
  if (r.status == 404 && XmlText(r.body, "Code") != "NoSuchBucket") {
    return NotFoundError("no blob " + std::string(key));
  }
  if (r.status != 200) return ErrorOf(r, "GET object");
  if (Sha256Hex(r.body) != key) {
    return InternalError("S3 object " + std::string(key) + " does not hold the bytes of its key");
  }
  return std::move(r.body);
}

Result<bool> S3BlobStore::Exists(std::string_view key) {
  RETURN_IF_ERROR(CheckKey(key));
  ASSIGN_OR_RETURN(auto r, Send("HEAD", options_.prefix + std::string(key), {}, kEmptySha256));
  if (r.status == 200) return true;
  if (r.status == 404) return false;
  return ErrorOf(r, "HEAD object");
}

Status S3BlobStore::Delete(std::string_view key) {
  RETURN_IF_ERROR(CheckKey(key));
  ASSIGN_OR_RETURN(auto r, Send("DELETE", options_.prefix + std::string(key), {}, kEmptySha256));
  if (r.status == 204 || r.status == 200 || r.status == 404) return OkStatus();
  return ErrorOf(r, "DELETE object");
}

}  // namespace ag
