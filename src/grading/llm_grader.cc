#include "grading/llm_grader.h"

#include <algorithm>
#include <cstdint>
#include <future>

#include "core/sha256.h"
#include "grading/llm_prompt.h"
#include "grading/llm_reply.h"

namespace ag {
namespace {

constexpr std::size_t kMaxEchoedReply = 4000;

bool Transient(StatusCode code) {
  return code == StatusCode::kResourceExhausted || code == StatusCode::kUnavailable ||
         code == StatusCode::kDeadlineExceeded || code == StatusCode::kAborted;
}

// Token counts come from the endpoint: summed without overflowing.
int AddTokens(int total, int more) {
  return static_cast<int>(std::min<long long>(static_cast<long long>(total) + more, INT32_MAX));
}

std::string OutcomeName(StatusCode code) {
  switch (code) {
    case StatusCode::kResourceExhausted:
      return "rate_limited";
    case StatusCode::kUnavailable:
    case StatusCode::kAborted:
      return "unavailable";
    case StatusCode::kDeadlineExceeded:
      return "timeout";
    case StatusCode::kCancelled:
      return "cancelled";
    default:
      return "rejected";
  }
}

std::string FormatName(ChatFormat f) {
  return f == ChatFormat::kJsonSchema ? "json_schema" : "json_object";
}

}  // namespace

struct LlmGrader::Call {
  Rubric rubric;
  Json schema;
  std::vector<ChatMessage> schema_messages;  // json_schema: the endpoint holds the format
  std::vector<ChatMessage> prompt_messages;  // json_object: the format is in the instructions
  std::vector<ChatMessage> corrections;      // the last unusable reply and why
  std::string model;
  bool short_route = false;
  ChatFormat format = ChatFormat::kJsonSchema;
  std::string cache_key;
  std::string prompt_hash;  // of the last request sent
  std::chrono::steady_clock::time_point not_before{};
  std::chrono::steady_clock::time_point started{};  // of the call in flight
  int calls = 0;
  int input_tokens = 0;
  int output_tokens = 0;
  std::stop_token stop;
  GradeDone done;
};

LlmGrader::LlmGrader(ChatClient& chat, GradeCache* cache, RandomSource& random,
                     LlmGraderOptions options, LlmMetrics* metrics)
    : chat_(chat), cache_(cache), random_(random), options_(std::move(options)), metrics_(metrics) {
  options_.max_attempts = std::max(1, options_.max_attempts);
  backoff_.max_attempts = options_.max_attempts;
  backoff_.base_delay = options_.backoff_base;
  backoff_.max_delay = options_.backoff_max;
}

Result<GraderOutput> LlmGrader::Grade(const GradingRequest& request, std::stop_token stop) {
  // Shared: `done` may still be inside set_value when get() returns here.
  auto promise = std::make_shared<std::promise<Result<GraderOutput>>>();
  auto future = promise->get_future();
  GradeAsync(request, std::move(stop),
             [promise](Result<GraderOutput> r) { promise->set_value(std::move(r)); });
  return future.get();
}

void LlmGrader::GradeAsync(const GradingRequest& request, std::stop_token stop, GradeDone done) {
  auto call = std::make_shared<Call>();
  call->rubric = request.rubric;
  call->schema = GradeSchema(request.rubric);
  call->schema_messages = GradingMessages(request, call->schema, /*schema_in_prompt=*/false);
  call->prompt_messages = GradingMessages(request, call->schema, /*schema_in_prompt=*/true);
  call->short_route =
      !options_.short_answer_model.empty() && options_.short_answer_chars > 0 &&
      request.answer.size() <= static_cast<std::size_t>(options_.short_answer_chars);
  call->model = call->short_route ? options_.short_answer_model : options_.model;
  call->format = schema_refused_ ? ChatFormat::kJsonObject : ChatFormat::kJsonSchema;
  call->stop = stop;
  call->done = std::move(done);

  // Everything the grade depends on: the prompt's version and text (answer, rubric, reference,
  // retrieved material), the model and the sampling settings.
  Json key = {{"prompt_version", kLlmPromptVersion},
              {"model", call->model},
              {"temperature", options_.temperature},
              {"max_tokens", options_.max_tokens},
              {"schema", call->schema},
              {"messages", Json::array()}};
  for (const auto& m : call->schema_messages) key["messages"].push_back({m.role, m.content});
  call->cache_key = "llm-grade:" + Sha256Hex(DumpJson(key));
  if (cache_) {
    auto hit = cache_->Get(call->cache_key);
    if (metrics_) metrics_->cache.With({hit ? "hit" : "miss"}).Inc();
    if (hit) {
      hit->parameters["cache"] = "hit";
      hit->input_tokens = 0;  // nothing was spent on this grade
      hit->output_tokens = 0;
      GradeDone finish = std::move(call->done);
      finish(std::move(*hit));
      return;
    }
  }
  Send(call);
}

void LlmGrader::Send(const std::shared_ptr<Call>& call) {
  ChatRequest request;
  request.model = call->model;
  request.messages =
      call->format == ChatFormat::kJsonSchema ? call->schema_messages : call->prompt_messages;
  request.messages.insert(request.messages.end(), call->corrections.begin(),
                          call->corrections.end());
  request.temperature = options_.temperature;
  request.max_tokens = options_.max_tokens;
  request.format = call->format;
  request.schema_name = "grade";
  request.schema = call->schema;
  request.timeout = options_.timeout;
  request.not_before = call->not_before;  // a transient failure's backoff; a correction: none
  Json hashed = {{"model", request.model},
                 {"temperature", request.temperature},
                 {"format", FormatName(request.format)},
                 {"schema", request.schema},
                 {"messages", Json::array()}};
  for (const auto& m : request.messages) hashed["messages"].push_back({m.role, m.content});
  call->prompt_hash = Sha256Hex(DumpJson(hashed));
  ++call->calls;
  call->started = std::max(std::chrono::steady_clock::now(), request.not_before);
  chat_.Send(std::move(request), call->stop,
             [this, call](ChatOutcome outcome) { OnOutcome(call, std::move(outcome)); });
}

void LlmGrader::OnOutcome(const std::shared_ptr<Call>& call, ChatOutcome outcome) {
  auto fail = [&](Status status) {
    GradeDone finish = std::move(call->done);
    finish(std::move(status));
  };
  if (metrics_) {
    metrics_->duration.Observe(
        std::chrono::duration<double>(std::chrono::steady_clock::now() - call->started).count());
  }
  if (outcome.reply.ok()) {
    const ChatReply& reply = *outcome.reply;
    call->input_tokens = AddTokens(call->input_tokens, reply.prompt_tokens);
    call->output_tokens = AddTokens(call->output_tokens, reply.completion_tokens);
    auto parsed = ParseGradeReply(reply.content, call->rubric);
    if (metrics_) {
      metrics_->calls.With({parsed.ok() ? "ok" : "unusable"}).Inc();
      metrics_->tokens.With({"prompt"}).Inc(reply.prompt_tokens);
      metrics_->tokens.With({"completion"}).Inc(reply.completion_tokens);
    }
    if (parsed.ok()) {
      Succeed(call, std::move(parsed).value(), reply);
      return;
    }
    std::string why = parsed.status().message();
    if (reply.finish_reason == "length") why += " (the reply was cut off at the token limit)";
    if (call->calls >= options_.max_attempts) {
      fail(AbortedError("the model's reply was unusable " + std::to_string(call->calls) +
                        " times; last: " + why));
      return;
    }
    if (call->stop.stop_requested()) return fail(CancelledError("grading cancelled"));
    std::string echoed = reply.content.substr(0, kMaxEchoedReply);
    call->not_before = {};
    call->corrections = {
        {"assistant", std::move(echoed)},
        {"user", "Your reply could not be used: " + why +
                     ". Reply again with only the JSON object of the output format, with every "
                     "rubric criterion and numeric points."}};
    Send(call);
    return;
  }

  const Status& error = outcome.reply.status();
  if (metrics_) metrics_->calls.With({OutcomeName(error.code())}).Inc();
  if (error.code() == StatusCode::kInvalidArgument && call->format == ChatFormat::kJsonSchema &&
      !error.field().empty() && error.field().front() == "response_format") {
    // The endpoint has no structured output: state the format in the prompt, from now on.
    schema_refused_ = true;
    call->format = ChatFormat::kJsonObject;
    --call->calls;  // a refused format is not an attempt at grading
    Send(call);
    return;
  }
  if (!Transient(error.code()) || call->calls >= options_.max_attempts) {
    fail(Status(error.code(), Transient(error.code())
                                  ? "LLM call failed " + std::to_string(call->calls) +
                                        " times; last: " + error.message()
                                  : error.message()));
    return;
  }
  if (call->stop.stop_requested()) return fail(CancelledError("grading cancelled"));
  std::chrono::milliseconds delay = backoff_.DelayAfter(call->calls, random_.NextUnit());
  if (outcome.retry_after)
    delay = std::min(std::max(delay, *outcome.retry_after), options_.backoff_max);
  call->corrections.clear();
  call->not_before = std::chrono::steady_clock::now() + delay;
  Send(call);
}

void LlmGrader::Succeed(const std::shared_ptr<Call>& call, ProposedGrade proposal,
                        const ChatReply& reply) {
  GraderOutput out;
  out.proposal = std::move(proposal);
  out.grader = options_.name;
  out.model = call->model;
  out.prompt_hash = call->prompt_hash;
  out.input_tokens = call->input_tokens;
  out.output_tokens = call->output_tokens;
  out.parameters = {{"prompt_version", kLlmPromptVersion},
                    {"temperature", JsonNumber(options_.temperature)},
                    {"response_format", FormatName(call->format)},
                    {"calls", call->calls},
                    {"cache", "miss"},
                    {"route", call->short_route ? "short_answer" : "default"}};
  if (!reply.model.empty() && reply.model != call->model) {
    out.parameters["served_model"] = reply.model;
  }
  if (!reply.finish_reason.empty()) out.parameters["finish_reason"] = reply.finish_reason;
  if (cache_) cache_->Put(call->cache_key, out);
  GradeDone finish = std::move(call->done);
  finish(std::move(out));
}

}  // namespace ag
