// The OpenAI chat-completions wire format: request bodies and the mapping of every kind of
// answer onto the ChatClient contract's errors.
#include "llm/openai_wire.h"

#include "llm/openai_embedder.h"

#include <gtest/gtest.h>

namespace ag {
namespace {

using namespace std::chrono_literals;

HttpReply Http(long status, std::string body, std::optional<std::chrono::milliseconds> ra = {}) {
  HttpReply r;
  r.status = status;
  r.body = std::move(body);
  r.retry_after = ra;
  return r;
}

TEST(OpenAiWireTest, TheBodyAsksForStrictJsonSchemaOrJsonObject) {
  ChatRequest r;
  r.model = "gpt-4o-mini";
  r.messages = {{"system", "rules"}, {"user", "<student_answer>x</student_answer>"}};
  r.temperature = 0;
  r.schema_name = "grade";
  r.schema = {{"type", "object"}};
  Json body = ChatRequestBody(r);
  EXPECT_EQ(body["model"], "gpt-4o-mini");
  EXPECT_EQ(body["messages"][1]["role"], "user");
  EXPECT_EQ(body["messages"][1]["content"], "<student_answer>x</student_answer>");
  EXPECT_EQ(body["temperature"], 0);
  EXPECT_FALSE(body.contains("max_tokens"));
  EXPECT_EQ(body["response_format"]["type"], "json_schema");
  EXPECT_EQ(body["response_format"]["json_schema"]["name"], "grade");
  EXPECT_EQ(body["response_format"]["json_schema"]["strict"], true);
  EXPECT_EQ(body["response_format"]["json_schema"]["schema"], r.schema);
  r.format = ChatFormat::kJsonObject;
  r.max_tokens = 500;
  body = ChatRequestBody(r);
  EXPECT_EQ(body["response_format"], Json::parse(R"({"type":"json_object"})"));
  EXPECT_EQ(body["max_tokens"], 500);
}

TEST(OpenAiWireTest, ReadsAChatCompletion) {
  auto o = ChatOutcomeFromHttp(Http(200, R"({"id":"c1","object":"chat.completion",
    "model":"gpt-4o-mini-2024-07-18","choices":[{"index":0,"message":{"role":"assistant",
    "content":"{\"a\":1}"},"finish_reason":"stop"}],
    "usage":{"prompt_tokens":120,"completion_tokens":30,"total_tokens":150}})"));
  ASSERT_TRUE(o.reply.ok()) << o.reply.status().ToString();
  EXPECT_EQ(o.reply->content, "{\"a\":1}");
  EXPECT_EQ(o.reply->finish_reason, "stop");
  EXPECT_EQ(o.reply->model, "gpt-4o-mini-2024-07-18");
  EXPECT_EQ(o.reply->prompt_tokens, 120);
  EXPECT_EQ(o.reply->completion_tokens, 30);
}

TEST(OpenAiWireTest, MapsErrorsOntoTheContract) {
  struct Case {
    HttpReply http;
    StatusCode code;
    const char* says;
  } cases[] = {
      {Http(429, R"({"error":{"message":"Rate limit reached","type":"rate_limit_error"}})", 2s),
       StatusCode::kResourceExhausted, "Rate limit reached"},
      {Http(500, R"({"error":{"message":"boom","type":"server_error"}})"), StatusCode::kUnavailable,
       "500"},
      {Http(502, "<html>bad gateway</html>"), StatusCode::kUnavailable, "bad gateway"},
      {Http(503, ""), StatusCode::kUnavailable, "(empty body)"},
      {Http(401, R"({"error":{"message":"Incorrect API key provided"}})"),
       StatusCode::kFailedPrecondition, "API key"},
      {Http(404, R"({"error":"model 'llama9' not found"})"), StatusCode::kFailedPrecondition,
       "llama9"},  // Ollama's shape
      {Http(400, R"({"error":{"message":"maximum context length is 8192 tokens"}})"),
       StatusCode::kInvalidArgument, "context length"},
      {Http(200, "not json"), StatusCode::kAborted, "not a chat completion"},
      {Http(200, R"({"choices":[]})"), StatusCode::kAborted, "not a chat completion"},
      {Http(200, R"({"choices":[{"message":{"refusal":"I can't help with that."}}]})"),
       StatusCode::kAborted, "refused"},
  };
  for (auto& c : cases) {
    auto o = ChatOutcomeFromHttp(c.http);
    ASSERT_FALSE(o.reply.ok()) << c.http.body;
    EXPECT_EQ(o.reply.status().code(), c.code) << c.http.body;
    EXPECT_NE(o.reply.status().message().find(c.says), std::string::npos)
        << o.reply.status().message();
  }
  EXPECT_EQ(ChatOutcomeFromHttp(cases[0].http).retry_after, 2s);
}

TEST(OpenAiWireTest, ARefusedResponseFormatIsNamed) {
  auto o = ChatOutcomeFromHttp(Http(
      400,
      R"({"error":{"message":"response_format json_schema is not supported","param":"response_format"}})"));
  ASSERT_EQ(o.reply.status().code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(o.reply.status().field(), std::vector<std::string>{"response_format"});
  auto other = ChatOutcomeFromHttp(Http(400, R"({"error":{"message":"bad temperature"}})"));
  EXPECT_TRUE(other.reply.status().field().empty());
}

TEST(OpenAiWireTest, OddTokenCountsAreReadSafely) {
  auto o = ChatOutcomeFromHttp(Http(200, R"({"choices":[{"message":{"content":"{}"}}],
      "usage":{"prompt_tokens":1e300,"completion_tokens":-5}})"));
  ASSERT_TRUE(o.reply.ok());
  EXPECT_EQ(o.reply->prompt_tokens, 2147483647);
  EXPECT_EQ(o.reply->completion_tokens, 0);
}

TEST(OpenAiWireTest, TransportErrorsPassThrough) {
  auto o = ChatOutcomeFromHttp(DeadlineExceededError("no answer within 5 ms"));
  EXPECT_EQ(o.reply.status().code(), StatusCode::kDeadlineExceeded);
}

}  // namespace
}  // namespace ag

namespace ag {
namespace {

TEST(OpenAiEmbeddingsWireTest, ReadsVectorsInInputOrderNormalised) {
  EXPECT_EQ(EmbeddingsRequestBody("m", {"a", "b"}),
            Json::parse(R"({"model":"m","input":["a","b"],"encoding_format":"float"})"));
  HttpReply r;
  r.status = 200;
  r.body = R"({"object":"list","data":[
      {"object":"embedding","index":1,"embedding":[0,3,4]},
      {"object":"embedding","index":0,"embedding":[2,0,0]}],"model":"m"})";
  auto v = ParseEmbeddings(r, 2, 3);
  ASSERT_TRUE(v.ok()) << v.status().ToString();
  EXPECT_EQ((*v)[0], (std::vector<float>{1, 0, 0}));
  EXPECT_FLOAT_EQ((*v)[1][1], 0.6f);
  EXPECT_FLOAT_EQ((*v)[1][2], 0.8f);
}

TEST(OpenAiEmbeddingsWireTest, RefusesWrongSizesMissingVectorsAndErrors) {
  HttpReply r;
  r.status = 200;
  r.body = R"({"data":[{"index":0,"embedding":[1,2]}]})";
  EXPECT_EQ(ParseEmbeddings(r, 1, 3).status().code(), StatusCode::kFailedPrecondition);
  EXPECT_NE(ParseEmbeddings(r, 1, 3).status().message().find("EMBEDDING_DIMENSION is 3"),
            std::string::npos);
  EXPECT_EQ(ParseEmbeddings(r, 2, 2).status().code(), StatusCode::kAborted);  // one of two
  r.body = R"({"data":[{"index":0,"embedding":[1,"x"]}]})";
  EXPECT_EQ(ParseEmbeddings(r, 1, 2).status().code(), StatusCode::kAborted);
  r.body = R"({"data":[{"index":0,"embedding":[1,2]},{"index":0,"embedding":[1,2]}]})";
  EXPECT_EQ(ParseEmbeddings(r, 2, 2).status().code(), StatusCode::kAborted);
  r.status = 429;
  r.body = R"({"error":{"message":"slow down"}})";
  EXPECT_EQ(ParseEmbeddings(r, 1, 2).status().code(), StatusCode::kResourceExhausted);
}

}  // namespace
}  // namespace ag
