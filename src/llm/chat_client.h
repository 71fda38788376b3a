// The ChatClient port: one chat completion from an OpenAI-compatible endpoint (OpenAI, Ollama's
// /v1, vLLM), asynchronously, so that one thread keeps many calls in flight.
//
// Contract, for every adapter:
// - Send returns at once; `done` runs exactly once, on any thread (the adapter's own, or the
//   caller's before Send returns), and must not block: hand the result to another thread.
// - Errors: Unavailable (endpoint unreachable, 5xx, a dropped connection), ResourceExhausted
//   (429), DeadlineExceeded (the request's timeout passed), Cancelled (`stop` was requested),
//   InvalidArgument (the endpoint refused the request, 400; field {"response_format"} when it
//   refused the structured-output format), FailedPrecondition (401/403/404: a configuration
//   problem that no retry fixes), Aborted (a 2xx whose body is not a chat completion).
// - `retry_after` carries the endpoint's Retry-After (or retry-after-ms) when it sent one.
// - Requests wait in the adapter, not in a thread, when more than its in-flight limit are sent.
#pragma once

#include <chrono>
#include <functional>
#include <optional>
#include <stop_token>
#include <string>
#include <vector>

#include "core/json.h"
#include "core/status.h"

namespace ag {

struct ChatMessage {
  std::string role;  // system, user, assistant
  std::string content;
};

enum class ChatFormat {
  kJsonSchema,  // response_format json_schema, strict: the endpoint enforces `schema`
  kJsonObject,  // response_format json_object: any JSON object (the schema goes in the prompt)
};

struct ChatRequest {
  std::string model;
  std::vector<ChatMessage> messages;
  double temperature = 0;
  int max_tokens = 0;  // 0: the endpoint's default
  ChatFormat format = ChatFormat::kJsonSchema;
  std::string schema_name = "output";
  Json schema = Json::object();
  std::chrono::milliseconds timeout{120'000};
  // The call starts no earlier than this (a retry's backoff, waited for without a thread).
  std::chrono::steady_clock::time_point not_before{};
};

struct ChatReply {
  std::string content;
  std::string finish_reason;
  std::string model;  // as the endpoint names it
  int prompt_tokens = 0;
  int completion_tokens = 0;
};

struct ChatOutcome {
  Result<ChatReply> reply = Status(StatusCode::kInternal, "no outcome");
  std::optional<std::chrono::milliseconds> retry_after;
};

using ChatDone = std::function<void(ChatOutcome)>;

class ChatClient {
 public:
  virtual ~ChatClient() = default;
  virtual void Send(ChatRequest request, std::stop_token stop, ChatDone done) = 0;
};

}  // namespace ag
