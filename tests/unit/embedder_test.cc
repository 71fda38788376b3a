// The local Embedder and its word-vector file: on tiny files written here, on the converter's
// output, and on the real vectors that scripts/setup installs.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <algorithm>
#include <atomic>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <thread>

#include "rag/local_embedder.h"
#include "rag/word_vectors.h"
#include "support/temp_dir.h"

namespace ag {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;
using testing::TempDir;

float Dot(const std::vector<float>& a, const std::vector<float>& b) {
  float s = 0;
  for (std::size_t i = 0; i < a.size(); ++i) s += a[i] * b[i];
  return s;
}

float Norm(const std::vector<float>& v) { return std::sqrt(Dot(v, v)); }

// A tiny vocabulary in frequency order, over eight "topics" (one axis each) with some noise:
// function words first, then animals (axis 0), vehicles (axis 1), cooking (axis 2).
WordVectorsContent TinyVectors() {
  WordVectorsContent c;
  c.name = "tiny";
  c.dimension = 8;
  auto add = [&](std::string word, std::vector<float> v) {
    c.words.push_back(std::move(word));
    c.vectors.insert(c.vectors.end(), v.begin(), v.end());
  };
  add("the", {0.1f, 0.1f, 0.1f, 0.9f, 0.2f, 0.0f, 0.1f, 0.0f});
  add("a", {0.1f, 0.1f, 0.1f, 0.8f, 0.1f, 0.1f, 0.0f, 0.0f});
  add("is", {0.0f, 0.1f, 0.1f, 0.7f, 0.0f, 0.2f, 0.0f, 0.1f});
  add("n't", {0.0f, 0.0f, 0.0f, 0.2f, 0.0f, 0.0f, 0.0f, 0.9f});
  add("do", {0.1f, 0.0f, 0.0f, 0.5f, 0.0f, 0.0f, 0.0f, 0.3f});
  add("cat", {1.0f, 0.0f, 0.1f, 0.0f, 0.3f, 0.0f, 0.0f, 0.0f});
  add("kitten", {0.9f, 0.0f, 0.0f, 0.1f, 0.4f, 0.0f, 0.1f, 0.0f});
  add("dog", {0.9f, 0.1f, 0.0f, 0.0f, 0.2f, 0.1f, 0.0f, 0.0f});
  add("car", {0.0f, 1.0f, 0.0f, 0.0f, 0.0f, 0.3f, 0.0f, 0.0f});
  add("engine", {0.1f, 0.9f, 0.1f, 0.0f, 0.0f, 0.4f, 0.0f, 0.0f});
  add("soup", {0.0f, 0.0f, 1.0f, 0.0f, 0.0f, 0.0f, 0.3f, 0.0f});
  add("grader", {0.0f, 0.0f, 0.0f, 0.0f, 0.0f, 0.0f, 1.0f, 0.5f});
  add("café", {0.0f, 0.1f, 0.8f, 0.0f, 0.0f, 0.0f, 0.5f, 0.0f});
  return c;
}

std::string WriteTiny(const TempDir& dir) {
  const std::string path = dir.File("tiny.bin");
  EXPECT_TRUE(WriteWordVectors(path, TinyVectors()).ok());
  return path;
}

std::unique_ptr<LocalEmbedder> OpenTiny(const std::string& path, bool remove_common = true) {
  LocalEmbedderOptions options;
  options.path = path;
  options.remove_common_component = remove_common;
  auto e = LocalEmbedder::Open(options);
  EXPECT_TRUE(e.ok()) << e.status().ToString();
  return e.ok() ? std::move(e).value() : nullptr;
}

TEST(EmbeddingTokensTest, LowerCasesSplitsAndKeepsStopWords) {
  EXPECT_THAT(EmbeddingTokens("The Cat, in 2024: e-mail!"),
              ElementsAre("the", "cat", "in", "2024", "e", "mail"));
  EXPECT_THAT(EmbeddingTokens("Café au lait"), ElementsAre("café", "au", "lait"));
  EXPECT_THAT(EmbeddingTokens(""), ElementsAre());
  EXPECT_THAT(EmbeddingTokens("... !!"), ElementsAre());
}

TEST(EmbeddingTokensTest, SplitsCliticsAsGloveDoes) {
  EXPECT_THAT(EmbeddingTokens("Don't"), ElementsAre("do", "n't"));
  EXPECT_THAT(EmbeddingTokens("the grader's notes"), ElementsAre("the", "grader", "'s", "notes"));
  EXPECT_THAT(EmbeddingTokens("they\xE2\x80\x99re here"), ElementsAre("they", "'re", "here"));
  // Not a clitic: the apostrophe separates.
  EXPECT_THAT(EmbeddingTokens("rock'n'roll 'quoted'"), ElementsAre("rock", "n", "roll", "quoted"));
}

TEST(WordVectorsTest, RoundTripsWordsRanksAndVectors) {
  TempDir dir;
  const auto content = TinyVectors();
  auto wv = WordVectors::Open(WriteTiny(dir));
  ASSERT_TRUE(wv.ok()) << wv.status().ToString();
  EXPECT_EQ((*wv)->name(), "tiny");
  EXPECT_EQ((*wv)->dimension(), 8);
  ASSERT_EQ((*wv)->size(), content.words.size());
  for (std::size_t r = 0; r < content.words.size(); ++r) {
    EXPECT_EQ((*wv)->Find(content.words[r]), static_cast<std::int64_t>(r)) << content.words[r];
    EXPECT_EQ((*wv)->Word(r), content.words[r]);
    std::vector<float> v(8, 0.0f);
    (*wv)->AddTo(r, 2.0f, v.data());
    for (std::size_t d = 0; d < 8; ++d) {
      // int8 with a per-vector scale: within half a step of max|v| / 127.
      EXPECT_NEAR(v[d], 2 * content.vectors[r * 8 + d], 2 * 1.0 / 127) << content.words[r];
    }
  }
  EXPECT_EQ((*wv)->Find("cats"), -1);
  EXPECT_EQ((*wv)->Find(""), -1);
  EXPECT_EQ((*wv)->Find("zzz"), -1);
}

TEST(WordVectorsTest, WriterRefusesBadContent) {
  TempDir dir;
  auto c = TinyVectors();
  c.words.push_back("cat");
  c.vectors.resize(c.vectors.size() + 8);
  EXPECT_EQ(WriteWordVectors(dir.File("x.bin"), c).code(), StatusCode::kInvalidArgument);
  c = TinyVectors();
  c.vectors.pop_back();
  EXPECT_EQ(WriteWordVectors(dir.File("x.bin"), c).code(), StatusCode::kInvalidArgument);
}

TEST(WordVectorsTest, MissingFileSaysToRunSetup) {
  TempDir dir;
  auto wv = WordVectors::Open(dir.File("absent.bin"));
  ASSERT_FALSE(wv.ok());
  EXPECT_EQ(wv.status().code(), StatusCode::kFailedPrecondition);
  EXPECT_THAT(wv.status().message(), HasSubstr(dir.File("absent.bin")));
  EXPECT_THAT(wv.status().message(), HasSubstr("scripts/setup"));
  LocalEmbedderOptions options;
  options.path = dir.File("absent.bin");
  EXPECT_EQ(LocalEmbedder::Open(options).status().code(), StatusCode::kFailedPrecondition);
}

TEST(WordVectorsTest, CorruptFilesAreRefusedClearly) {
  TempDir dir;
  const std::string good = testing::ReadFile(WriteTiny(dir));
  auto expect_refused = [&](const std::string& bytes, const std::string& why) {
    const std::string path = dir.File("bad.bin");
    testing::WriteFile(path, bytes);
    auto wv = WordVectors::Open(path);
    ASSERT_FALSE(wv.ok()) << why;
    EXPECT_EQ(wv.status().code(), StatusCode::kFailedPrecondition) << why;
    EXPECT_THAT(wv.status().message(), HasSubstr("scripts/setup")) << why;
  };
  expect_refused("", "empty");
  expect_refused("AGWV", "shorter than a header");
  expect_refused(std::string(200, 'x'), "garbage");
  std::string bad = good;
  bad[0] = 'X';
  expect_refused(bad, "magic");
  bad = good;
  bad[8] = 2;
  expect_refused(bad, "version");
  expect_refused(good.substr(0, good.size() - 8), "truncated");
  expect_refused(good + std::string(8, '\0'), "trailing bytes");
  bad = good;
  bad[12] = 9;  // dimension: the sections no longer fit
  expect_refused(bad, "dimension");
  // Swap two entries of the sorted index.
  bad = good;
  std::uint64_t sorted_at;
  std::memcpy(&sorted_at, bad.data() + 48, 8);
  std::swap_ranges(bad.begin() + static_cast<std::ptrdiff_t>(sorted_at),
                   bad.begin() + static_cast<std::ptrdiff_t>(sorted_at + 4),
                   bad.begin() + static_cast<std::ptrdiff_t>(sorted_at + 4));
  expect_refused(bad, "unsorted index");
}

TEST(LocalEmbedderTest, GivesUnitVectorsInOrderAndZeroForNothingKnown) {
  TempDir dir;
  auto e = OpenTiny(WriteTiny(dir));
  ASSERT_NE(e, nullptr);
  EXPECT_EQ(e->dimension(), 8);
  EXPECT_EQ(e->model(), "tiny-sif-v1");
  auto out = e->Embed({"the cat", "", "... ?", "zebra quagga", "car engine", "The CAT"});
  ASSERT_TRUE(out.ok());
  ASSERT_EQ(out->size(), 6u);
  for (const auto& v : *out) ASSERT_EQ(v.size(), 8u);
  EXPECT_NEAR(Norm((*out)[0]), 1.0f, 1e-5);
  EXPECT_EQ(Norm((*out)[1]), 0.0f);
  EXPECT_EQ(Norm((*out)[2]), 0.0f);
  EXPECT_EQ(Norm((*out)[3]), 0.0f);
  EXPECT_NEAR(Norm((*out)[4]), 1.0f, 1e-5);
  EXPECT_EQ((*out)[0], (*out)[5]);
  EXPECT_EQ((*out)[0], e->EmbedOne("the cat"));
  auto none = e->Embed({});
  ASSERT_TRUE(none.ok());
  EXPECT_TRUE(none->empty());
}

TEST(LocalEmbedderTest, SimilarTextsAreCloser) {
  TempDir dir;
  const std::string path = WriteTiny(dir);
  for (bool remove_common : {true, false}) {
    auto e = OpenTiny(path, remove_common);
    ASSERT_NE(e, nullptr);
    const auto cat = e->EmbedOne("the cat is a kitten");
    const auto dog = e->EmbedOne("a dog");
    const auto car = e->EmbedOne("the car engine");
    EXPECT_GT(Dot(cat, dog), Dot(cat, car)) << remove_common;
    EXPECT_GT(Dot(car, e->EmbedOne("engine")), Dot(car, dog)) << remove_common;
  }
}

TEST(LocalEmbedderTest, FrequentWordsWeighLess) {
  TempDir dir;
  auto e = OpenTiny(WriteTiny(dir), /*remove_common=*/false);
  ASSERT_NE(e, nullptr);
  // "the" (rank 0) barely moves the vector of "soup" (rank 10).
  EXPECT_GT(Dot(e->EmbedOne("the soup"), e->EmbedOne("soup")), 0.99f);
  EXPECT_LT(Dot(e->EmbedOne("the soup"), e->EmbedOne("the")), 0.5f);
}

TEST(LocalEmbedderTest, FallsBackToTheStemOfAnUnknownWord) {
  TempDir dir;
  auto e = OpenTiny(WriteTiny(dir));
  ASSERT_NE(e, nullptr);
  EXPECT_EQ(e->EmbedOne("graders"), e->EmbedOne("grader"));
  EXPECT_NE(e->EmbedOne("don't"), e->EmbedOne("do"));  // "n't" is a word of its own
  EXPECT_NEAR(Norm(e->EmbedOne("café")), 1.0f, 1e-5);
}

TEST(LocalEmbedderTest, ModelNameRecordsNonDefaultOptions) {
  TempDir dir;
  LocalEmbedderOptions options;
  options.path = WriteTiny(dir);
  options.sif_a = 1e-4;
  options.remove_common_component = false;
  auto e = LocalEmbedder::Open(options);
  ASSERT_TRUE(e.ok());
  EXPECT_EQ((*e)->model(), "tiny-sif-v1-a0.0001-nocc");
  options.sif_a = 0;
  EXPECT_EQ(LocalEmbedder::Open(options).status().code(), StatusCode::kInvalidArgument);
}

TEST(LocalEmbedderTest, IsThreadSafe) {
  TempDir dir;
  auto e = OpenTiny(WriteTiny(dir));
  ASSERT_NE(e, nullptr);
  const std::vector<std::string> texts = {"the cat", "a car engine", "soup café", "dog", ""};
  const auto expected = *e->Embed(texts);
  std::vector<std::thread> threads;
  std::atomic<int> mismatches{0};
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&] {
      for (int i = 0; i < 200; ++i) {
        auto r = e->Embed(texts);
        if (!r.ok() || *r != expected) ++mismatches;
      }
    });
  }
  for (auto& t : threads) t.join();
  EXPECT_EQ(mismatches.load(), 0);
}

// scripts/convert-word-vectors.js writes what WordVectors reads.
TEST(WordVectorsConverterTest, ConvertsWinkJson) {
  if (std::system("node --version > /dev/null 2>&1") != 0) {
    FAIL() << "node is not installed: run scripts/setup";
  }
  TempDir dir;
  const std::string json = dir.File("wink.json");
  testing::WriteFile(json, R"({"precision":8,"l2NormIndex":3,"wordIndex":4,"size":3,)"
                           R"("dimensions":3,"words":["the","cat","zebra"],)"
                           R"("vectors":{"cat":[0.5,-1.5,0.25,1.6,1],)"
                           R"("the":[1,0,-0.125,1.0,0],"zebra":[0,0,0,0,2]},)"
                           R"("unkVector":[0,0,0,0,-1]})");
  const std::string out = dir.File("wink.bin");
  const std::string command = "node " AG_SOURCE_DIR "/scripts/convert-word-vectors.js " + json +
                              " " + out + " tiny-wink > /dev/null";
  ASSERT_EQ(std::system(command.c_str()), 0) << command;
  auto wv = WordVectors::Open(out);
  ASSERT_TRUE(wv.ok()) << wv.status().ToString();
  EXPECT_EQ((*wv)->name(), "tiny-wink");
  EXPECT_EQ((*wv)->dimension(), 3);
  EXPECT_EQ((*wv)->Find("the"), 0);
  EXPECT_EQ((*wv)->Find("cat"), 1);
  EXPECT_EQ((*wv)->Find("zebra"), 2);
  std::vector<float> cat(3, 0.0f);
  (*wv)->AddTo(1, 1.0f, cat.data());
  EXPECT_NEAR(cat[0], 0.5, 0.01);
  EXPECT_NEAR(cat[1], -1.5, 0.01);
  EXPECT_NEAR(cat[2], 0.25, 0.01);
  std::vector<float> zebra(3, 0.0f);
  (*wv)->AddTo(2, 1.0f, zebra.data());
  EXPECT_THAT(zebra, ElementsAre(0.0f, 0.0f, 0.0f));
  // The same content through the C++ writer gives the same file.
  WordVectorsContent c{
      "tiny-wink", 3, {"the", "cat", "zebra"}, {1, 0, -0.125f, 0.5f, -1.5f, 0.25f, 0, 0, 0}};
  ASSERT_TRUE(WriteWordVectors(dir.File("cpp.bin"), c).ok());
  EXPECT_EQ(testing::ReadFile(dir.File("cpp.bin")), testing::ReadFile(out));
}

// The real vectors, installed by scripts/setup (which `make test` runs first).
class InstalledVectorsTest : public ::testing::Test {
 protected:
  void SetUp() override {
    const std::string path(kDefaultWordVectorsPath);
    if (!std::filesystem::exists(path)) {
      GTEST_FAIL() << path << " is missing: run scripts/setup (as root) to install the word "
                   << "vectors";
    }
    auto e = LocalEmbedder::Open({});
    ASSERT_TRUE(e.ok()) << e.status().ToString();
    embedder_ = std::move(e).value();
  }
  float Similarity(std::string_view a, std::string_view b) {
    return Dot(embedder_->EmbedOne(a), embedder_->EmbedOne(b));
  }
  std::unique_ptr<LocalEmbedder> embedder_;
};

TEST_F(InstalledVectorsTest, IsGlove100d) {
  EXPECT_EQ(embedder_->model(), "wink-glove-100d-sif-v1");
  EXPECT_EQ(embedder_->dimension(), 100);
}

TEST_F(InstalledVectorsTest, ParaphrasesAreCloserThanUnrelatedSentences) {
  struct Case {
    const char* text;
    const char* paraphrase;
    const char* unrelated;
  };
  const Case cases[] = {
      {"The cat rested on the carpet.", "The kitten slept on the rug.",
       "The stock market fell sharply on Monday."},
      {"Photosynthesis converts light energy into chemical energy in plants.",
       "Plants use sunlight to make sugar, storing the sun's energy chemically.",
       "The French Revolution began in 1789 with the storming of the Bastille."},
      {"A binary search halves the sorted array at every step.",
       "Binary search repeatedly splits an ordered list in two to find an item.",
       "Mitochondria are the powerhouse of the cell."},
      {"The student did not explain why the algorithm terminates.",
       "The answer lacks an argument that the loop always ends.",
       "The weather in Paris is mild in spring."},
      {"Supply and demand determine the market price of goods.",
       "Prices are set where what buyers want meets what sellers offer.",
       "The heart pumps blood through the arteries and veins."},
  };
  for (const auto& c : cases) {
    const float close = Similarity(c.text, c.paraphrase);
    const float far = Similarity(c.text, c.unrelated);
    EXPECT_GT(close, far + 0.2f) << c.text;
    EXPECT_GT(close, 0.5f) << c.text;
  }
}

}  // namespace
}  // namespace ag
