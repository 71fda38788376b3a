// The OpenAI-compatible client (libcurl multi) and the LLM grader against the project's fake
// server (tests/fakes/fake_openai.py), over real HTTP on 127.0.0.1.
#include <gtest/gtest.h>

#include <future>

#include "grading/llm_grader.h"
#include "llm/curl_multi.h"
#include "llm/openai_chat_client.h"
#include "llm/openai_embedder.h"
#include "support/fake_openai_process.h"

namespace ag {
namespace {

using namespace std::chrono_literals;
using testing::FakeOpenAi;

ChatRequest Simple() {
  ChatRequest r;
  r.model = "fake-chat";
  r.messages = {{"system", "Grade."}, {"user", "<student_answer>x</student_answer>"}};
  r.schema_name = "grade";
  r.schema = Json::parse(R"({"type":"object","properties":{"score":{"type":"number",
      "minimum":0,"maximum":4}},"required":["score"],"additionalProperties":false})");
  r.timeout = 10s;
  return r;
}

// Sends and waits (at most 30 s, so a bug fails the test instead of hanging it).
ChatOutcome SendAndWait(ChatClient& chat, ChatRequest r, std::stop_token stop = {}) {
  auto p = std::make_shared<std::promise<ChatOutcome>>();
  auto f = p->get_future();
  chat.Send(std::move(r), stop, [p](ChatOutcome o) { p->set_value(std::move(o)); });
  if (f.wait_for(30s) != std::future_status::ready) {
    ChatOutcome o;
    o.reply = InternalError("no outcome within 30 s");
    return o;
  }
  return f.get();
}

class LlmClientTest : public ::testing::Test {
 protected:
  void SetUp() override { ASSERT_TRUE(fake.Start()) << fake.log(); }
  FakeOpenAi fake{{"--api-key", "test-key"}};
  CurlMulti http{CurlMultiOptions{8}};
};

TEST_F(LlmClientTest, ACompletionWithAJsonSchemaComesBackAsSchemaValidJson) {
  OpenAiChatClient client(http, {fake.base_url(), "test-key"});
  auto o = SendAndWait(client, Simple());
  ASSERT_TRUE(o.reply.ok()) << o.reply.status().ToString();
  const Json content = Json::parse(o.reply->content);
  EXPECT_EQ(content["score"], 3);  // the fake's value for a number in 0..4
  EXPECT_EQ(o.reply->finish_reason, "stop");
  EXPECT_GT(o.reply->prompt_tokens, 0);
  const Json sent = fake.Requests()[0];
  EXPECT_EQ(sent["headers"]["authorization"], "Bearer test-key");
  EXPECT_EQ(sent["body"]["response_format"]["type"], "json_schema");
  EXPECT_EQ(sent["body"]["temperature"], 0);
}

TEST_F(LlmClientTest, AWrongKeyIsAConfigurationError) {
  OpenAiChatClient wrong(http, {fake.base_url(), "wrong-key"});
  auto o = SendAndWait(wrong, Simple());
  EXPECT_EQ(o.reply.status().code(), StatusCode::kFailedPrecondition);
}

TEST_F(LlmClientTest, RateLimitsCarryTheirRetryAfter) {
  OpenAiChatClient client(http, {fake.base_url(), "test-key"});
  ASSERT_TRUE(fake.ScriptChat(Json::parse(R"([{"status": 429, "headers": {"Retry-After": "2"}},
      {"status": 429, "headers": {"retry-after-ms": "1500"}}])")));
  auto first = SendAndWait(client, Simple());
  EXPECT_EQ(first.reply.status().code(), StatusCode::kResourceExhausted);
  EXPECT_EQ(first.retry_after, 2000ms);
  auto second = SendAndWait(client, Simple());
  EXPECT_EQ(second.retry_after, 1500ms);
}

TEST_F(LlmClientTest, ServerErrorsAndGarbageAreTransient) {
  OpenAiChatClient client(http, {fake.base_url(), "test-key"});
  ASSERT_TRUE(fake.ScriptChat(Json::parse(R"([{"status": 500},
      {"raw_body": "<html>bad gateway</html>", "status": 502},
      {"raw_body": "{\"truncated\": "}])")));
  EXPECT_EQ(SendAndWait(client, Simple()).reply.status().code(), StatusCode::kUnavailable);
  auto gateway = SendAndWait(client, Simple());
  EXPECT_EQ(gateway.reply.status().code(), StatusCode::kUnavailable);
  EXPECT_NE(gateway.reply.status().message().find("bad gateway"), std::string::npos);
  EXPECT_EQ(SendAndWait(client, Simple()).reply.status().code(), StatusCode::kAborted);
}

TEST_F(LlmClientTest, ADroppedConnectionIsUnavailable) {
  // A fresh connection: on a reused one, libcurl itself sends the request once more.
  CurlMulti fresh;
  OpenAiChatClient client(fresh, {fake.base_url(), "test-key"});
  ASSERT_TRUE(fake.ScriptChat(Json::parse(R"([{"close": true}])")));
  EXPECT_EQ(SendAndWait(client, Simple()).reply.status().code(), StatusCode::kUnavailable);
}

TEST_F(LlmClientTest, AHangingEndpointTimesOut) {
  OpenAiChatClient client(http, {fake.base_url(), "test-key"});
  ASSERT_TRUE(fake.ScriptChat(Json::parse(R"([{"hang": true}])")));
  ChatRequest r = Simple();
  r.timeout = 300ms;
  auto o = SendAndWait(client, r);
  EXPECT_EQ(o.reply.status().code(), StatusCode::kDeadlineExceeded);
  EXPECT_NE(o.reply.status().message().find("300 ms"), std::string::npos);
}

TEST_F(LlmClientTest, CancellingEndsAHangingCall) {
  OpenAiChatClient client(http, {fake.base_url(), "test-key"});
  ASSERT_TRUE(fake.ScriptChat(Json::parse(R"([{"hang": true}])")));
  std::stop_source stop;
  auto p = std::make_shared<std::promise<ChatOutcome>>();
  auto f = p->get_future();
  client.Send(Simple(), stop.get_token(), [p](ChatOutcome o) { p->set_value(std::move(o)); });
  std::this_thread::sleep_for(100ms);
  stop.request_stop();
  ASSERT_EQ(f.wait_for(30s), std::future_status::ready);
  EXPECT_EQ(f.get().reply.status().code(), StatusCode::kCancelled);
}

TEST_F(LlmClientTest, ACallWaitsForItsStartTime) {
  OpenAiChatClient client(http, {fake.base_url(), "test-key"});
  ChatRequest r = Simple();
  const auto wall = std::chrono::system_clock::now();
  r.not_before = std::chrono::steady_clock::now() + 400ms;
  ASSERT_TRUE(SendAndWait(client, r).reply.ok());
  const double arrived = fake.Requests()[0]["time"].get<double>();
  const double sent = std::chrono::duration<double>(wall.time_since_epoch()).count();
  EXPECT_GE(arrived - sent, 0.35);
}

TEST_F(LlmClientTest, ManyCallsInFlightOnOneThreadUpToTheLimit) {
  FakeOpenAi slow{{"--latency-ms", "200"}};
  ASSERT_TRUE(slow.Start()) << slow.log();
  CurlMulti limited(CurlMultiOptions{16});
  OpenAiChatClient client(limited, {slow.base_url(), ""});
  constexpr int kCalls = 64;
  std::vector<std::future<ChatOutcome>> results;
  for (int i = 0; i < kCalls; ++i) {
    auto p = std::make_shared<std::promise<ChatOutcome>>();
    results.push_back(p->get_future());
    client.Send(Simple(), {}, [p](ChatOutcome o) { p->set_value(std::move(o)); });
  }
  int ok = 0;
  for (auto& f : results) {
    ASSERT_EQ(f.wait_for(60s), std::future_status::ready);
    ok += f.get().reply.ok();
  }
  EXPECT_EQ(ok, kCalls);
  const Json stats = slow.Stats();
  EXPECT_EQ(stats["requests"]["chat"], kCalls);
  EXPECT_LE(stats["max_in_flight"].get<int>(), 16);
  EXPECT_GE(stats["max_in_flight"].get<int>(), 8) << "calls should overlap: " << stats.dump();
  // Connections are kept alive and reused.
  EXPECT_LE(stats["connections"]["total"].get<int>(), 32) << stats.dump();
}

TEST_F(LlmClientTest, StoppingTheClientEndsWhatIsInFlight) {
  ASSERT_TRUE(fake.ScriptChat(Json::parse(R"([{"hang": true}, {"hang": true}])")));
  auto p1 = std::make_shared<std::promise<ChatOutcome>>();
  auto p2 = std::make_shared<std::promise<ChatOutcome>>();
  auto f1 = p1->get_future();
  auto f2 = p2->get_future();
  {
    CurlMulti own(CurlMultiOptions{1});  // the second call waits in the queue
    OpenAiChatClient client(own, {fake.base_url(), "test-key"});
    client.Send(Simple(), {}, [p1](ChatOutcome o) { p1->set_value(std::move(o)); });
    client.Send(Simple(), {}, [p2](ChatOutcome o) { p2->set_value(std::move(o)); });
    std::this_thread::sleep_for(100ms);
  }
  ASSERT_EQ(f1.wait_for(1s), std::future_status::ready);
  ASSERT_EQ(f2.wait_for(1s), std::future_status::ready);
  EXPECT_EQ(f1.get().reply.status().code(), StatusCode::kCancelled);
  EXPECT_EQ(f2.get().reply.status().code(), StatusCode::kCancelled);
}

TEST_F(LlmClientTest, AnUnreachableEndpointIsUnavailable) {
  OpenAiChatClient nowhere(http, {"http://127.0.0.1:1/v1", ""});
  EXPECT_EQ(SendAndWait(nowhere, Simple()).reply.status().code(), StatusCode::kUnavailable);
}

// --- the remote embedder

OpenAiEmbedderOptions EmbedderOptions(const FakeOpenAi& fake, int dimension) {
  OpenAiEmbedderOptions o;
  o.base_url = fake.base_url();
  o.model = "fake-embedding";
  o.dimension = dimension;
  o.batch = 2;
  o.backoff_base = 1ms;
  return o;
}

float Dot(const std::vector<float>& a, const std::vector<float>& b) {
  float s = 0;
  for (std::size_t i = 0; i < a.size(); ++i) s += a[i] * b[i];
  return s;
}

TEST(OpenAiEmbedderTest, EmbedsInBatchesWithUnitVectorsAndSkipsEmptyTexts) {
  FakeOpenAi fake({"--embedding-dim", "64"});
  ASSERT_TRUE(fake.Start()) << fake.log();
  CurlMulti http;
  OpenAiEmbedder embedder(http, EmbedderOptions(fake, 64));
  EXPECT_EQ(embedder.model(), "openai-embeddings:fake-embedding:64");
  auto v = embedder.Embed({"fossil fuels warm the planet", "", "the planet warms from fossil fuels",
                           "glaciers melt", "   "});
  ASSERT_TRUE(v.ok()) << v.status().ToString();
  ASSERT_EQ(v->size(), 5u);
  EXPECT_NEAR(Dot((*v)[0], (*v)[0]), 1.0, 1e-4);
  EXPECT_EQ(Dot((*v)[1], (*v)[1]), 0);  // empty: the zero vector, never sent
  EXPECT_EQ(Dot((*v)[4], (*v)[4]), 0);
  EXPECT_GT(Dot((*v)[0], (*v)[2]), Dot((*v)[0], (*v)[3]));
  const Json requests = fake.Requests();
  ASSERT_EQ(requests.size(), 2u);  // three texts in batches of two
  EXPECT_EQ(requests[0]["body"]["model"], "fake-embedding");
  EXPECT_TRUE(embedder.Embed({}).ok());
}

TEST(OpenAiEmbedderTest, RetriesRateLimitsAndRefusesAnotherDimension) {
  FakeOpenAi fake({"--embedding-dim", "32"});
  ASSERT_TRUE(fake.Start()) << fake.log();
  CurlMulti http;
  ASSERT_TRUE(testing::HttpClient(fake.port())
                  .PostJson("/_fake/script", Json::parse(R"({"embeddings": [
                      {"status": 429, "headers": {"Retry-After": "0"}}, {"status": 503}]})"))
                  .status == 200);
  OpenAiEmbedder embedder(http, EmbedderOptions(fake, 32));
  auto v = embedder.Embed({"one text"});
  ASSERT_TRUE(v.ok()) << v.status().ToString();
  EXPECT_EQ(fake.Stats()["requests"]["embeddings"], 3);
  OpenAiEmbedder wrong(http, EmbedderOptions(fake, 16));
  auto refused = wrong.Embed({"one text"});
  EXPECT_EQ(refused.status().code(), StatusCode::kFailedPrecondition);
  OpenAiEmbedderOptions nowhere = EmbedderOptions(fake, 32);
  nowhere.base_url = "http://127.0.0.1:1/v1";
  EXPECT_EQ(OpenAiEmbedder(http, nowhere).Embed({"x"}).status().code(), StatusCode::kUnavailable);
}

// --- the LLM grader over HTTP

class FixedRandom final : public RandomSource {
 public:
  double NextUnit() override { return 0.5; }
};

Rubric TestRubric() {
  return *Rubric::FromJson(Json::parse(R"({
    "causes": {"description": "Names fossil fuels", "max_points": 4},
    "effects": {"description": "Names sea level rise", "max_points": 6}})"));
}

TEST(LlmGraderOverHttpTest, GradesWithStructuredOutputOrWithTheSchemaInThePrompt) {
  for (const bool schema_support : {true, false}) {
    FakeOpenAi fake(schema_support ? std::vector<std::string>{}
                                   : std::vector<std::string>{"--no-schema-support"});
    ASSERT_TRUE(fake.Start()) << fake.log();
    CurlMulti http;
    OpenAiChatClient chat(http, {fake.base_url(), ""});
    FixedRandom random;
    LlmGraderOptions o;
    o.model = "fake-chat";
    o.backoff_base = 1ms;
    LlmGrader grader(chat, nullptr, random, o);
    const Rubric rubric = TestRubric();
    Retrieval evidence;
    evidence.chunks = {{ChunkId(5), "Causes", "notes.md", "Fossil fuels warm the planet.", 1}};
    GradingRequest r{"Why?", "Fossil fuels.", rubric, "Coal and oil.", evidence};
    auto out = grader.Grade(r, {});
    ASSERT_TRUE(out.ok()) << out.status().ToString();
    ASSERT_EQ(out->proposal.breakdown.size(), 2u);
    EXPECT_EQ(*out->proposal.breakdown[0].second.points, 3);    // 0.75 of 4, the fake's rule
    EXPECT_EQ(*out->proposal.breakdown[1].second.points, 4.5);  // 0.75 of 6
    EXPECT_EQ(out->parameters["response_format"], schema_support ? "json_schema" : "json_object");
    EXPECT_EQ(fake.ChatRequests(), schema_support ? 1 : 2);
    EXPECT_GT(out->input_tokens, 0);
  }
}

}  // namespace
}  // namespace ag
