// AWS Signature Version 4 for S3 requests (header authentication), on OpenSSL's HMAC-SHA256.
// Pure functions of their inputs, so they are checked against AWS's published examples.
#pragma once

#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "core/clock.h"

namespace ag {

struct SigV4Key {
  std::string access_key;
  std::string secret_key;
  std::string region = "us-east-1";
  std::string service = "s3";
};

struct SigV4Request {
  std::string method;  // "GET"
  // The path as sent: already URI-encoded except for '/' (see UriEncode).
  std::string path;
  // Query parameters, not encoded; order does not matter.
  std::vector<std::pair<std::string, std::string>> query;
  // Every header that is signed (host, x-amz-date and x-amz-content-sha256 at least); names in
  // any case, values as sent.
  std::vector<std::pair<std::string, std::string>> headers;
  // Lower-case hex SHA-256 of the body ("UNSIGNED-PAYLOAD" is also accepted by S3).
  std::string payload_sha256;
};

// RFC 3986 unreserved characters kept, everything else %XX (upper case); '/' kept unless
// `encode_slash` (S3 keys keep theirs in the path; query values encode them).
std::string UriEncode(std::string_view text, bool encode_slash);

// "20130524T000000Z" (the x-amz-date header).
std::string AmzDate(TimePoint t);

std::string CanonicalRequest(const SigV4Request& request);
// "AWS4-HMAC-SHA256\n<amz_date>\n<scope>\n<hex sha256 of the canonical request>"
std::string StringToSign(const SigV4Request& request, std::string_view amz_date,
                         const SigV4Key& key);
// The Authorization header's value; amz_date must equal the request's x-amz-date header.
std::string SigV4Authorization(const SigV4Request& request, std::string_view amz_date,
                               const SigV4Key& key);

}  // namespace ag
