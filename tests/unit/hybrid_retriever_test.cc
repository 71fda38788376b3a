#include "rag/hybrid_retriever.h"

#include <gtest/gtest.h>

#include "rag/local_embedder.h"
#include "store/sqlite_db.h"
#include "store/sqlite_store.h"
#include "support/temp_dir.h"
#include "vector/hnsw_vector_index.h"

namespace ag {
namespace {

class HybridRetrieverTest : public ::testing::Test {
 protected:
  void SetUp() override {
    db_ = std::move(SqliteDb::Open({dir_.File("r.db")}).value());
    ASSERT_TRUE(db_->Migrate(SqliteMigrations()).ok());
    store_ = std::make_unique<SqliteStore>(*db_, SqliteStoreOptions{});
    NewAssignment a{"t", "", "", Json::parse(R"({"c": {"description": "d", "max_points": 1}})")};
    assignment_ = store_->CreateAssignment(a, clock_.Now())->id;
    other_ = store_->CreateAssignment(a, clock_.Now())->id;
    ASSERT_TRUE(store_
                    ->AddMaterial({assignment_, "notes.md", "k", "s", "", 1},
                                  {{0, "Causes", "Burning fossil fuels releases carbon dioxide."},
                                   {1, "Effects", "Sea levels rise as glaciers melt."},
                                   {2, "Policy", "Carbon taxes and renewable energy subsidies."}},
                                  clock_.Now())
                    .ok());
    ASSERT_TRUE(store_
                    ->AddMaterial({other_, "other.md", "k", "s", "", 1},
                                  {{0, "", "Glaciers melt in another course entirely."}},
                                  clock_.Now())
                    .ok());
  }
  ManualClock clock_;
  testing::TempDir dir_;
  std::unique_ptr<SqliteDb> db_;
  std::unique_ptr<SqliteStore> store_;
  AssignmentId assignment_, other_;
};

TEST_F(HybridRetrieverTest, RanksTheRelevantChunkFirstPerQuery) {
  HybridRetriever r(*store_, nullptr, nullptr);
  auto got = r.Retrieve(assignment_,
                        {{"answer", "fossil fuels burn and release carbon"},
                         {"effects", "what happens when glaciers melt"}},
                        2);
  ASSERT_TRUE(got.ok()) << got.status().ToString();
  ASSERT_FALSE(got->by_query["answer"].empty());
  ASSERT_FALSE(got->by_query["effects"].empty());
  const std::vector<Chunk> all = *store_->ListChunks(assignment_);
  const Chunk first_answer = [&] {
    for (const auto& c : all) {
      if (c.id == got->by_query["answer"][0]) return c;
    }
    return Chunk{};
  }();
  EXPECT_EQ(first_answer.heading, "Causes");
  EXPECT_EQ(got->Find(got->by_query["effects"][0])->heading, "Effects");
  EXPECT_LE(got->by_query["answer"].size(), 2u);
  // Only this assignment's material.
  for (const auto& c : got->chunks) EXPECT_NE(c.filename, "other.md");
}

TEST_F(HybridRetrieverTest, NoMaterialMeansEmptyResults) {
  HybridRetriever r(*store_, nullptr, nullptr);
  NewAssignment a{"t", "", "", Json::parse(R"({"c": {"description": "d", "max_points": 1}})")};
  auto empty = store_->CreateAssignment(a, clock_.Now())->id;
  auto got = r.Retrieve(empty, {{"answer", "anything"}}, 5);
  ASSERT_TRUE(got.ok());
  EXPECT_TRUE(got->chunks.empty());
  EXPECT_TRUE(got->by_query.count("answer"));
}

TEST_F(HybridRetrieverTest, UsesTheWholeAnswerNotItsBeginning) {
  HybridRetriever r(*store_, nullptr, nullptr);
  std::string answer(2000, 'x');
  answer += " renewable subsidies";
  auto got = r.Retrieve(assignment_, {{"answer", answer}}, 1);
  ASSERT_TRUE(got.ok());
  ASSERT_EQ(got->by_query["answer"].size(), 1u);
  EXPECT_EQ(got->Find(got->by_query["answer"][0])->heading, "Policy");
}

TEST_F(HybridRetrieverTest, SeesNewMaterialOnTheNextCall) {
  HybridRetriever r(*store_, nullptr, nullptr);
  ASSERT_TRUE(r.Retrieve(assignment_, {{"answer", "volcanoes"}}, 3)->chunks.empty());
  ASSERT_TRUE(store_
                  ->AddMaterial({assignment_, "more.md", "k", "s", "", 1},
                                {{0, "Volcanoes", "Volcanoes emit gases too."}}, clock_.Now())
                  .ok());
  auto got = r.Retrieve(assignment_, {{"answer", "volcanoes"}}, 3);
  ASSERT_TRUE(got.ok());
  ASSERT_EQ(got->chunks.size(), 1u);
  EXPECT_EQ(got->chunks[0].heading, "Volcanoes");
}

// With word vectors, a query that shares no word with a chunk still finds it by meaning.
TEST_F(HybridRetrieverTest, FindsByMeaningWithTheVectorIndex) {
  auto embedder = LocalEmbedder::Open({});
  ASSERT_TRUE(embedder.ok()) << embedder.status().ToString() << " (run scripts/setup)";
  HnswVectorIndexOptions o;
  o.dir = dir_.File("vectors");
  o.space = {(*embedder)->model(), (*embedder)->dimension()};
  auto index = HnswVectorIndex::Open(o);
  ASSERT_TRUE(index.ok()) << index.status().ToString();
  HybridRetriever lexical(*store_, nullptr, nullptr);
  HybridRetriever hybrid(*store_, embedder->get(), index->get());
  const std::vector<RetrievalQuery> q = {{"answer", "ocean water climbing as ice disappears"}};
  EXPECT_TRUE(lexical.Retrieve(assignment_, q, 1)->by_query["answer"].empty());
  auto got = hybrid.Retrieve(assignment_, q, 1);
  ASSERT_TRUE(got.ok()) << got.status().ToString();
  ASSERT_EQ(got->by_query["answer"].size(), 1u);
  EXPECT_EQ(got->Find(got->by_query["answer"][0])->heading, "Effects");
  // The vectors were filed under the assignment and nothing leaks across assignments.
  auto other = hybrid.Retrieve(other_, q, 3);
  ASSERT_TRUE(other.ok());
  for (const auto& c : other->chunks) EXPECT_EQ(c.filename, "other.md");
}

TEST_F(HybridRetrieverTest, AFreshProcessFilesTheVectorsAgain) {
  auto embedder = LocalEmbedder::Open({});
  ASSERT_TRUE(embedder.ok()) << embedder.status().ToString();
  HnswVectorIndexOptions o;
  o.dir = dir_.File("vectors");
  o.space = {(*embedder)->model(), (*embedder)->dimension()};
  auto index = HnswVectorIndex::Open(o);
  ASSERT_TRUE(index.ok());
  {
    // A retriever in an earlier process filed the vectors; the index was then reset.
    HybridRetriever first(*store_, embedder->get(), index->get());
    ASSERT_TRUE(first.Retrieve(assignment_, {{"answer", "x"}}, 1).ok());
  }
  ASSERT_TRUE((*index)->Reset().ok());
  HybridRetriever next(*store_, embedder->get(), index->get());
  auto got = next.Retrieve(assignment_, {{"answer", "ocean water climbing as ice disappears"}}, 1);
  ASSERT_TRUE(got.ok());
  ASSERT_EQ(got->by_query["answer"].size(), 1u);  // a fresh process files them again
}

}  // namespace
}  // namespace ag
