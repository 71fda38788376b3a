#include "app/wiring.h"

#include "app/jwt_keys.h"
#include "app/wordnet.h"
#include "ratelimit/local_rate_limiter.h"
#include "ratelimit/redis_rate_limiter.h"
#include "store/mysql_db.h"
#include "store/sql_account_store.h"

#include <stdlib.h>

#include <filesystem>

#include "blob/fs_blob_store.h"
#include "blob/mem_blob_store.h"
#include "blob/s3_blob_store.h"
#include "grading/delayed_grader.h"
#include "grading/llm_grader.h"
#include "grading/local_grader.h"
#include "grading/lru_grade_cache.h"
#include "grading/redacting_grader.h"
#include "grading/redis_grade_cache.h"
#include "llm/openai_chat_client.h"
#include "llm/openai_embedder.h"
#include "obs/process_metrics.h"
#include "queue/redis_job_queue.h"
#include "queue/sqlite_job_queue.h"
#include "rag/hybrid_retriever.h"
#include "rag/local_embedder.h"
#include "redis/redis_client.h"
#include "store/mysql_store.h"
#include "store/sqlite_db.h"
#include "store/sqlite_store.h"
#include "vector/hnsw_vector_index.h"
#include "vector/qdrant_vector_index.h"

namespace ag {
namespace {

RetryPolicy RetryPolicyFrom(const Config& c) {
  RetryPolicy p;
  p.max_attempts = c.job_max_attempts;
  p.base_delay = std::chrono::milliseconds(c.job_retry_base_ms);
  p.max_delay = std::chrono::milliseconds(c.job_retry_max_ms);
  return p;
}

// SQLite store and queue on one database.
Status BuildSqlite(const Config& c, Services& s, const std::string& path, bool enqueue_jobs) {
  SqliteOptions options;
  options.path = path;
  options.synchronous_full = c.durability_full;
  options.max_readers = std::max(4, c.worker_concurrency + 2);
  ASSIGN_OR_RETURN(std::unique_ptr<SqliteDb> db, SqliteDb::Open(options));
  ASSIGN_OR_RETURN(int version, db->Migrate(SqliteMigrations()));
  s.log.Debug("database ready", {{"path", path}, {"schema_version", version}});
  SqliteDb& ref = *db;
  s.database = std::shared_ptr<SqliteDb>(std::move(db));
  s.store = std::make_unique<SqliteStore>(ref, SqliteStoreOptions{enqueue_jobs, "grading"});
  s.account_store = std::make_unique<SqlAccountStore<SqliteDb>>(ref);
  SqliteJobQueueOptions q;
  q.retry = RetryPolicyFrom(c);
  s.queue = std::make_unique<SqliteJobQueue>(ref, s.clock, s.random, q);
  return OkStatus();
}

// The local grader's word vectors: an explicit WORD_VECTORS_PATH must open; the default file
// may be missing (scripts/setup not run), and then the grader uses lexical features only.
Status OpenWordVectors(const Config& c, Services& s) {
  const bool explicit_path = !c.word_vectors_path.empty();
  const std::string path =
      explicit_path ? c.word_vectors_path : std::string(kDefaultWordVectorsPath);
  LocalEmbedderOptions options;
  options.path = path;
  auto embedder = LocalEmbedder::Open(options);
  auto vectors = embedder.ok() ? WordVectors::Open(path) : embedder.status();
  if (!embedder.ok() || !vectors.ok()) {
    const Status& why = !embedder.ok() ? embedder.status() : vectors.status();
    if (explicit_path) return InvalidArgumentError("WORD_VECTORS_PATH: " + why.message());
    s.log.Warn("word vectors not installed; the local grader uses lexical features only",
               {{"path", path}, {"fix", "run scripts/setup"}});
    return OkStatus();
  }
  s.embedder = std::move(embedder).value();
  s.word_vectors = std::move(vectors).value();
  return OkStatus();
}

// The local grader's antonyms: an explicit WORDNET_DIR must load; the default folder may be
// missing (wordnet-base not installed), and then the grader reads no contradictions.
Status OpenAntonyms(const Config& c, Services& s) {
  const bool explicit_dir = !c.wordnet_dir.empty();
  const std::string dir = explicit_dir ? c.wordnet_dir : std::string(kDefaultWordNetDir);
  auto antonyms = LoadWordNetAntonyms(dir);
  if (!antonyms.ok()) {
    if (explicit_dir) return InvalidArgumentError("WORDNET_DIR: " + antonyms.status().message());
    s.log.Warn("WordNet not installed; the local grader reads no contradictions",
               {{"dir", dir}, {"fix", "run scripts/setup"}});
    return OkStatus();
  }
  s.antonyms = std::make_unique<scoring::Antonyms>(std::move(antonyms).value());
  return OkStatus();
}

// The course material's vectors, for the embedder's space: in Qdrant with QDRANT_HOST, else
// under <data-dir>/vectors. Vectors of another space (a changed embedder) are dropped: the
// retriever files every assignment's chunks again the first time it serves it.
// `persistent` false (offline grading): a scratch directory removed with the services.
Status OpenVectorIndex(const Config& c, Services& s, bool persistent) {
  Embedder* embedder = s.retrieval_embedder();
  if (!embedder) return OkStatus();
  HnswVectorIndexOptions options;
  options.dir = c.data_dir + "/vectors";
  if (!persistent) {
    std::string pattern =
        (std::filesystem::temp_directory_path() / "autograder-vectors-XXXXXX").string();
    if (!mkdtemp(pattern.data())) return UnavailableError("cannot create a scratch directory");
    options.dir = s.scratch_dir = pattern;
  }
  options.space = {embedder->model(), embedder->dimension()};
  options.fsync = c.durability_full;
  std::unique_ptr<VectorIndex> index;
  if (persistent && !c.qdrant_host.empty()) {
    QdrantOptions q;
    q.host = c.qdrant_host;
    q.port = c.qdrant_port;
    q.collection = c.qdrant_collection;
    q.api_key = c.qdrant_api_key;
    q.space = options.space;
    ASSIGN_OR_RETURN(index, QdrantVectorIndex::Open(std::move(q)));
  } else {
    ASSIGN_OR_RETURN(index, HnswVectorIndex::Open(options));
  }
  if (index->Info().needs_reindex()) {
    s.log.Info("vector index holds another embedding space; re-indexing",
               {{"stored", index->Info().stored.ToString()},
                {"expected", index->Info().expected.ToString()}});
    RETURN_IF_ERROR(index->Reset());
  }
  s.vectors = std::move(index);
  return OkStatus();
}

// The HTTP client of the OpenAI-compatible endpoints (LLM grader, remote embedder), made once.
CurlMulti& HttpClient(const Config& c, Services& s) {
  if (!s.http_client) {
    CurlMultiOptions http;
    http.max_in_flight = c.llm_max_in_flight;
    s.http_client = std::make_unique<CurlMulti>(http);
  }
  return *s.http_client;
}

std::string WithoutTrailingSlash(std::string url) {
  while (!url.empty() && url.back() == '/') url.pop_back();
  return url;
}

// EMBEDDING_PROVIDER=openai|ollama: course material embedded by an OpenAI-compatible endpoint.
void BuildRemoteEmbedder(const Config& c, Services& s) {
  if (c.embedding_provider == "local") return;
  OpenAiEmbedderOptions e;
  const bool ollama = c.embedding_provider == "ollama";
  e.base_url = ollama ? WithoutTrailingSlash(c.ollama_base_url) + "/v1" : c.openai_base_url;
  e.api_key = ollama ? "" : c.openai_api_key;
  e.model = !c.embedding_model.empty() ? c.embedding_model
            : ollama                   ? "nomic-embed-text"
                                       : "text-embedding-3-small";
  e.dimension = c.embedding_dimension > 0 ? c.embedding_dimension : ollama ? 768 : 1536;
  e.timeout = std::chrono::seconds(c.llm_timeout_seconds);
  e.backoff_base = std::chrono::milliseconds(c.llm_retry_base_ms);
  e.backoff_max = std::chrono::milliseconds(c.llm_retry_max_ms);
  s.log.Info("remote embedder", {{"provider", c.embedding_provider},
                                 {"base_url", e.base_url},
                                 {"model", e.model},
                                 {"dimension", e.dimension}});
  s.remote_embedder = std::make_unique<OpenAiEmbedder>(HttpClient(c, s), e);
}

// LLM_PROVIDER=openai|ollama: the LLM grader on an OpenAI-compatible endpoint.
void BuildLlmGrader(const Config& c, Services& s) {
  HttpClient(c, s);
  OpenAiChatOptions endpoint;
  LlmGraderOptions g;
  g.name = "llm-" + c.llm_provider;
  if (c.llm_provider == "ollama") {
    endpoint.base_url = WithoutTrailingSlash(c.ollama_base_url) + "/v1";
    g.model = c.ollama_model;
  } else {
    endpoint.base_url = c.openai_base_url;
    endpoint.api_key = c.openai_api_key;
    g.model = c.openai_model;
  }
  s.chat = std::make_unique<OpenAiChatClient>(*s.http_client, endpoint);
  if (c.llm_cache_entries > 0 && s.redis) {
    // Shared by every worker process: an answer graded by one is a hit for all.
    s.grade_cache =
        std::make_unique<RedisGradeCache>(*std::static_pointer_cast<RedisClient>(s.redis),
                                          std::chrono::seconds(c.llm_cache_ttl_seconds));
  } else if (c.llm_cache_entries > 0) {
    s.grade_cache = std::make_unique<LruGradeCache>(static_cast<std::size_t>(c.llm_cache_entries));
  }
  g.short_answer_model = c.llm_short_answer_model;
  g.short_answer_chars = c.llm_short_answer_chars;
  g.temperature = c.llm_temperature;
  g.max_tokens = c.llm_max_tokens;
  g.timeout = std::chrono::seconds(c.llm_timeout_seconds);
  g.max_attempts = c.llm_max_attempts;
  g.backoff_base = std::chrono::milliseconds(c.llm_retry_base_ms);
  g.backoff_max = std::chrono::milliseconds(c.llm_retry_max_ms);
  s.log.Info("LLM grader", {{"provider", c.llm_provider},
                            {"base_url", endpoint.base_url},
                            {"model", g.model},
                            {"max_in_flight", c.llm_max_in_flight}});
  s.llm_metrics = std::make_unique<LlmMetrics>(s.metrics);
  auto& in_flight = s.metrics.AddGauge("llm_http_requests",
                                       "LLM HTTP requests by state: "
                                       "in_flight, waiting (for a slot or a backoff's end)",
                                       {"state"});
  CurlMulti* http_client = s.http_client.get();
  s.metrics.AddCollector([http_client, &in_flight] {
    in_flight.With({"in_flight"}).Set(http_client->in_flight());
    in_flight.With({"waiting"}).Set(http_client->waiting());
  });
  s.graders.push_back(
      std::make_unique<LlmGrader>(*s.chat, s.grade_cache.get(), s.random, g, s.llm_metrics.get()));
  // Names, e-mail addresses and student numbers never leave for the model.
  s.graders.push_back(std::make_unique<RedactingGrader>(*s.graders.back()));
}

Status BuildGrading(const Config& c, Services& s, bool persistent = true) {
  // The local word vectors serve the local grader and the local embedder; with an LLM grader
  // and a remote embedder nothing reads them.
  if (c.llm_provider == "local" || c.embedding_provider == "local") {
    RETURN_IF_ERROR(OpenWordVectors(c, s));
  }
  BuildRemoteEmbedder(c, s);
  RETURN_IF_ERROR(OpenVectorIndex(c, s, persistent));
  s.retriever =
      std::make_unique<HybridRetriever>(*s.store, s.retrieval_embedder(), s.vectors.get());
  if (c.llm_provider == "local") {
    RETURN_IF_ERROR(OpenAntonyms(c, s));
    LocalGraderOptions local;
    local.scorer.antonyms = s.antonyms.get();
    s.graders.push_back(
        std::make_unique<LocalGrader>(*s.store, s.embedder.get(), s.word_vectors.get(), local));
  } else {
    BuildLlmGrader(c, s);
  }
  if (c.grader_delay_ms > 0) {
    s.graders.push_back(std::make_unique<DelayedGrader>(
        *s.graders.back(), std::chrono::milliseconds(c.grader_delay_ms)));
  }
  s.grading_metrics = std::make_unique<GradingMetrics>(s.metrics);
  PipelineOptions p;
  p.review_below_confidence = c.review_below_confidence;
  s.pipeline = std::make_unique<GradingPipeline>(*s.store, *s.retriever, s.grader(), s.clock, s.log,
                                                 *s.grading_metrics, p);
  return OkStatus();
}

void RegisterQueueMetrics(Services& s) {
  auto& depth = s.metrics.AddGauge("grading_queue_depth",
                                   "Grading jobs waiting to run (ready or in backoff)");
  auto& jobs = s.metrics.AddGauge("grading_jobs", "Grading jobs by state", {"state"});
  auto& oldest = s.metrics.AddGauge("grading_queue_oldest_ready_age_seconds",
                                    "Age of the oldest job that is ready to run");
  auto& submissions = s.metrics.AddGauge("submissions", "Submissions by status", {"status"});
  Services* sp = &s;
  s.metrics.AddCollector([sp, &depth, &jobs, &oldest, &submissions] {
    if (auto st = sp->queue->Stats(); st.ok()) {
      depth.Get().Set(static_cast<double>(st->depth()));
      jobs.With({"ready"}).Set(static_cast<double>(st->ready));
      jobs.With({"delayed"}).Set(static_cast<double>(st->delayed));
      jobs.With({"leased"}).Set(static_cast<double>(st->leased));
      jobs.With({"dead"}).Set(static_cast<double>(st->dead));
      oldest.Get().Set(std::chrono::duration<double>(st->oldest_ready_age).count());
    }
    if (auto c = sp->store->CountSubmissionsByStatus(); c.ok()) {
      submissions.With({"queued"}).Set(static_cast<double>(c->queued));
      submissions.With({"grading"}).Set(static_cast<double>(c->grading));
      submissions.With({"done"}).Set(static_cast<double>(c->done));
      submissions.With({"needs_review"}).Set(static_cast<double>(c->needs_review));
      submissions.With({"error"}).Set(static_cast<double>(c->error));
    }
  });
}

// MySQL/MariaDB when MYSQL_HOST is set: the pool, the migrations, the store, the pool gauge.
Status BuildMysql(const Config& c, Services& s) {
  MysqlOptions o;
  o.host = c.mysql_host;
  o.port = c.mysql_port;
  o.user = c.mysql_user;
  o.password = c.mysql_password;
  o.database = c.mysql_database;
  o.pool_size = c.mysql_pool_size;
  ASSIGN_OR_RETURN(std::unique_ptr<MysqlDb> db, MysqlDb::Open(o));
  ASSIGN_OR_RETURN(int version, db->Migrate(MysqlMigrations()));
  s.log.Debug("database ready", {{"mysql", c.mysql_host + ":" + std::to_string(c.mysql_port) + "/" +
                                               c.mysql_database},
                                 {"schema_version", version}});
  MysqlDb& ref = *db;
  s.database = std::shared_ptr<MysqlDb>(std::move(db));
  s.store = std::make_unique<MysqlStore>(ref);
  s.account_store = std::make_unique<SqlAccountStore<MysqlDb>>(ref);
  auto& pool = s.metrics.AddGauge("mysql_pool_connections",
                                  "MySQL connections of this process, in use or idle", {"state"});
  auto& size = s.metrics.AddGauge("mysql_pool_size", "MySQL connections at most (MYSQL_POOL_SIZE)");
  s.metrics.AddCollector([&ref, &pool, &size] {
    const MysqlPoolUsage u = ref.PoolUsage();
    pool.With({"in_use"}).Set(u.in_use);
    pool.With({"idle"}).Set(u.idle);
    size.Get().Set(u.size);
  });
  return OkStatus();
}

// Redis streams when REDIS_URL is set (the SQLite queue was built with the store otherwise).
Status BuildRedisQueue(const Config& c, Services& s) {
  RedisClientOptions o;
  ASSIGN_OR_RETURN(o.address, ParseRedisUrl(c.redis_url));
  // A pooled connection per thread that may call at once: workers, HTTP threads, the sweeper.
  o.max_idle_connections = std::max(16, c.worker_concurrency + c.http_threads + 4);
  auto redis = std::make_shared<RedisClient>(std::move(o));
  RedisJobQueueOptions q;
  q.retry = RetryPolicyFrom(c);
  s.queue = std::make_unique<RedisJobQueue>(*redis, s.clock, s.random, q);
  s.redis = redis;
  return OkStatus();
}

// The store (SQLite, or MySQL with MYSQL_HOST) and the queue (the SQLite table, or Redis with
// REDIS_URL). The embedded queue commits a submission's job in its transaction; Redis cannot
// share it, so the service enqueues after the commit and the sweeper covers a crash in between.
Status BuildStoreAndQueue(const Config& c, Services& s) {
  const bool redis_queue = !c.redis_url.empty();
  if (!c.mysql_host.empty()) {
    RETURN_IF_ERROR(BuildMysql(c, s));
  } else {
    RETURN_IF_ERROR(BuildSqlite(c, s, c.sqlite_path(), /*enqueue_jobs=*/!redis_queue));
  }
  if (redis_queue) RETURN_IF_ERROR(BuildRedisQueue(c, s));
  return OkStatus();
}

// S3 when MINIO_ENDPOINT is set, files under the data directory otherwise.
Status BuildBlobs(const Config& c, Services& s) {
  if (c.minio_endpoint.empty()) {
    ASSIGN_OR_RETURN(s.blobs, FsBlobStore::Open({c.blob_root(), c.durability_full}));
    return OkStatus();
  }
  S3BlobStoreOptions o;
  o.endpoint = c.minio_endpoint;
  o.secure = c.minio_secure;
  o.access_key = c.minio_access_key;
  o.secret_key = c.minio_secret_key;
  o.bucket = c.minio_bucket;
  o.region = c.minio_region;
  o.virtual_host = c.minio_virtual_host;
  ASSIGN_OR_RETURN(s.blobs, S3BlobStore::Open(std::move(o), s.clock));
  return OkStatus();
}

}  // namespace

Status BuildAccounts(const Config& c, Services& s, bool with_auth) {
  if (!s.account_store) return FailedPreconditionError("no database for accounts");
  s.hasher = std::make_unique<PasswordHasher>();
  if (with_auth) {
    ASSIGN_OR_RETURN(JwtOptions keys, JwtOptionsFrom(c));
    ASSIGN_OR_RETURN(JwtCodec codec, JwtCodec::Create(std::move(keys)));
    s.jwt = std::make_unique<JwtCodec>(std::move(codec));
    if (s.redis) {
      // Scaled out: every replica draws from the same buckets.
      s.limiter =
          std::make_unique<RedisRateLimiter>(*std::static_pointer_cast<RedisClient>(s.redis));
    } else {
      s.limiter = std::make_unique<LocalRateLimiter>();
    }
    AuthOptions o;
    o.access_ttl = std::chrono::minutes(c.access_token_minutes);
    o.refresh_ttl = std::chrono::hours(24 * c.refresh_token_days);
    s.auth =
        std::make_unique<AuthService>(*s.account_store, *s.hasher, *s.jwt, *s.limiter, s.clock, o);
  }
  s.accounts = std::make_unique<AccountService>(*s.account_store, *s.hasher, s.auth.get(), s.clock);
  return OkStatus();
}

Services::~Services() {
  // Threads first: they use everything else.
  if (workers) workers->Stop();
  if (sweeper) sweeper->Stop();
  if (!scratch_dir.empty()) {
    submissions.reset();
    pipeline.reset();
    graders.clear();
    chat.reset();
    remote_embedder.reset();
    http_client.reset();
    retriever.reset();
    vectors.reset();
    std::error_code ec;
    std::filesystem::remove_all(scratch_dir, ec);
  }
}

Result<std::unique_ptr<Services>> BuildServices(const Config& c, const Clock& clock, Logger& log,
                                                RandomSource& random) {
  RETURN_IF_ERROR(CheckSupported(c));
  auto s = std::make_unique<Services>(clock, log, random);
  RETURN_IF_ERROR(BuildStoreAndQueue(c, *s));
  const bool redis_queue = !c.redis_url.empty();
  RETURN_IF_ERROR(BuildBlobs(c, *s));
  RETURN_IF_ERROR(BuildGrading(c, *s));
  s->assignments = std::make_unique<AssignmentService>(*s->store, *s->blobs, clock);
  s->submissions = std::make_unique<SubmissionService>(*s->store, *s->blobs, *s->queue, clock, log);

  WorkerPoolOptions w;
  w.concurrency = c.worker_concurrency;
  w.lease = std::chrono::seconds(c.job_lease_seconds);
  w.heartbeat = std::max<std::chrono::milliseconds>(std::chrono::milliseconds(200), w.lease / 3);
  w.max_attempts = c.job_max_attempts;
  w.stop_grace = std::chrono::seconds(c.shutdown_grace_seconds);
  // An LLM grader's calls wait on the network, not on these threads: hold as many jobs as calls
  // may be in flight.
  if (c.llm_provider != "local")
    w.max_in_hand = std::max(c.worker_concurrency, c.llm_max_in_flight);
  s->workers = std::make_unique<WorkerPool>(*s->queue, *s->store, *s->pipeline, clock, log,
                                            *s->grading_metrics, w);
  SweeperOptions sw;
  sw.interval = std::chrono::seconds(c.sweep_interval_seconds);
  sw.grace = std::max<std::chrono::milliseconds>(std::chrono::seconds(60), 2 * w.lease);
  s->sweeper = std::make_unique<Sweeper>(*s->store, *s->queue, clock, log, sw);

  Services* sp = s.get();
  s->health = {{"database", [sp] { return sp->store->Ping(); }},
               {redis_queue ? "redis" : "queue", [sp] { return sp->queue->Ping(); }},
               {"storage", [sp] { return sp->blobs->Ping(); }}};
  if (auto* qdrant = dynamic_cast<QdrantVectorIndex*>(s->vectors.get())) {
    s->health.push_back({"qdrant", [qdrant] { return qdrant->Ping(); }});
  }
  RegisterQueueMetrics(*s);
  RegisterProcessMetrics(s->metrics);
  return s;
}

Result<std::unique_ptr<Services>> BuildLlmGraderOnly(const Config& c, const Clock& clock,
                                                     Logger& log, RandomSource& random) {
  if (c.llm_provider == "local") {
    return InvalidArgumentError("LLM_PROVIDER is local: set it to openai or ollama");
  }
  RETURN_IF_ERROR(CheckSupported(c));
  auto s = std::make_unique<Services>(clock, log, random);
  BuildLlmGrader(c, *s);
  return s;
}

Result<std::unique_ptr<Services>> BuildOfflineServices(const Config& c, const Clock& clock,
                                                       Logger& log, RandomSource& random) {
  auto s = std::make_unique<Services>(clock, log, random);
  RETURN_IF_ERROR(BuildSqlite(c, *s, ":memory:", /*enqueue_jobs=*/true));
  s->blobs = std::make_unique<MemBlobStore>();
  RETURN_IF_ERROR(BuildGrading(c, *s, /*persistent=*/false));
  s->assignments = std::make_unique<AssignmentService>(*s->store, *s->blobs, clock);
  s->submissions = std::make_unique<SubmissionService>(*s->store, *s->blobs, *s->queue, clock, log);
  return s;
}

Result<std::unique_ptr<Services>> BuildQueueAdmin(const Config& c, const Clock& clock, Logger& log,
                                                  RandomSource& random) {
  RETURN_IF_ERROR(CheckSupported(c));
  auto s = std::make_unique<Services>(clock, log, random);
  RETURN_IF_ERROR(BuildStoreAndQueue(c, *s));
  return s;
}

}  // namespace ag
