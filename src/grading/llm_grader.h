// The LLM grader: the Grader port on any OpenAI-compatible chat-completions endpoint (OpenAI,
// Ollama's /v1, vLLM), through the ChatClient port.
//
// One grade is one call in the good case: the rubric, the reference answer, the retrieved
// chunks with their ids and the student's answer as delimited data (grading/llm_prompt.h); the
// reply must be JSON in the rubric's schema, enforced by the endpoint (json_schema) when it can,
// else stated in the prompt (json_object; an endpoint that refuses json_schema once is not asked
// again). A reply that cannot be used is sent back to the model with the reason, and after
// `max_attempts` calls the grade fails with it (Aborted) - never a zero. 429, 5xx, dropped
// connections and timeouts are retried with backoff, waiting at least the endpoint's
// Retry-After. Every call has a timeout. Waiting and calls happen in the ChatClient, not on a
// thread of ours: GradeAsync keeps any number of grades in flight.
#pragma once

#include <atomic>
#include <chrono>
#include <memory>
#include <string>

#include "core/retry_policy.h"
#include "grading/grade_cache.h"
#include "grading/grader.h"
#include "grading/llm_metrics.h"
#include "llm/chat_client.h"

namespace ag {

struct LlmGraderOptions {
  std::string name = "llm";  // provenance's grader, e.g. "llm-openai"
  std::string model;         // OPENAI_MODEL / OLLAMA_MODEL
  // Answers of at most `short_answer_chars` characters go to `short_answer_model` when both are
  // set (LLM_SHORT_ANSWER_MODEL, LLM_SHORT_ANSWER_CHARS): a cheaper model for short answers.
  std::string short_answer_model;
  int short_answer_chars = 0;
  double temperature = 0;                      // LLM_TEMPERATURE
  int max_tokens = 0;                          // LLM_MAX_TOKENS; 0: the endpoint's default
  std::chrono::milliseconds timeout{120'000};  // LLM_TIMEOUT_SECONDS, per call
  int max_attempts = 4;                        // LLM_MAX_ATTEMPTS: calls per grade, in all
  std::chrono::milliseconds backoff_base{1'000};
  std::chrono::milliseconds backoff_max{60'000};  // also caps a Retry-After
};

class LlmGrader final : public Grader {
 public:
  // `cache` and `metrics` may be null. All must outlive the grader.
  LlmGrader(ChatClient& chat, GradeCache* cache, RandomSource& random, LlmGraderOptions options,
            LlmMetrics* metrics = nullptr);

  Result<GraderOutput> Grade(const GradingRequest& request, std::stop_token stop) override;
  void GradeAsync(const GradingRequest& request, std::stop_token stop, GradeDone done) override;

  bool structured_output_refused() const { return schema_refused_; }

 private:
  struct Call;
  void Send(const std::shared_ptr<Call>& call);
  void OnOutcome(const std::shared_ptr<Call>& call, ChatOutcome outcome);
  void Succeed(const std::shared_ptr<Call>& call, ProposedGrade proposal, const ChatReply& reply);

  ChatClient& chat_;
  GradeCache* cache_;
  RandomSource& random_;
  LlmGraderOptions options_;
  RetryPolicy backoff_;
  LlmMetrics* metrics_;
  std::atomic<bool> schema_refused_{false};
};

}  // namespace ag
