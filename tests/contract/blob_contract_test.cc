// The BlobStore contract, run against every adapter (files, memory, and S3 on the s3rver that
// scripts/test-services starts, path-style and virtual-host).
#include <gtest/gtest.h>

#include <filesystem>
#include <functional>
#include <memory>

#include "blob/fs_blob_store.h"
#include "blob/mem_blob_store.h"
#include "blob/s3_blob_store.h"
#include "core/sha256.h"
#include "support/temp_dir.h"
#include "support/test_services.h"

namespace ag {
namespace {

struct BlobUnderTest {
  virtual ~BlobUnderTest() = default;
  virtual BlobStore& blobs() = 0;
};

struct FsBlobUnderTest : BlobUnderTest {
  FsBlobUnderTest(bool fsync, std::size_t inline_max) {
    store = std::move(FsBlobStore::Open({dir.File("blobs"), fsync, inline_max}).value());
  }
  BlobStore& blobs() override { return *store; }
  testing::TempDir dir;
  std::unique_ptr<FsBlobStore> store;
};

struct MemBlobUnderTest : BlobUnderTest {
  BlobStore& blobs() override { return store; }
  MemBlobStore store;
};

S3BlobStoreOptions S3Options(bool virtual_host) {
  S3BlobStoreOptions o;
  const std::string endpoint = testing::ServiceSetting("AG_TEST_S3_ENDPOINT");
  EXPECT_FALSE(endpoint.empty()) << testing::kStartServicesHint;
  // s3rver takes <bucket>.s3.localhost as virtual-host style (curl resolves *.localhost to
  // the loopback address).
  o.endpoint = virtual_host ? "s3.localhost" + endpoint.substr(endpoint.find(':')) : endpoint;
  o.access_key = testing::ServiceSetting("AG_TEST_S3_ACCESS_KEY");
  o.secret_key = testing::ServiceSetting("AG_TEST_S3_SECRET_KEY");
  o.bucket = testing::UniqueName("blobs");  // a fresh bucket per test
  o.virtual_host = virtual_host;
  return o;
}

struct S3BlobUnderTest : BlobUnderTest {
  explicit S3BlobUnderTest(bool virtual_host) {
    auto opened = S3BlobStore::Open(S3Options(virtual_host), clock);
    EXPECT_TRUE(opened.ok()) << opened.status().ToString();
    if (opened.ok()) store = std::move(*opened);
  }
  BlobStore& blobs() override { return *store; }
  SystemClock clock;
  std::unique_ptr<S3BlobStore> store;
};

using Factory = std::function<std::unique_ptr<BlobUnderTest>()>;

std::string BlobAdapterName(const ::testing::TestParamInfo<Factory>& info) {
  static const char* const kNames[] = {"SmallInDatabase", "FilesOnlyWithFsync", "Memory",
                                       "S3PathStyle", "S3VirtualHost"};
  return kNames[info.index];
}

class BlobContract : public ::testing::TestWithParam<Factory> {
 protected:
  void SetUp() override { impl_ = GetParam()(); }
  BlobStore& blobs() { return impl_->blobs(); }
  std::unique_ptr<BlobUnderTest> impl_;
};

TEST_P(BlobContract, StoresBytesUnderTheirSha256) {
  const std::string bytes("binary\0data\xff", 12);
  auto key = blobs().Put(bytes);
  ASSERT_TRUE(key.ok()) << key.status().ToString();
  EXPECT_EQ(*key, Sha256Hex(bytes));
  EXPECT_EQ(*blobs().Get(*key), bytes);
  EXPECT_TRUE(*blobs().Exists(*key));
}

TEST_P(BlobContract, PuttingTheSameBytesTwiceIsOneBlob) {
  auto a = blobs().Put("same");
  auto b = blobs().Put("same");
  ASSERT_TRUE(a.ok() && b.ok());
  EXPECT_EQ(*a, *b);
  EXPECT_EQ(*blobs().Get(*a), "same");
}

TEST_P(BlobContract, UnknownKeysAreNotFound) {
  const std::string unknown(64, 'a');
  EXPECT_EQ(blobs().Get(unknown).status().code(), StatusCode::kNotFound);
  EXPECT_FALSE(*blobs().Exists(unknown));
  EXPECT_TRUE(blobs().Ping().ok());
}

TEST_P(BlobContract, LargeBlobsRoundTrip) {
  std::string big(300 * 1024, '\0');
  for (std::size_t i = 0; i < big.size(); ++i) big[i] = static_cast<char>(i * 31);
  auto key = blobs().Put(big);
  ASSERT_TRUE(key.ok());
  EXPECT_EQ(*blobs().Get(*key), big);
}

TEST_P(BlobContract, EmptyBlobsWork) {
  auto key = blobs().Put("");
  ASSERT_TRUE(key.ok());
  EXPECT_EQ(*blobs().Get(*key), "");
}

INSTANTIATE_TEST_SUITE_P(
    Adapters, BlobContract,
    ::testing::Values(
        Factory([] {
          return std::unique_ptr<BlobUnderTest>(new FsBlobUnderTest(false, 64 * 1024));
        }),
        Factory([] { return std::unique_ptr<BlobUnderTest>(new FsBlobUnderTest(true, 0)); }),
        Factory([] { return std::unique_ptr<BlobUnderTest>(new MemBlobUnderTest()); }),
        Factory([] { return std::unique_ptr<BlobUnderTest>(new S3BlobUnderTest(false)); }),
        Factory([] { return std::unique_ptr<BlobUnderTest>(new S3BlobUnderTest(true)); })),
    BlobAdapterName);

TEST(FsBlobStoreTest, LeavesNoTemporaryFilesAndRejectsMalformedKeys) {
  testing::TempDir dir;
  auto store = std::move(FsBlobStore::Open({dir.File("blobs"), false, 0}).value());
  for (int i = 0; i < 20; ++i) ASSERT_TRUE(store->Put("blob " + std::to_string(i)).ok());
  int files = 0;
  for (const auto& e : std::filesystem::recursive_directory_iterator(dir.File("blobs"))) {
    if (!e.is_regular_file()) continue;
    if (e.path().filename().string().rfind("small.db", 0) == 0) continue;
    ++files;
    EXPECT_EQ(e.path().filename().string().find(".tmp"), std::string::npos);
  }
  EXPECT_EQ(files, 20);
  EXPECT_EQ(store->Get("../../etc/passwd").status().code(), StatusCode::kInvalidArgument);
}

TEST(FsBlobStoreTest, SmallBlobsAreRowsAndLargeOnesFiles) {
  testing::TempDir dir;
  auto store = std::move(FsBlobStore::Open({dir.File("blobs"), false, 1024}).value());
  auto small = store->Put(std::string(1024, 's'));
  auto large = store->Put(std::string(1025, 'l'));
  ASSERT_TRUE(small.ok() && large.ok());
  auto file_of = [&](const std::string& key) {
    return dir.File("blobs") + "/" + key.substr(0, 2) + "/" + key.substr(2, 2) + "/" + key;
  };
  EXPECT_FALSE(std::filesystem::exists(file_of(*small)));
  EXPECT_TRUE(std::filesystem::exists(file_of(*large)));
  EXPECT_TRUE(*store->Exists(*small));
  EXPECT_TRUE(*store->Exists(*large));
}

TEST(FsBlobStoreTest, PingFailsWhenTheDirectoryIsGone) {
  testing::TempDir dir;
  auto store = std::move(FsBlobStore::Open({dir.File("blobs"), false}).value());
  std::filesystem::remove_all(dir.File("blobs"));
  EXPECT_FALSE(store->Ping().ok());
}

TEST(S3BlobStoreTest, RefusesBadSettingsNamingThem) {
  SystemClock clock;
  S3BlobStoreOptions o;
  o.endpoint = "ftp://host:21";
  EXPECT_EQ(S3BlobStore::Open(o, clock).status().field(),
            std::vector<std::string>{"MINIO_ENDPOINT"});
  o.endpoint = "host:9000/path";
  EXPECT_EQ(S3BlobStore::Open(o, clock).status().code(), StatusCode::kInvalidArgument);
  o.endpoint = "host:9000";
  o.bucket = "Upper_Case";
  EXPECT_EQ(S3BlobStore::Open(o, clock).status().field(), std::vector<std::string>{"MINIO_BUCKET"});
}

TEST(S3BlobStoreTest, AServerThatIsDownIsUnavailableAndTheBucketIsMadeWhenItAnswers) {
  SystemClock clock;
  S3BlobStoreOptions down = S3Options(false);
  down.endpoint = "127.0.0.1:1";  // nothing listens on port 1
  down.connect_timeout = std::chrono::milliseconds(500);
  auto store = S3BlobStore::Open(down, clock);
  ASSERT_TRUE(store.ok()) << "a server down at start is not fatal";
  EXPECT_EQ((*store)->Ping().code(), StatusCode::kUnavailable);
  EXPECT_EQ((*store)->Put("x").status().code(), StatusCode::kUnavailable);
  EXPECT_EQ((*store)->Get(std::string(64, 'a')).status().code(), StatusCode::kUnavailable);

  // The same bucket on the live server: made on first use, then it holds blobs.
  S3BlobStoreOptions up = down;
  up.endpoint = S3Options(false).endpoint;
  auto live = S3BlobStore::Open(up, clock);
  ASSERT_TRUE(live.ok());
  EXPECT_TRUE((*live)->Ping().ok());
  auto key = (*live)->Put("hello");
  ASSERT_TRUE(key.ok()) << key.status().ToString();
  EXPECT_EQ(*(*live)->Get(*key), "hello");
}

TEST(S3BlobStoreTest, DeletedBlobsAreNotFoundAndKeysAreChecked) {
  SystemClock clock;
  auto store = std::move(S3BlobStore::Open(S3Options(false), clock).value());
  auto key = store->Put("short-lived");
  ASSERT_TRUE(key.ok());
  ASSERT_TRUE(store->Delete(*key).ok());
  EXPECT_EQ(store->Get(*key).status().code(), StatusCode::kNotFound);
  EXPECT_FALSE(*store->Exists(*key));
  EXPECT_TRUE(store->Delete(*key).ok()) << "deleting what is absent is OK";
  EXPECT_EQ(store->Get("../etc/passwd").status().code(), StatusCode::kInvalidArgument);
}

TEST(S3BlobStoreTest, PutManyStoresEach) {
  SystemClock clock;
  auto store = std::move(S3BlobStore::Open(S3Options(true), clock).value());
  const std::vector<std::string_view> blobs = {"one", "two", "one"};
  auto keys = store->PutMany(blobs);
  ASSERT_EQ(keys.size(), 3u);
  for (std::size_t i = 0; i < keys.size(); ++i) {
    ASSERT_TRUE(keys[i].ok());
    EXPECT_EQ(*store->Get(*keys[i]), blobs[i]);
  }
  EXPECT_EQ(*keys[0], *keys[2]);
}

}  // namespace
}  // namespace ag
