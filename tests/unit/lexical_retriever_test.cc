#include "rag/lexical_retriever.h"

#include <gtest/gtest.h>

#include "store/sqlite_db.h"
#include "store/sqlite_store.h"
#include "support/temp_dir.h"

namespace ag {
namespace {

class LexicalRetrieverTest : public ::testing::Test {
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

TEST_F(LexicalRetrieverTest, RanksTheRelevantChunkFirstPerQuery) {
  LexicalRetriever r(*store_);
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

TEST_F(LexicalRetrieverTest, NoMaterialMeansEmptyResults) {
  LexicalRetriever r(*store_);
  NewAssignment a{"t", "", "", Json::parse(R"({"c": {"description": "d", "max_points": 1}})")};
  auto empty = store_->CreateAssignment(a, clock_.Now())->id;
  auto got = r.Retrieve(empty, {{"answer", "anything"}}, 5);
  ASSERT_TRUE(got.ok());
  EXPECT_TRUE(got->chunks.empty());
  EXPECT_TRUE(got->by_query.count("answer"));
}

TEST_F(LexicalRetrieverTest, UsesTheWholeAnswerNotItsBeginning) {
  LexicalRetriever r(*store_);
  std::string answer(2000, 'x');
  answer += " renewable subsidies";
  auto got = r.Retrieve(assignment_, {{"answer", answer}}, 1);
  ASSERT_TRUE(got.ok());
  ASSERT_EQ(got->by_query["answer"].size(), 1u);
  EXPECT_EQ(got->Find(got->by_query["answer"][0])->heading, "Policy");
}

}  // namespace
}  // namespace ag
