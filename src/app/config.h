// Configuration: one tree, loaded once at start-up, from (highest first) command-line flags,
// the environment, a config file, and the defaults below. Every field names its environment
// variable; the names of the deployment guide keep their meaning. Any setting can also be read
// from a file named by NAME_FILE (for secrets). A bad value stops start-up with one line that
// names the variable; so does an unknown key in the config file.
#pragma once

#include <functional>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "core/status.h"
#include "obs/log.h"

namespace ag {

struct Config {
  // --- HTTP
  std::string host = "0.0.0.0";           // API_HOST (flag --host)
  int port = 8000;                        // API_PORT (flag --port); 0 picks a free port
  int http_threads = 0;                   // HTTP_THREADS; 0 = one per core
  int max_upload_mb = 25;                 // MAX_UPLOAD_MB: the largest request body
  bool access_log = true;                 // ACCESS_LOG: one log line per request
  std::vector<std::string> cors_origins;  // CORS_ORIGINS: comma-separated, or *; none
  int shutdown_grace_seconds = 30;        // SHUTDOWN_GRACE_SECONDS: in-flight requests may finish
  std::string tls_cert_file;  // TLS_CERT_FILE (flag --tls-cert): serve HTTPS with this PEM
  std::string tls_key_file;   // TLS_KEY_FILE (flag --tls-key)

  // --- Accounts and limits
  bool auth = true;        // AUTH (flag --auth=on|off): off only on a loopback address
  std::string jwt_secret;  // JWT_SECRET (secret); empty: one kept in DATA_DIR (embedded only)
  std::vector<std::string> jwt_previous_secrets;  // JWT_PREVIOUS_SECRETS: still accepted
  int access_token_minutes = 15;                  // ACCESS_TOKEN_MINUTES
  int refresh_token_days = 14;                    // REFRESH_TOKEN_DAYS
  std::string admin_email = "admin@localhost";    // AUTOGRADER_ADMIN_EMAIL
  std::string admin_password;                     // AUTOGRADER_ADMIN_PASSWORD (secret)
  double rate_limit_per_second = 50;              // RATE_LIMIT_PER_SECOND (per address; 0 off)
  double rate_limit_burst = 100;                  // RATE_LIMIT_BURST
  double user_rate_limit_per_second = 20;         // USER_RATE_LIMIT_PER_SECOND (0 off)
  double user_rate_limit_burst = 60;              // USER_RATE_LIMIT_BURST
  std::vector<std::string> trusted_proxies = {"127.0.0.1", "::1"};  // TRUSTED_PROXIES

  // --- Embedded storage
  std::string data_dir = "./data";  // DATA_DIR (flag --data-dir): SQLite file and blobs
  // DURABILITY: "normal" (an acknowledged write survives a crash of the process) or "full"
  // (it also survives a power loss: SQLite synchronous=FULL and an fsync per blob).
  bool durability_full = false;

  // --- Grading workers
  bool workers = true;              // flag --no-workers turns them off in `serve`
  int worker_concurrency = 4;       // WORKER_CONCURRENCY: jobs graded at once
  int job_lease_seconds = 30;       // JOB_LEASE_SECONDS: a dead worker's job runs again after
  int job_max_attempts = 5;         // JOB_MAX_ATTEMPTS: then the submission is `error`
  int job_retry_base_ms = 1000;     // JOB_RETRY_BASE_MS: first backoff (doubles, jittered)
  int job_retry_max_ms = 300000;    // JOB_RETRY_MAX_MS: backoff cap
  int sweep_interval_seconds = 30;  // SWEEP_INTERVAL_SECONDS: sweeper period
  // WORD_VECTORS_PATH: the local grader's word vectors; empty: the file scripts/setup installs,
  // and without it lexical features only (an explicit path that fails stops start-up).
  std::string word_vectors_path;
  std::string wordnet_dir;             // empty: kDefaultWordNetDir (app/wordnet.h), optional
  int grader_delay_ms = 0;             // GRADER_DELAY_MS: added latency (load tests, drills)
  double review_below_confidence = 0;  // REVIEW_CONFIDENCE_BELOW: needs_review threshold

  // --- Grader
  std::string llm_provider = "local";   // LLM_PROVIDER: local, openai or ollama
  int llm_timeout_seconds = 120;        // LLM_TIMEOUT_SECONDS: one call (a local model is slow)
  int llm_max_in_flight = 64;           // LLM_MAX_IN_FLIGHT: calls at once per process
  int llm_max_attempts = 4;             // LLM_MAX_ATTEMPTS: calls per grade (bad output, 429, 5xx)
  int llm_retry_base_ms = 1000;         // LLM_RETRY_BASE_MS: first backoff between calls
  int llm_retry_max_ms = 60000;         // LLM_RETRY_MAX_MS: longest backoff, Retry-After included
  double llm_temperature = 0;           // LLM_TEMPERATURE
  int llm_max_tokens = 0;               // LLM_MAX_TOKENS: 0 = the endpoint's default
  std::string llm_short_answer_model;   // LLM_SHORT_ANSWER_MODEL: for short answers, if set
  int llm_short_answer_chars = 0;       // LLM_SHORT_ANSWER_CHARS: what "short" means
  int llm_cache_entries = 10000;        // LLM_CACHE_ENTRIES: grades kept by request; 0 = off
  int llm_cache_ttl_seconds = 2592000;  // LLM_CACHE_TTL_SECONDS: a Redis cache entry's life
  // EMBEDDING_PROVIDER: local (GloVe, no network), openai (OPENAI_BASE_URL/embeddings) or ollama
  // (OLLAMA_BASE_URL/v1/embeddings); the vectors of course material for retrieval.
  std::string embedding_provider = "local";
  std::string embedding_model;  // EMBEDDING_MODEL; empty: text-embedding-3-small / nomic-embed-text
  int embedding_dimension = 0;  // EMBEDDING_DIMENSION; 0: 1536 (openai) / 768 (ollama)

  // --- Logs
  LogLevel log_level = LogLevel::kInfo;  // LOG_LEVEL: debug, info, warn, error

  // --- Scaled-out dependencies (deployment guide). Each one set replaces its embedded adapter;
  // those not built yet are recognised so that a deployment setting them fails loudly
  // (README, "Not yet").
  std::string mysql_host;                            // MYSQL_HOST
  int mysql_port = 3306;                             // MYSQL_PORT
  std::string mysql_user;                            // MYSQL_USER
  std::string mysql_password;                        // MYSQL_PASSWORD (secret)
  std::string mysql_database = "autograder";         // MYSQL_DATABASE
  int mysql_pool_size = 10;                          // MYSQL_POOL_SIZE
  std::string redis_url;                             // REDIS_URL
  std::string minio_endpoint;                        // MINIO_ENDPOINT
  std::string minio_access_key;                      // MINIO_ACCESS_KEY (secret)
  std::string minio_secret_key;                      // MINIO_SECRET_KEY (secret)
  std::string minio_bucket = "submissions";          // MINIO_BUCKET
  bool minio_secure = false;                         // MINIO_SECURE
  std::string minio_region = "us-east-1";            // MINIO_REGION (SigV4 scope)
  bool minio_virtual_host = false;                   // MINIO_ADDRESSING=virtual (else path)
  std::string qdrant_host;                           // QDRANT_HOST
  int qdrant_port = 6333;                            // QDRANT_PORT
  std::string qdrant_collection = "reference_docs";  // QDRANT_COLLECTION
  std::string qdrant_api_key;                        // QDRANT_API_KEY (secret)
  // --- LLM endpoints (LLM_PROVIDER=openai: OPENAI_*; ollama: OLLAMA_* + /v1)
  std::string openai_api_key;                                 // OPENAI_API_KEY (secret)
  std::string openai_model = "gpt-4o-mini";                   // OPENAI_MODEL
  std::string openai_base_url = "https://api.openai.com/v1";  // OPENAI_BASE_URL
  std::string ollama_base_url = "http://localhost:11434";     // OLLAMA_BASE_URL
  std::string ollama_model = "llama3";                        // OLLAMA_MODEL

  std::string sqlite_path() const { return data_dir + "/autograder.db"; }
  std::string blob_root() const { return data_dir + "/blobs"; }
};

struct ConfigSources {
  // Values given as flags, by setting name (e.g. {"API_PORT", "9000"}).
  std::map<std::string, std::string> flags;
  // Reads the environment; injectable for tests.
  std::function<std::optional<std::string>(const std::string&)> getenv;
  // A KEY=VALUE file (the same names; # comments); also from AUTOGRADER_CONFIG.
  std::optional<std::string> file;
};

// InvalidArgument with a one-line message naming the variable.
Result<Config> LoadConfig(const ConfigSources& sources);

// FailedPrecondition when the configuration asks for something this build cannot do yet.
Status CheckSupported(const Config& config);

// Every setting: name, default, meaning (for --help and the docs).
std::string DescribeSettings();

std::optional<std::string> ProcessEnv(const std::string& name);

}  // namespace ag
