#pragma once

#include "obs/metrics.h"

namespace ag {

// What an on-call engineer needs of the LLM grader: calls by outcome (a rising rate_limited or
// unusable share is the first sign of trouble), their latency, tokens spent, cache hits.
struct LlmMetrics {
  explicit LlmMetrics(MetricsRegistry& registry)
      : calls(registry.AddCounter("llm_calls_total",
                                  "LLM calls by outcome: ok, unusable, rate_limited, unavailable, "
                                  "timeout, rejected, cancelled",
                                  {"outcome"})),
        duration(registry
                     .AddHistogram("llm_call_duration_seconds",
                                   "LLM call latency, from its start (after any backoff)",
                                   {0.1, 0.25, 0.5, 1, 2, 5, 10, 20, 30, 60, 120, 300})
                     .Get()),
        tokens(registry.AddCounter("llm_tokens_total", "LLM tokens by kind: prompt, completion",
                                   {"kind"})),
        cache(registry.AddCounter("llm_grade_cache_total", "LLM grade cache lookups: hit, miss",
                                  {"result"})) {}

  CounterFamily& calls;
  Histogram& duration;
  CounterFamily& tokens;
  CounterFamily& cache;
};

}  // namespace ag
