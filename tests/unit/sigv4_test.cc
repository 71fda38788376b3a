// The SigV4 signer against the examples AWS publishes for S3 ("Signature Calculations for the
// Authorization Header: Transferring Payload in a Single Chunk"): examplebucket, the documented
// example key pair, 2013-05-24 00:00:00 UTC, us-east-1.
#include "blob/sigv4.h"

#include <gtest/gtest.h>

#include "core/sha256.h"

namespace ag {
namespace {

constexpr char kEmptySha[] = "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855";
constexpr char kDate[] = "20130524T000000Z";

SigV4Key ExampleKey() {
  return {"AKIAIOSFODNN7EXAMPLE", "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY", "us-east-1", "s3"};
}

SigV4Request Get(std::string path, std::vector<std::pair<std::string, std::string>> query) {
  SigV4Request r;
  r.method = "GET";
  r.path = std::move(path);
  r.query = std::move(query);
  r.headers = {{"Host", "examplebucket.s3.amazonaws.com"},
               {"x-amz-content-sha256", kEmptySha},
               {"x-amz-date", kDate}};
  r.payload_sha256 = kEmptySha;
  return r;
}

std::string Signature(const std::string& authorization) {
  return authorization.substr(authorization.find("Signature=") + 10);
}

TEST(SigV4Test, GetObjectWithRange) {
  SigV4Request r = Get("/test.txt", {});
  r.headers.emplace_back("Range", "bytes=0-9");
  EXPECT_EQ(CanonicalRequest(r),
            "GET\n/test.txt\n\nhost:examplebucket.s3.amazonaws.com\nrange:bytes=0-9\n"
            "x-amz-content-sha256:" +
                std::string(kEmptySha) +
                "\nx-amz-date:20130524T000000Z\n\nhost;range;x-amz-content-sha256;x-amz-date\n" +
                kEmptySha);
  EXPECT_EQ(StringToSign(r, kDate, ExampleKey()),
            "AWS4-HMAC-SHA256\n20130524T000000Z\n20130524/us-east-1/s3/aws4_request\n"
            "7344ae5b7ee6c3e7e6b0fe0640412a37625d1fbfff95c48bbb2dc43964946972");
  EXPECT_EQ(SigV4Authorization(r, kDate, ExampleKey()),
            "AWS4-HMAC-SHA256 Credential=AKIAIOSFODNN7EXAMPLE/20130524/us-east-1/s3/aws4_request,"
            "SignedHeaders=host;range;x-amz-content-sha256;x-amz-date,"
            "Signature=f0e8bdb87c964420e857bd35b5d6ed310bd44f0170aba48dd91039c6036bdb41");
}

TEST(SigV4Test, PutObjectWithStorageClass) {
  const std::string body = "Welcome to Amazon S3.";
  SigV4Request r;
  r.method = "PUT";
  r.path = "/test%24file.text";
  r.headers = {{"Date", "Fri, 24 May 2013 00:00:00 GMT"},
               {"Host", "examplebucket.s3.amazonaws.com"},
               {"x-amz-date", kDate},
               {"x-amz-storage-class", "REDUCED_REDUNDANCY"},
               {"x-amz-content-sha256", Sha256Hex(body)}};
  r.payload_sha256 = Sha256Hex(body);
  EXPECT_EQ(UriEncode("test$file.text", false), "test%24file.text");
  EXPECT_EQ(r.payload_sha256, "44ce7dd67c959e0d3524ffac1771dfbba87d2b6b4b4e99e42034a8b803f8b072");
  const std::string auth = SigV4Authorization(r, kDate, ExampleKey());
  EXPECT_NE(
      auth.find("SignedHeaders=date;host;x-amz-content-sha256;x-amz-date;x-amz-storage-class,"),
      std::string::npos);
  EXPECT_EQ(Signature(auth), "98ad721746da40c64f1a55b78f14c238d841ea1380cd77a1b5971af0ece108bd");
}

TEST(SigV4Test, GetBucketLifecycleSignsAnEmptyQueryValue) {
  const SigV4Request r = Get("/", {{"lifecycle", ""}});
  EXPECT_NE(CanonicalRequest(r).find("GET\n/\nlifecycle=\n"), std::string::npos);
  EXPECT_EQ(Signature(SigV4Authorization(r, kDate, ExampleKey())),
            "fea454ca298b7da1c68078a5d1bdbfbbe0d65c699e0f91ac7a200a0136783543");
}

TEST(SigV4Test, ListObjectsSortsTheQuery) {
  const SigV4Request r = Get("/", {{"prefix", "J"}, {"max-keys", "2"}});
  EXPECT_NE(CanonicalRequest(r).find("\nmax-keys=2&prefix=J\n"), std::string::npos);
  EXPECT_EQ(Signature(SigV4Authorization(r, kDate, ExampleKey())),
            "34b48302e7b5fa45bde8084f4b7868a86f0a534bc59db6670ed5711ef69dc6f7");
}

TEST(SigV4Test, HeaderValuesAreTrimmedAndFolded) {
  SigV4Request a = Get("/k", {});
  SigV4Request b = a;
  b.headers.emplace_back("X-Amz-Meta-Note", "  two   words ");
  a.headers.emplace_back("x-amz-meta-note", "two words");
  EXPECT_EQ(CanonicalRequest(a), CanonicalRequest(b));
}

TEST(SigV4Test, UriEncodingAndDates) {
  EXPECT_EQ(UriEncode("a b/c~*é", false), "a%20b/c~%2A%C3%A9");
  EXPECT_EQ(UriEncode("a/b", true), "a%2Fb");
  EXPECT_EQ(AmzDate(TimePoint(std::chrono::seconds(1369353600))), kDate);
}

}  // namespace
}  // namespace ag
