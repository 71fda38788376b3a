// The BlobStore contract, run against every adapter (files, memory).
#include <gtest/gtest.h>

#include <filesystem>
#include <functional>
#include <memory>

#include "blob/fs_blob_store.h"
#include "blob/mem_blob_store.h"
#include "core/sha256.h"
#include "support/temp_dir.h"

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

using Factory = std::function<std::unique_ptr<BlobUnderTest>()>;

std::string BlobAdapterName(const ::testing::TestParamInfo<Factory>& info) {
  static const char* const kNames[] = {"SmallInDatabase", "FilesOnlyWithFsync", "Memory"};
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
        Factory([] { return std::unique_ptr<BlobUnderTest>(new MemBlobUnderTest()); })),
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

}  // namespace
}  // namespace ag
