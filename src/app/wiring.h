// The composition root: the only place that knows the adapters. It builds every port from the
// configuration and hands them, as ports, to the services above.
#pragma once

#include <memory>
#include <vector>

#include "app/config.h"
#include "auth/jwt.h"
#include "auth/password_hasher.h"
#include "blob/blob_store.h"
#include "core/clock.h"
#include "core/retry_policy.h"
#include "grading/grade_cache.h"
#include "grading/grader.h"
#include "grading/grading_metrics.h"
#include "grading/llm_metrics.h"
#include "grading/pipeline.h"
#include "grading/sweeper.h"
#include "grading/worker_pool.h"
#include "llm/chat_client.h"
#include "llm/curl_multi.h"
#include "obs/health.h"
#include "obs/log.h"
#include "obs/metrics.h"
#include "queue/job_queue.h"
#include "rag/embedder.h"
#include "rag/retriever.h"
#include "rag/word_vectors.h"
#include "ratelimit/rate_limiter.h"
#include "scoring/antonyms.h"
#include "service/account_service.h"
#include "service/assignment_service.h"
#include "service/auth_service.h"
#include "service/submission_service.h"
#include "store/account_store.h"
#include "store/store.h"
#include "vector/vector_index.h"

namespace ag {

// Everything a process needs, owned in one place, destroyed in reverse order of building.
struct Services {
  Services(const Clock& c, Logger& l, RandomSource& r) : clock(c), log(l), random(r) {}
  ~Services();

  const Clock& clock;
  Logger& log;
  RandomSource& random;
  MetricsRegistry metrics;

  std::shared_ptr<void> database;      // the adapters' shared connection (opaque above wiring)
  std::shared_ptr<void> redis;         // REDIS_URL's connection pool, else null (likewise)
  std::unique_ptr<Embedder> embedder;  // local (GloVe); null when no word vectors are installed
  std::unique_ptr<Embedder> remote_embedder;  // EMBEDDING_PROVIDER openai|ollama, else null
  std::unique_ptr<WordVectors> word_vectors;  // null likewise
  std::unique_ptr<scoring::Antonyms> antonyms;  // WordNet's; null when not installed
  std::unique_ptr<VectorIndex> vectors;       // null without an embedder
  std::string scratch_dir;                    // removed on destruction (offline grading)
  std::unique_ptr<Store> store;
  std::unique_ptr<AccountStore> account_store;  // on the same database as `store`
  std::unique_ptr<JobQueue> queue;
  std::unique_ptr<BlobStore> blobs;
  std::unique_ptr<Retriever> retriever;
  std::unique_ptr<CurlMulti> http_client;        // calls to OpenAI-compatible endpoints; else null
  std::unique_ptr<ChatClient> chat;              // likewise
  std::unique_ptr<GradeCache> grade_cache;       // likewise; null when LLM_CACHE_ENTRIES=0
  std::unique_ptr<LlmMetrics> llm_metrics;       // likewise
  std::vector<std::unique_ptr<Grader>> graders;  // the last one is used; earlier ones it wraps
  std::unique_ptr<GradingMetrics> grading_metrics;
  std::unique_ptr<GradingPipeline> pipeline;
  std::unique_ptr<AssignmentService> assignments;
  std::unique_ptr<SubmissionService> submissions;
  std::unique_ptr<WorkerPool> workers;
  std::unique_ptr<Sweeper> sweeper;
  // Accounts (BuildAccounts): for `serve` and `user`.
  std::unique_ptr<PasswordHasher> hasher;
  std::unique_ptr<JwtCodec> jwt;
  std::unique_ptr<RateLimiter> limiter;
  std::unique_ptr<AuthService> auth;  // null with auth off
  std::unique_ptr<AccountService> accounts;
  std::vector<HealthCheck> health;

  Grader& grader() { return *graders.back(); }
  // The course material's vectors: the remote embedder when configured, else the local one.
  Embedder* retrieval_embedder() {
    return remote_embedder ? remote_embedder.get() : embedder.get();
  }
};

// The service on the configured adapters (embedded: SQLite file, blob files), migrated, with
// workers and sweeper built but not started.
Result<std::unique_ptr<Services>> BuildServices(const Config& config, const Clock& clock,
                                                Logger& log, RandomSource& random);

// An in-memory, queue-less set for `autograder grade`: nothing outlives the process.
Result<std::unique_ptr<Services>> BuildOfflineServices(const Config& config, const Clock& clock,
                                                       Logger& log, RandomSource& random);

// Only the LLM grader of LLM_PROVIDER (openai or ollama), for `eval --grader llm`.
Result<std::unique_ptr<Services>> BuildLlmGraderOnly(const Config& config, const Clock& clock,
                                                     Logger& log, RandomSource& random);

// Accounts on the services' database: the account service, and with `with_auth` the signing
// keys (JWT_SECRET...), the rate limiter and the auth service.
Status BuildAccounts(const Config& config, Services& services, bool with_auth);

// Only the database, migrated: for `migrate` and `queue`.
Result<std::unique_ptr<Services>> BuildQueueAdmin(const Config& config, const Clock& clock,
                                                  Logger& log, RandomSource& random);

}  // namespace ag
