// The VectorIndex contract, run against every adapter (HnswVectorIndex, searching exactly and
// through its graph; QdrantVectorIndex against tests/fakes/fake_qdrant.py, which checks each
// request against Qdrant's documented schema), then what is particular to each.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <algorithm>
#include <atomic>
#include <cmath>
#include <filesystem>
#include <functional>
#include <random>
#include <thread>

#include "support/fake_process.h"
#include "support/http_client.h"
#include "support/temp_dir.h"
#include "vector/hnsw_vector_index.h"
#include "vector/qdrant_vector_index.h"
#include "vector/vector_index.h"

namespace ag {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;
using testing::TempDir;
using ::testing::UnorderedElementsAre;

constexpr int kDim = 16;
const EmbeddingSpace kSpace{"test-model-v1", kDim};

std::vector<float> RandomVector(std::mt19937& rng, int dim = kDim) {
  std::normal_distribution<float> normal;
  std::vector<float> v(static_cast<std::size_t>(dim));
  for (float& x : v) x = normal(rng);
  return v;
}

// A unit vector along `axis`, tilted slightly towards axis + 1 by `tilt`.
std::vector<float> Axis(int axis, float tilt = 0) {
  std::vector<float> v(kDim, 0.0f);
  v[static_cast<std::size_t>(axis)] = 1;
  v[static_cast<std::size_t>((axis + 1) % kDim)] = tilt;
  return v;
}

VectorPoint Point(std::int64_t chunk, std::int64_t assignment, std::int64_t material,
                  std::vector<float> v) {
  return {ChunkId(chunk), AssignmentId(assignment), MaterialId(material), std::move(v)};
}

std::vector<std::int64_t> Ids(const std::vector<VectorHit>& hits) {
  std::vector<std::int64_t> ids;
  for (const auto& h : hits) ids.push_back(h.chunk.value());
  return ids;
}

// How each adapter is opened on a directory: reopening the same directory must see the data.
struct Adapter {
  std::string name;
  std::function<Result<std::unique_ptr<VectorIndex>>(const std::string& dir,
                                                     const EmbeddingSpace& space)>
      open;
};

Adapter Hnsw(std::string name, int exact_below) {
  return {std::move(name),
          [exact_below](const std::string& dir,
                        const EmbeddingSpace& space) -> Result<std::unique_ptr<VectorIndex>> {
            HnswVectorIndexOptions options;
            options.dir = dir;
            options.space = space;
            options.exact_below = exact_below;
            ASSIGN_OR_RETURN(auto index, HnswVectorIndex::Open(options));
            return std::unique_ptr<VectorIndex>(std::move(index));
          }};
}

// One fake Qdrant per test process, started on first use and stopped when the process exits.
testing::FakeProcess& FakeQdrant() {
  static testing::FakeProcess fake(AG_FAKE_QDRANT_SCRIPT);
  static const bool started = fake.Start();
  EXPECT_TRUE(started) << fake.log();
  return fake;
}

QdrantOptions QdrantOn(const std::string& dir, const EmbeddingSpace& space) {
  QdrantOptions options;
  options.host = "127.0.0.1";
  options.port = FakeQdrant().port();
  // A collection per directory: reopening the same directory finds the same collection.
  options.collection = "t" + std::to_string(std::hash<std::string>()(dir));
  options.space = space;
  options.upsert_batch = 64;  // several requests for the larger batches below
  return options;
}

Adapter Qdrant() {
  return {"Qdrant",
          [](const std::string& dir,
             const EmbeddingSpace& space) -> Result<std::unique_ptr<VectorIndex>> {
            ASSIGN_OR_RETURN(auto index, QdrantVectorIndex::Open(QdrantOn(dir, space)));
            return std::unique_ptr<VectorIndex>(std::move(index));
          }};
}

class VectorIndexContract : public ::testing::TestWithParam<Adapter> {
 protected:
  void SetUp() override { index_ = Open(kSpace); }
  std::unique_ptr<VectorIndex> Open(const EmbeddingSpace& space) {
    auto r = GetParam().open(dir_.File("vectors"), space);
    EXPECT_TRUE(r.ok()) << r.status().ToString();
    return r.ok() ? std::move(r).value() : nullptr;
  }
  std::vector<VectorHit> Search(AssignmentId a, const std::vector<float>& q, int k) {
    auto r = index_->Search(a, q, k);
    EXPECT_TRUE(r.ok()) << r.status().ToString();
    return r.ok() ? *r : std::vector<VectorHit>{};
  }
  // Three assignments: 1 (materials 10 and 11), 2 (material 20), 3 (material 10 again).
  void Fill() {
    ASSERT_TRUE(index_
                    ->Upsert({Point(1, 1, 10, Axis(0)), Point(2, 1, 10, Axis(0, 0.5f)),
                              Point(3, 1, 11, Axis(1)), Point(4, 1, 11, Axis(2)),
                              Point(5, 2, 20, Axis(0, 0.1f)), Point(6, 2, 20, Axis(3)),
                              Point(7, 3, 10, Axis(0, 0.2f))})
                    .ok());
  }

  TempDir dir_;
  std::unique_ptr<VectorIndex> index_;
};

TEST_P(VectorIndexContract, SearchesBestFirstWithCosineScores) {
  Fill();
  EXPECT_THAT(Ids(Search(AssignmentId(1), Axis(0, 0.1f), 10)), ElementsAre(1, 2, 3, 4));
  auto hits = Search(AssignmentId(1), Axis(0), 10);
  ASSERT_EQ(hits.size(), 4u);
  EXPECT_EQ(hits[0].chunk, ChunkId(1));
  EXPECT_NEAR(hits[0].score, 1.0, 1e-5);
  EXPECT_NEAR(hits[1].score, 1 / std::sqrt(1.25), 1e-5);
  EXPECT_NEAR(hits[2].score, 0.0, 1e-5);
  EXPECT_NEAR(hits[3].score, 0.0, 1e-5);
  EXPECT_THAT(Ids(Search(AssignmentId(1), Axis(1), 1)), ElementsAre(3));
  // The query's length does not matter.
  std::vector<float> longer = Axis(0);
  for (float& x : longer) x *= 7;
  EXPECT_EQ(Search(AssignmentId(1), longer, 2)[0].chunk, ChunkId(1));
}

TEST_P(VectorIndexContract, NeverCrossesAssignments) {
  Fill();
  EXPECT_THAT(Ids(Search(AssignmentId(2), Axis(0), 10)), ElementsAre(5, 6));
  EXPECT_THAT(Ids(Search(AssignmentId(3), Axis(3), 10)), ElementsAre(7));
  EXPECT_TRUE(Search(AssignmentId(4), Axis(0), 10).empty());
}

TEST_P(VectorIndexContract, UpsertReplacesAChunk) {
  Fill();
  ASSERT_TRUE(index_->Upsert({Point(1, 1, 11, Axis(5))}).ok());
  auto hits = Search(AssignmentId(1), Axis(5), 1);
  ASSERT_EQ(hits.size(), 1u);
  EXPECT_EQ(hits[0].chunk, ChunkId(1));
  EXPECT_NEAR(hits[0].score, 1.0, 1e-5);
  EXPECT_EQ(Search(AssignmentId(1), Axis(0), 10).size(), 4u);
  // Its material changed too: deleting the old one leaves it.
  ASSERT_TRUE(index_->DeleteMaterial(MaterialId(10)).ok());
  hits = Search(AssignmentId(1), Axis(5), 10);
  EXPECT_THAT(Ids(hits), UnorderedElementsAre(1, 3, 4));
  EXPECT_EQ(hits[0].chunk, ChunkId(1));
  // The last of a chunk's duplicates in one batch wins.
  ASSERT_TRUE(index_->Upsert({Point(9, 1, 12, Axis(6)), Point(9, 1, 12, Axis(7))}).ok());
  EXPECT_EQ(Search(AssignmentId(1), Axis(7), 1)[0].chunk, ChunkId(9));
  EXPECT_EQ(Search(AssignmentId(1), Axis(7), 10).size(), 4u);
}

TEST_P(VectorIndexContract, DeleteMaterialRemovesItsPointsEverywhere) {
  Fill();
  ASSERT_TRUE(index_->DeleteMaterial(MaterialId(10)).ok());
  EXPECT_THAT(Ids(Search(AssignmentId(1), Axis(0), 10)), ElementsAre(3, 4));
  EXPECT_TRUE(Search(AssignmentId(3), Axis(0), 10).empty());
  EXPECT_EQ(Search(AssignmentId(2), Axis(0), 10).size(), 2u);
  EXPECT_TRUE(index_->DeleteMaterial(MaterialId(10)).ok());  // again: nothing to do
  EXPECT_TRUE(index_->DeleteMaterial(MaterialId(999)).ok());
  // Re-adding a deleted chunk works.
  ASSERT_TRUE(index_->Upsert({Point(1, 1, 10, Axis(0))}).ok());
  EXPECT_THAT(Ids(Search(AssignmentId(1), Axis(0), 1)), ElementsAre(1));
}

TEST_P(VectorIndexContract, DeleteAssignmentRemovesOnlyIt) {
  Fill();
  ASSERT_TRUE(index_->DeleteAssignment(AssignmentId(1)).ok());
  EXPECT_TRUE(Search(AssignmentId(1), Axis(0), 10).empty());
  EXPECT_EQ(Search(AssignmentId(3), Axis(0), 10).size(), 1u);
  EXPECT_TRUE(index_->DeleteAssignment(AssignmentId(1)).ok());
  EXPECT_TRUE(index_->DeleteAssignment(AssignmentId(99)).ok());
  // Its materials no longer lead to it; the other assignments keep theirs.
  ASSERT_TRUE(index_->DeleteMaterial(MaterialId(10)).ok());
  EXPECT_TRUE(Search(AssignmentId(3), Axis(0), 10).empty());
  ASSERT_TRUE(index_->Upsert({Point(1, 1, 10, Axis(0))}).ok());
  EXPECT_THAT(Ids(Search(AssignmentId(1), Axis(0), 10)), ElementsAre(1));
}

TEST_P(VectorIndexContract, ZeroVectorsScoreZero) {
  ASSERT_TRUE(
      index_->Upsert({Point(1, 1, 1, std::vector<float>(kDim, 0.0f)), Point(2, 1, 1, Axis(0))})
          .ok());
  auto hits = Search(AssignmentId(1), Axis(0), 10);
  ASSERT_EQ(hits.size(), 2u);
  EXPECT_EQ(hits[1].chunk, ChunkId(1));
  EXPECT_NEAR(hits[1].score, 0.0, 1e-6);
  auto zero_query = Search(AssignmentId(1), std::vector<float>(kDim, 0.0f), 10);
  ASSERT_EQ(zero_query.size(), 2u);
  EXPECT_NEAR(zero_query[0].score, 0.0, 1e-6);
}

TEST_P(VectorIndexContract, RefusesBadInputNamingTheField) {
  auto expect_invalid = [](const Status& s, const std::vector<std::string>& field) {
    EXPECT_EQ(s.code(), StatusCode::kInvalidArgument) << s.ToString();
    EXPECT_EQ(s.field(), field) << s.ToString();
  };
  expect_invalid(index_->Upsert({Point(1, 1, 1, Axis(0)), Point(2, 1, 1, {1, 2})}),
                 {"points", "1", "vector"});
  expect_invalid(index_->Upsert({Point(0, 1, 1, Axis(0))}), {"points", "0", "chunk"});
  expect_invalid(index_->Upsert({Point(1, 0, 1, Axis(0))}), {"points", "0", "assignment"});
  expect_invalid(index_->Upsert({Point(1, 1, -1, Axis(0))}), {"points", "0", "material"});
  auto nan = Axis(0);
  nan[3] = std::nanf("");
  expect_invalid(index_->Upsert({Point(1, 1, 1, nan)}), {"points", "0", "vector"});
  // Nothing of a refused batch was written.
  EXPECT_TRUE(Search(AssignmentId(1), Axis(0), 10).empty());
  expect_invalid(index_->Search(AssignmentId(1), Axis(0), 0).status(), {"k"});
  expect_invalid(index_->Search(AssignmentId(1), std::vector<float>(3, 1.0f), 5).status(),
                 {"query"});
  expect_invalid(index_->Search(AssignmentId(1), nan, 5).status(), {"query"});
  EXPECT_TRUE(index_->Upsert({}).ok());
}

TEST_P(VectorIndexContract, PersistsAcrossReopen) {
  Fill();
  ASSERT_TRUE(index_->DeleteMaterial(MaterialId(11)).ok());
  const auto before = Search(AssignmentId(1), Axis(0), 10);
  index_.reset();
  index_ = Open(kSpace);
  ASSERT_NE(index_, nullptr);
  EXPECT_FALSE(index_->Info().needs_reindex());
  EXPECT_EQ(Search(AssignmentId(1), Axis(0), 10), before);
  EXPECT_THAT(Ids(Search(AssignmentId(2), Axis(0), 10)), ElementsAre(5, 6));
  // Materials are known without reading the partitions first.
  index_.reset();
  index_ = Open(kSpace);
  ASSERT_TRUE(index_->DeleteMaterial(MaterialId(10)).ok());
  EXPECT_TRUE(Search(AssignmentId(1), Axis(0), 10).empty());
  EXPECT_TRUE(Search(AssignmentId(3), Axis(0), 10).empty());
  EXPECT_EQ(Search(AssignmentId(2), Axis(0), 10).size(), 2u);
}

TEST_P(VectorIndexContract, AnotherModelOrDimensionNeedsReindex) {
  Fill();
  EXPECT_EQ(index_->Info().stored, kSpace);
  for (const EmbeddingSpace& other :
       {EmbeddingSpace{"other-model", kDim}, EmbeddingSpace{kSpace.model, 8}}) {
    index_.reset();
    index_ = Open(other);
    ASSERT_NE(index_, nullptr);
    const VectorIndexInfo info = index_->Info();
    EXPECT_TRUE(info.needs_reindex());
    EXPECT_EQ(info.stored, kSpace);
    EXPECT_EQ(info.expected, other);
    const std::vector<float> q(static_cast<std::size_t>(other.dimension), 1.0f);
    auto search = index_->Search(AssignmentId(1), q, 5);
    EXPECT_EQ(search.status().code(), StatusCode::kFailedPrecondition);
    EXPECT_THAT(search.status().message(), HasSubstr("re-index"));
    EXPECT_EQ(index_->Upsert({Point(1, 1, 1, q)}).code(), StatusCode::kFailedPrecondition);
  }
  // Reset: empty, and of the new space, also after reopening.
  ASSERT_TRUE(index_->Reset().ok());
  EXPECT_FALSE(index_->Info().needs_reindex());
  const std::vector<float> q(8, 1.0f);
  EXPECT_TRUE(Search(AssignmentId(1), q, 5).empty());
  ASSERT_TRUE(index_->Upsert({Point(1, 1, 1, q)}).ok());
  index_.reset();
  index_ = Open({kSpace.model, 8});
  EXPECT_FALSE(index_->Info().needs_reindex());
  EXPECT_THAT(Ids(Search(AssignmentId(1), q, 5)), ElementsAre(1));
  index_.reset();
  index_ = Open(kSpace);
  EXPECT_TRUE(index_->Info().needs_reindex());
}

TEST_P(VectorIndexContract, SearchesWhileAnotherThreadUpserts) {
  std::mt19937 rng(7);
  std::vector<VectorPoint> base;
  for (int i = 1; i <= 300; ++i) base.push_back(Point(i, 1, 1 + i % 3, RandomVector(rng)));
  ASSERT_TRUE(index_->Upsert(base).ok());
  const auto probe = base[42].vector;
  std::atomic<bool> done{false};
  std::atomic<int> failures{0};
  std::vector<std::thread> readers;
  for (int t = 0; t < 3; ++t) {
    readers.emplace_back([&] {
      while (!done) {
        auto r = index_->Search(AssignmentId(1), probe, 5);
        // Chunk 43 (base[42]) is never touched by the writer: it stays the best match.
        if (!r.ok() || r->empty() || (*r)[0].chunk != ChunkId(43)) ++failures;
        auto other = index_->Search(AssignmentId(2), probe, 5);
        if (!other.ok()) ++failures;
      }
    });
  }
  std::mt19937 writer_rng(8);
  for (int round = 0; round < 20; ++round) {
    std::vector<VectorPoint> batch;
    for (int i = 0; i < 20; ++i) {
      batch.push_back(Point(1000 + round * 20 + i, 1 + round % 2, 7, RandomVector(writer_rng)));
    }
    ASSERT_TRUE(index_->Upsert(batch).ok());
    if (round % 5 == 4) {
      ASSERT_TRUE(index_->DeleteMaterial(MaterialId(7)).ok());
    }
  }
  done = true;
  for (auto& t : readers) t.join();
  EXPECT_EQ(failures.load(), 0);
}

INSTANTIATE_TEST_SUITE_P(Adapters, VectorIndexContract,
                         ::testing::Values(Hnsw("HnswExact", HnswVectorIndexOptions{}.exact_below),
                                           Hnsw("HnswGraph", 0), Qdrant()),
                         [](const auto& info) { return info.param.name; });

// --- HnswVectorIndex in particular.

HnswVectorIndexOptions Options(const TempDir& dir, int exact_below = 2000, int dim = kDim) {
  HnswVectorIndexOptions options;
  options.dir = dir.File("vectors");
  options.space = {"test-model-v1", dim};
  options.exact_below = exact_below;
  return options;
}

std::unique_ptr<HnswVectorIndex> MustOpen(const HnswVectorIndexOptions& options) {
  auto r = HnswVectorIndex::Open(options);
  EXPECT_TRUE(r.ok()) << r.status().ToString();
  return r.ok() ? std::move(r).value() : nullptr;
}

std::vector<std::int64_t> ExactTop(const std::vector<VectorPoint>& points,
                                   const std::vector<float>& q, std::size_t k) {
  std::vector<std::pair<double, std::int64_t>> scored;
  double qn = 0;
  for (float x : q) qn += x * x;
  for (const auto& p : points) {
    double dot = 0, pn = 0;
    for (std::size_t d = 0; d < q.size(); ++d) {
      dot += static_cast<double>(p.vector[d]) * q[d];
      pn += static_cast<double>(p.vector[d]) * p.vector[d];
    }
    scored.emplace_back(dot / std::sqrt(pn * qn), p.chunk.value());
  }
  std::partial_sort(scored.begin(), scored.begin() + static_cast<std::ptrdiff_t>(k), scored.end(),
                    std::greater<>());
  std::vector<std::int64_t> ids;
  for (std::size_t i = 0; i < k; ++i) ids.push_back(scored[i].second);
  return ids;
}

TEST(HnswVectorIndexTest, RecallAt10On5000RandomVectorsIsAtLeast95Percent) {
  TempDir dir;
  constexpr int kRecallDim = 100;
  auto index = MustOpen(Options(dir, /*exact_below=*/0, kRecallDim));
  ASSERT_NE(index, nullptr);
  std::mt19937 rng(42);
  std::vector<VectorPoint> points;
  for (int i = 1; i <= 5000; ++i) {
    points.push_back(Point(i, 1, 1 + i % 7, RandomVector(rng, kRecallDim)));
  }
  ASSERT_TRUE(index->Upsert(points).ok());
  ASSERT_TRUE(*index->HasGraph(AssignmentId(1)));
  int found = 0, total = 0;
  for (int q = 0; q < 200; ++q) {
    const auto query = RandomVector(rng, kRecallDim);
    const auto truth = ExactTop(points, query, 10);
    auto hits = index->Search(AssignmentId(1), query, 10);
    ASSERT_TRUE(hits.ok());
    ASSERT_EQ(hits->size(), 10u);
    for (std::size_t i = 1; i < hits->size(); ++i)
      EXPECT_GE((*hits)[i - 1].score, (*hits)[i].score);
    for (auto id : Ids(*hits)) found += std::count(truth.begin(), truth.end(), id) > 0 ? 1 : 0;
    total += 10;
  }
  const double recall = static_cast<double>(found) / total;
  EXPECT_GE(recall, 0.95) << "recall@10 " << recall;
}

TEST(HnswVectorIndexTest, BuildsTheGraphAtTheThresholdAndDropsItBelowHalf) {
  TempDir dir;
  auto index = MustOpen(Options(dir, /*exact_below=*/100));
  std::mt19937 rng(1);
  std::vector<VectorPoint> points;
  for (int i = 1; i <= 99; ++i) points.push_back(Point(i, 1, i <= 60 ? 1 : 2, RandomVector(rng)));
  ASSERT_TRUE(index->Upsert(points).ok());
  EXPECT_FALSE(*index->HasGraph(AssignmentId(1)));
  ASSERT_TRUE(index->Upsert({Point(100, 1, 2, RandomVector(rng))}).ok());
  EXPECT_TRUE(*index->HasGraph(AssignmentId(1)));
  EXPECT_TRUE(std::filesystem::exists(dir.File("vectors/assignment-1.2.hnsw")));
  // 100 -> 40 points: below half of the threshold, back to exact search and no graph file.
  ASSERT_TRUE(index->DeleteMaterial(MaterialId(1)).ok());
  EXPECT_FALSE(*index->HasGraph(AssignmentId(1)));
  EXPECT_FALSE(std::filesystem::exists(dir.File("vectors/assignment-1.2.hnsw")));
  EXPECT_FALSE(std::filesystem::exists(dir.File("vectors/assignment-1.3.hnsw")));
  auto hits = index->Search(AssignmentId(1), points[70].vector, 1);
  ASSERT_TRUE(hits.ok());
  EXPECT_EQ((*hits)[0].chunk, ChunkId(71));
}

TEST(HnswVectorIndexTest, ReadsPartitionsLazilyAndKeepsTheGraph) {
  TempDir dir;
  std::mt19937 rng(3);
  std::vector<VectorPoint> points;
  for (int i = 1; i <= 500; ++i) points.push_back(Point(i, 1 + i % 2, 1, RandomVector(rng)));
  std::vector<std::vector<VectorHit>> before;
  {
    auto index = MustOpen(Options(dir, /*exact_below=*/100));
    ASSERT_TRUE(index->Upsert(points).ok());
    for (int i = 0; i < 10; ++i)
      before.push_back(*index->Search(AssignmentId(1), points[i].vector, 5));
  }
  auto index = MustOpen(Options(dir, /*exact_below=*/100));
  EXPECT_FALSE(index->IsLoaded(AssignmentId(1)));
  EXPECT_FALSE(index->IsLoaded(AssignmentId(2)));
  for (int i = 0; i < 10; ++i) {
    EXPECT_EQ(*index->Search(AssignmentId(1), points[i].vector, 5), before[i]);
  }
  EXPECT_TRUE(index->IsLoaded(AssignmentId(1)));
  EXPECT_FALSE(index->IsLoaded(AssignmentId(2)));
  EXPECT_TRUE(*index->HasGraph(AssignmentId(1)));
}

TEST(HnswVectorIndexTest, RebuildsADamagedOrMissingGraph) {
  TempDir dir;
  std::mt19937 rng(4);
  std::vector<VectorPoint> points;
  for (int i = 1; i <= 300; ++i) points.push_back(Point(i, 1, 1, RandomVector(rng)));
  {
    auto index = MustOpen(Options(dir, /*exact_below=*/100));
    ASSERT_TRUE(index->Upsert(points).ok());
  }
  const std::string graph = dir.File("vectors/assignment-1.1.hnsw");
  ASSERT_TRUE(std::filesystem::exists(graph));
  std::string bytes = testing::ReadFile(graph);
  bytes[bytes.size() / 2] ^= 0x5A;
  testing::WriteFile(graph, bytes);
  for (int attempt = 0; attempt < 2; ++attempt) {
    auto index = MustOpen(Options(dir, /*exact_below=*/100));
    auto hits = index->Search(AssignmentId(1), points[7].vector, 3);
    ASSERT_TRUE(hits.ok()) << hits.status().ToString();
    EXPECT_EQ((*hits)[0].chunk, ChunkId(8));
    EXPECT_TRUE(*index->HasGraph(AssignmentId(1)));
    std::filesystem::remove(graph);  // and then with no graph file at all
  }
}

TEST(HnswVectorIndexTest, ADamagedPartitionFailsUntilDeleted) {
  TempDir dir;
  {
    auto index = MustOpen(Options(dir));
    ASSERT_TRUE(index->Upsert({Point(1, 1, 1, Axis(0)), Point(2, 2, 1, Axis(1))}).ok());
  }
  const std::string file = dir.File("vectors/assignment-1.points");
  const std::string good = testing::ReadFile(file);
  for (std::size_t at : {std::size_t{0}, std::size_t{20}, good.size() - 3}) {
    std::string bad = good;
    bad[at] ^= 0x21;
    testing::WriteFile(file, bad);
    auto index = MustOpen(Options(dir));
    auto hits = index->Search(AssignmentId(1), Axis(0), 3);
    ASSERT_FALSE(hits.ok()) << at;
    EXPECT_EQ(hits.status().code(), StatusCode::kFailedPrecondition);
    EXPECT_THAT(hits.status().message(), HasSubstr(file));
    EXPECT_EQ(index->Upsert({Point(3, 1, 1, Axis(2))}).code(), StatusCode::kFailedPrecondition);
    // The other assignment is unaffected.
    EXPECT_THAT(Ids(*index->Search(AssignmentId(2), Axis(1), 3)), ElementsAre(2));
  }
  testing::WriteFile(file, good.substr(0, good.size() - 4));
  auto index = MustOpen(Options(dir));
  EXPECT_FALSE(index->Search(AssignmentId(1), Axis(0), 3).ok());
  // Deleting the assignment (to index it again) needs no readable partition.
  ASSERT_TRUE(index->DeleteAssignment(AssignmentId(1)).ok());
  EXPECT_FALSE(std::filesystem::exists(file));
  ASSERT_TRUE(index->Upsert({Point(1, 1, 1, Axis(0))}).ok());
  EXPECT_THAT(Ids(*index->Search(AssignmentId(1), Axis(0), 3)), ElementsAre(1));
}

TEST(HnswVectorIndexTest, CleansUpAfterAnInterruptedWrite) {
  TempDir dir;
  {
    auto index = MustOpen(Options(dir, /*exact_below=*/0));
    ASSERT_TRUE(index->Upsert({Point(1, 1, 1, Axis(0))}).ok());
  }
  const std::string d = dir.File("vectors/");
  testing::WriteFile(d + "assignment-1.points.tmp", "half");
  testing::WriteFile(d + "assignment-1.2.hnsw", "a graph whose points file never landed");
  testing::WriteFile(d + "assignment-5.1.hnsw", "a graph of no partition");
  testing::WriteFile(d + "notes.txt", "not ours");
  auto index = MustOpen(Options(dir, /*exact_below=*/0));
  EXPECT_FALSE(std::filesystem::exists(d + "assignment-1.points.tmp"));
  EXPECT_FALSE(std::filesystem::exists(d + "assignment-1.2.hnsw"));
  EXPECT_FALSE(std::filesystem::exists(d + "assignment-5.1.hnsw"));
  EXPECT_TRUE(std::filesystem::exists(d + "assignment-1.1.hnsw"));
  EXPECT_TRUE(std::filesystem::exists(d + "notes.txt"));
  EXPECT_THAT(Ids(*index->Search(AssignmentId(1), Axis(0), 3)), ElementsAre(1));
}

TEST(HnswVectorIndexTest, AMissingOrUnreadableMetaFileNeedsReindex) {
  TempDir dir;
  {
    auto index = MustOpen(Options(dir));
    ASSERT_TRUE(index->Upsert({Point(1, 1, 1, Axis(0))}).ok());
  }
  testing::WriteFile(dir.File("vectors/index.json"), "{not json");
  EXPECT_TRUE(MustOpen(Options(dir))->Info().needs_reindex());
  std::filesystem::remove(dir.File("vectors/index.json"));
  auto index = MustOpen(Options(dir));
  EXPECT_TRUE(index->Info().needs_reindex());
  ASSERT_TRUE(index->Reset().ok());
  EXPECT_FALSE(MustOpen(Options(dir))->Info().needs_reindex());
  // An empty directory simply takes the embedder's space.
  TempDir fresh;
  EXPECT_FALSE(MustOpen(Options(fresh))->Info().needs_reindex());
}

TEST(HnswVectorIndexTest, ManyDeletionsKeepResultsRight) {
  TempDir dir;
  auto index = MustOpen(Options(dir, /*exact_below=*/0));
  std::mt19937 rng(5);
  std::vector<VectorPoint> kept;
  for (int round = 0; round < 6; ++round) {
    std::vector<VectorPoint> batch;
    for (int i = 0; i < 200; ++i) {
      batch.push_back(Point(round * 1000 + i + 1, 1, round + 1, RandomVector(rng)));
    }
    ASSERT_TRUE(index->Upsert(batch).ok());
    // The previous batch goes: deleted nodes pile up in the graph until it is rebuilt.
    if (round > 0) {
      ASSERT_TRUE(index->DeleteMaterial(MaterialId(round)).ok());
    }
    kept = batch;
  }
  for (int i = 0; i < 20; ++i) {
    auto hits = index->Search(AssignmentId(1), kept[static_cast<std::size_t>(i)].vector, 10);
    ASSERT_TRUE(hits.ok());
    EXPECT_EQ((*hits)[0].chunk, kept[static_cast<std::size_t>(i)].chunk);
    for (const auto& h : *hits) EXPECT_GT(h.chunk.value(), 5000);
  }
}

TEST(HnswVectorIndexTest, RefusesBadOptions) {
  TempDir dir;
  auto options = Options(dir);
  options.dir.clear();
  EXPECT_EQ(HnswVectorIndex::Open(options).status().field(), std::vector<std::string>{"dir"});
  options = Options(dir);
  options.space.model.clear();
  EXPECT_EQ(HnswVectorIndex::Open(options).status().code(), StatusCode::kInvalidArgument);
  options = Options(dir);
  options.space.dimension = 0;
  EXPECT_EQ(HnswVectorIndex::Open(options).status().code(), StatusCode::kInvalidArgument);
  options = Options(dir);
  options.exact_below = -1;
  EXPECT_EQ(HnswVectorIndex::Open(options).status().code(), StatusCode::kInvalidArgument);
}

// --- QdrantVectorIndex in particular.

TEST(QdrantVectorIndexTest, SendsOnlyDocumentedRequestsAndRecordsTheModel) {
  TempDir dir;
  auto index = QdrantVectorIndex::Open(QdrantOn(dir.path(), kSpace));
  ASSERT_TRUE(index.ok()) << index.status().ToString();
  ASSERT_TRUE((*index)->Upsert({Point(1, 1, 10, Axis(0)), Point(2, 2, 20, Axis(1))}).ok());
  ASSERT_TRUE((*index)->Search(AssignmentId(1), Axis(0), 3).ok());
  ASSERT_TRUE((*index)->DeleteMaterial(MaterialId(10)).ok());
  const Json requests = testing::HttpClient(FakeQdrant().port()).Get("/_fake/requests").json();
  ASSERT_TRUE(requests.is_array());
  const std::string collection = "/collections/" + QdrantOn(dir.path(), kSpace).collection;
  std::vector<std::string> calls;
  for (const Json& r : requests) {
    if (r["path"].get<std::string>().rfind(collection, 0) != 0) continue;
    calls.push_back(r["method"].get<std::string>() + " " +
                    r["path"].get<std::string>().substr(collection.size()));
  }
  // Created with its payload indexes and the model's point, then the calls above.
  EXPECT_THAT(calls, ElementsAre("GET ", "PUT ", "PUT /index", "PUT /index", "PUT /points",
                                 "PUT /points", "POST /points/search", "POST /points/delete"));
  for (const Json& r : requests) {
    if (r["path"] == collection && r["method"] == "PUT") {
      EXPECT_EQ(r["body"]["vectors"]["size"], kDim);
      EXPECT_EQ(r["body"]["vectors"]["distance"], "Cosine");
    }
    if (r["path"] == collection + "/points/search") {
      EXPECT_EQ(r["body"]["filter"]["must"][0]["key"], "assignment_id");
      EXPECT_EQ(r["body"]["filter"]["must"][0]["match"]["value"], 1);
    }
  }
}

TEST(QdrantVectorIndexTest, AServerThatDoesNotAnswerIsUnavailable) {
  QdrantOptions options = QdrantOn("down", kSpace);
  options.port = 1;  // nothing listens there
  options.connect_timeout = std::chrono::milliseconds(500);
  EXPECT_EQ(QdrantVectorIndex::Open(options).status().code(), StatusCode::kUnavailable);
  options = QdrantOn("bad", kSpace);
  options.collection = "no/slashes";
  EXPECT_EQ(QdrantVectorIndex::Open(options).status().field(),
            std::vector<std::string>{"QDRANT_COLLECTION"});
}

}  // namespace
}  // namespace ag
