#include "llm/openai_wire.h"

#include <algorithm>
#include <cctype>

namespace ag {
namespace {

// The error's message from {"error": {"message": ...}} (OpenAI, vLLM) or {"error": "..."}
// (Ollama), else the start of the body.
std::string ErrorMessage(const std::string& body) {
  const Json j = ParseJsonOrDiscarded(body);
  if (j.is_object() && j.contains("error")) {
    const Json& e = j["error"];
    if (e.is_string()) return e.get<std::string>();
    if (e.is_object() && e.contains("message") && e["message"].is_string()) {
      return e["message"].get<std::string>();
    }
  }
  std::string head = body.substr(0, 200);
  for (char& c : head) {
    if (static_cast<unsigned char>(c) < 0x20) c = ' ';
  }
  return head.empty() ? "(empty body)" : head;
}

bool Mentions(std::string text, std::string_view word) {
  std::transform(text.begin(), text.end(), text.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return text.find(word) != std::string::npos;
}

// A token count as the endpoint reports it; anything odd (negative, fractional, huge) is read
// within 0..2^31-1 without an out-of-range conversion.
int TokenCount(const Json& usage, const char* name) {
  if (!usage.is_object() || !usage.contains(name) || !usage[name].is_number()) return 0;
  const double v = usage[name].get<double>();
  if (!(v > 0)) return 0;
  return static_cast<int>(std::min(v, 2147483647.0));
}

}  // namespace

Json ChatRequestBody(const ChatRequest& request) {
  Json body = Json::object();
  body["model"] = request.model;
  Json messages = Json::array();
  for (const auto& m : request.messages) {
    messages.push_back({{"role", m.role}, {"content", m.content}});
  }
  body["messages"] = std::move(messages);
  body["temperature"] = request.temperature;
  if (request.max_tokens > 0) body["max_tokens"] = request.max_tokens;
  if (request.format == ChatFormat::kJsonSchema) {
    body["response_format"] = {
        {"type", "json_schema"},
        {"json_schema",
         {{"name", request.schema_name}, {"schema", request.schema}, {"strict", true}}}};
  } else {
    body["response_format"] = {{"type", "json_object"}};
  }
  return body;
}

ChatOutcome ChatOutcomeFromHttp(Result<HttpReply> http) {
  ChatOutcome out;
  if (!http.ok()) {
    out.reply = http.status();
    return out;
  }
  const HttpReply& r = *http;
  out.retry_after = r.retry_after;
  const std::string where = "the LLM endpoint answered " + std::to_string(r.status);
  if (r.status == 429) {
    out.reply = ResourceExhaustedError(where + " (rate limited): " + ErrorMessage(r.body));
    return out;
  }
  if (r.status >= 500 || r.status == 408 || r.status == 409) {
    out.reply = UnavailableError(where + ": " + ErrorMessage(r.body));
    return out;
  }
  if (r.status == 401 || r.status == 403 || r.status == 404) {
    out.reply = FailedPreconditionError(where + ": " + ErrorMessage(r.body) +
                                        " (check the API key, the model and the base URL)");
    return out;
  }
  if (r.status < 200 || r.status >= 300) {
    const std::string message = ErrorMessage(r.body);
    std::vector<std::string> field;
    if (Mentions(message, "response_format") || Mentions(message, "json_schema")) {
      field = {"response_format"};
    }
    out.reply = InvalidArgumentError(where + ": " + message, field);
    return out;
  }
  const Json j = ParseJsonOrDiscarded(r.body);
  if (!j.is_object() || !j.contains("choices") || !j["choices"].is_array() ||
      j["choices"].empty() || !j["choices"][0].is_object()) {
    out.reply = AbortedError("the LLM endpoint's answer is not a chat completion");
    return out;
  }
  const Json& choice = j["choices"][0];
  ChatReply reply;
  if (choice.contains("message") && choice["message"].is_object()) {
    const Json& m = choice["message"];
    if (m.contains("content") && m["content"].is_string()) {
      reply.content = m["content"].get<std::string>();
    } else if (m.contains("refusal") && m["refusal"].is_string()) {
      out.reply = AbortedError("the model refused: " + m["refusal"].get<std::string>());
      return out;
    }
  }
  if (choice.contains("finish_reason") && choice["finish_reason"].is_string()) {
    reply.finish_reason = choice["finish_reason"].get<std::string>();
  }
  if (j.contains("model") && j["model"].is_string()) reply.model = j["model"].get<std::string>();
  if (j.contains("usage")) {
    reply.prompt_tokens = TokenCount(j["usage"], "prompt_tokens");
    reply.completion_tokens = TokenCount(j["usage"], "completion_tokens");
  }
  out.reply = std::move(reply);
  return out;
}

}  // namespace ag
