#include "app/config.h"

#include "redis/redis_client.h"

#include "core/files.h"

#include <algorithm>
#include <charconv>
#include <cstdlib>
#include <fstream>
#include <sstream>

namespace ag {
namespace {

using Setter = std::function<Status(Config&, const std::string&)>;

struct Setting {
  const char* name;
  const char* help;
  Setter set;
};

Setter Int(int Config::*field, int min, int max) {
  return [field, min, max](Config& c, const std::string& v) -> Status {
    int out = 0;
    const auto [end, ec] = std::from_chars(v.data(), v.data() + v.size(), out);
    if (ec != std::errc() || end != v.data() + v.size() || out < min || out > max) {
      return InvalidArgumentError("must be an integer from " + std::to_string(min) + " to " +
                                  std::to_string(max));
    }
    c.*field = out;
    return OkStatus();
  };
}

Setter Real(double Config::*field, double min, double max) {
  return [field, min, max](Config& c, const std::string& v) -> Status {
    char* end = nullptr;
    const double out = std::strtod(v.c_str(), &end);
    if (v.empty() || end != v.c_str() + v.size() || !(out >= min && out <= max)) {
      return InvalidArgumentError("must be a number from " + std::to_string(min) + " to " +
                                  std::to_string(max));
    }
    c.*field = out;
    return OkStatus();
  };
}

Setter Bool(bool Config::*field) {
  return [field](Config& c, const std::string& raw) -> Status {
    std::string v = raw;
    std::transform(v.begin(), v.end(), v.begin(),
                   [](unsigned char ch) { return std::tolower(ch); });
    if (v == "1" || v == "true" || v == "yes" || v == "on") {
      c.*field = true;
    } else if (v == "0" || v == "false" || v == "no" || v == "off") {
      c.*field = false;
    } else {
      return InvalidArgumentError("must be true or false");
    }
    return OkStatus();
  };
}

Setter List(std::vector<std::string> Config::*field) {
  return [field](Config& c, const std::string& v) -> Status {
    (c.*field).clear();
    std::stringstream in(v);
    std::string item;
    while (std::getline(in, item, ',')) {
      item.erase(0, item.find_first_not_of(' '));
      item.erase(item.find_last_not_of(' ') + 1);
      if (!item.empty()) (c.*field).push_back(item);
    }
    return OkStatus();
  };
}

Setter Text(std::string Config::*field) {
  return [field](Config& c, const std::string& v) -> Status {
    c.*field = v;
    return OkStatus();
  };
}

const std::vector<Setting>& Settings() {
  static const std::vector<Setting> kSettings = {
      {"API_HOST", "address to listen on (default 0.0.0.0)", Text(&Config::host)},
      {"API_PORT", "port to listen on (default 8000; 0 picks a free one)",
       Int(&Config::port, 0, 65535)},
      {"HTTP_THREADS", "I/O threads (default 0 = one per core)",
       Int(&Config::http_threads, 0, 256)},
      {"MAX_UPLOAD_MB", "largest request body in MiB (default 25)",
       Int(&Config::max_upload_mb, 1, 1024)},
      {"ACCESS_LOG", "log every request (default true)", Bool(&Config::access_log)},
      {"CORS_ORIGINS",
       "browser origins allowed with credentials, comma-separated; * lets any origin read "
       "without credentials (default: none)",
       List(&Config::cors_origins)},
      {"TLS_CERT_FILE", "PEM certificate (chain) to serve HTTPS with; with TLS_KEY_FILE",
       Text(&Config::tls_cert_file)},
      {"TLS_KEY_FILE", "PEM private key of TLS_CERT_FILE", Text(&Config::tls_key_file)},
      {"AUTH", "on (default) or off: off serves everyone as admin, on a loopback address only",
       Bool(&Config::auth)},
      {"JWT_SECRET",
       "key signing access tokens, 32+ bytes (secret; default: one kept in DATA_DIR, embedded "
       "only)",
       Text(&Config::jwt_secret)},
      {"JWT_PREVIOUS_SECRETS", "earlier JWT_SECRETs still accepted, comma-separated (secret)",
       List(&Config::jwt_previous_secrets)},
      {"ACCESS_TOKEN_MINUTES", "life of an access token (default 15)",
       Int(&Config::access_token_minutes, 1, 1440)},
      {"REFRESH_TOKEN_DAYS", "life of a refresh token (default 14)",
       Int(&Config::refresh_token_days, 1, 365)},
      {"AUTOGRADER_ADMIN_EMAIL", "the first admin's email (default admin@localhost)",
       Text(&Config::admin_email)},
      {"AUTOGRADER_ADMIN_PASSWORD",
       "the first admin's password when there is no user yet (secret; default: generated and "
       "printed once)",
       Text(&Config::admin_password)},
      {"RATE_LIMIT_PER_SECOND", "requests per second per client address (default 50; 0 off)",
       Real(&Config::rate_limit_per_second, 0, 1e6)},
      {"RATE_LIMIT_BURST", "requests at once per client address (default 100)",
       Real(&Config::rate_limit_burst, 1, 1e6)},
      {"USER_RATE_LIMIT_PER_SECOND", "requests per second per account (default 20; 0 off)",
       Real(&Config::user_rate_limit_per_second, 0, 1e6)},
      {"USER_RATE_LIMIT_BURST", "requests at once per account (default 60)",
       Real(&Config::user_rate_limit_burst, 1, 1e6)},
      {"TRUSTED_PROXIES",
       "proxy addresses whose X-Forwarded-For names the client (default 127.0.0.1,::1)",
       List(&Config::trusted_proxies)},
      {"SHUTDOWN_GRACE_SECONDS",
       "time in-flight requests and cancelled grades get on shutdown (default 30)",
       Int(&Config::shutdown_grace_seconds, 1, 3600)},
      {"DATA_DIR", "directory of the embedded database and blobs (default ./data)",
       [](Config& c, const std::string& v) -> Status {
         if (v.empty()) return InvalidArgumentError("must not be empty");
         c.data_dir = v;
         return OkStatus();
       }},
      {"DURABILITY", "normal (survives a process crash) or full (also a power loss)",
       [](Config& c, const std::string& v) -> Status {
         if (v == "normal")
           c.durability_full = false;
         else if (v == "full")
           c.durability_full = true;
         else
           return InvalidArgumentError("must be normal or full");
         return OkStatus();
       }},
      {"WORKER_CONCURRENCY", "jobs graded at once per process (default 4)",
       Int(&Config::worker_concurrency, 1, 1024)},
      {"JOB_LEASE_SECONDS",
       "lease of a running job; a dead worker's job runs again after it "
       "(default 30)",
       Int(&Config::job_lease_seconds, 1, 3600)},
      {"JOB_MAX_ATTEMPTS", "attempts before a submission is marked error (default 5)",
       Int(&Config::job_max_attempts, 1, 100)},
      {"JOB_RETRY_BASE_MS", "first retry backoff in ms, doubled each attempt (default 1000)",
       Int(&Config::job_retry_base_ms, 0, 3'600'000)},
      {"JOB_RETRY_MAX_MS", "longest retry backoff in ms (default 300000)",
       Int(&Config::job_retry_max_ms, 0, 86'400'000)},
      {"SWEEP_INTERVAL_SECONDS", "how often unfinished submissions are checked (default 30)",
       Int(&Config::sweep_interval_seconds, 1, 86400)},
      {"WORD_VECTORS_PATH",
       "word vectors of the local grader (default: the file scripts/setup installs; "
       "without it the grader uses lexical features only)",
       Text(&Config::word_vectors_path)},
      {"WORDNET_DIR",
       "WordNet's data files, for the local grader's antonyms (default: where Debian's "
       "wordnet-base puts them; without them the grader reads no contradictions)",
       Text(&Config::wordnet_dir)},
      {"GRADER_DELAY_MS", "latency added to every grading call, for load tests (default 0)",
       Int(&Config::grader_delay_ms, 0, 600'000)},
      {"REVIEW_CONFIDENCE_BELOW", "grades less confident than this end needs_review (default 0)",
       Real(&Config::review_below_confidence, 0, 1)},
      {"LLM_PROVIDER",
       "grader: local (default, no network), openai (any OpenAI-compatible endpoint at "
       "OPENAI_BASE_URL) or ollama (OLLAMA_BASE_URL/v1)",
       [](Config& c, const std::string& v) -> Status {
         if (v != "local" && v != "openai" && v != "ollama") {
           return InvalidArgumentError("must be local, openai or ollama");
         }
         c.llm_provider = v;
         return OkStatus();
       }},
      {"LLM_TIMEOUT_SECONDS", "timeout of one LLM call in seconds (default 120)",
       Int(&Config::llm_timeout_seconds, 1, 3600)},
      {"LLM_MAX_IN_FLIGHT", "LLM calls in flight at once per process (default 64)",
       Int(&Config::llm_max_in_flight, 1, 4096)},
      {"LLM_MAX_ATTEMPTS",
       "LLM calls per grade before the attempt fails: unusable replies, 429, 5xx, timeouts "
       "(default 4)",
       Int(&Config::llm_max_attempts, 1, 20)},
      {"LLM_RETRY_BASE_MS", "first backoff between LLM calls in ms, doubled (default 1000)",
       Int(&Config::llm_retry_base_ms, 0, 600'000)},
      {"LLM_RETRY_MAX_MS",
       "longest backoff between LLM calls in ms, Retry-After too (default 60000)",
       Int(&Config::llm_retry_max_ms, 0, 3'600'000)},
      {"LLM_TEMPERATURE", "sampling temperature of the LLM grader (default 0)",
       Real(&Config::llm_temperature, 0, 2)},
      {"LLM_MAX_TOKENS", "most tokens of a grading reply; 0 = the endpoint's default",
       Int(&Config::llm_max_tokens, 0, 1'000'000)},
      {"LLM_SHORT_ANSWER_MODEL", "model for answers of at most LLM_SHORT_ANSWER_CHARS characters",
       Text(&Config::llm_short_answer_model)},
      {"LLM_SHORT_ANSWER_CHARS", "answers this short go to LLM_SHORT_ANSWER_MODEL (default 0: off)",
       Int(&Config::llm_short_answer_chars, 0, 1'000'000)},
      {"LLM_CACHE_ENTRIES",
       "LLM grades kept in memory by request (in Redis with REDIS_URL); 0 turns the cache off "
       "(default 10000)",
       Int(&Config::llm_cache_entries, 0, 10'000'000)},
      {"LLM_CACHE_TTL_SECONDS", "life of an LLM grade cached in Redis (default 2592000: 30 days)",
       Int(&Config::llm_cache_ttl_seconds, 1, 365 * 86400)},
      {"EMBEDDING_PROVIDER",
       "vectors for retrieval: local (default, GloVe, no network), openai or ollama "
       "(/v1/embeddings)",
       [](Config& c, const std::string& v) -> Status {
         if (v != "local" && v != "openai" && v != "ollama") {
           return InvalidArgumentError("must be local, openai or ollama");
         }
         c.embedding_provider = v;
         return OkStatus();
       }},
      {"EMBEDDING_MODEL",
       "embedding model (default text-embedding-3-small; nomic-embed-text with ollama)",
       Text(&Config::embedding_model)},
      {"EMBEDDING_DIMENSION", "the embedding model's vector size (default 1536; 768 with ollama)",
       Int(&Config::embedding_dimension, 0, 65536)},
      {"LOG_LEVEL", "debug, info, warn or error (default info)",
       [](Config& c, const std::string& v) -> Status {
         ASSIGN_OR_RETURN(c.log_level, ParseLogLevel(v));
         return OkStatus();
       }},
      {"MYSQL_HOST",
       "MySQL/MariaDB host; set: the store is that database (needs REDIS_URL; default: SQLite)",
       Text(&Config::mysql_host)},
      {"MYSQL_PORT", "MySQL/MariaDB port (default 3306)", Int(&Config::mysql_port, 1, 65535)},
      {"MYSQL_USER", "MySQL/MariaDB user", Text(&Config::mysql_user)},
      {"MYSQL_PASSWORD", "MySQL/MariaDB password (secret)", Text(&Config::mysql_password)},
      {"MYSQL_DATABASE", "MySQL/MariaDB database, created when missing (default autograder)",
       Text(&Config::mysql_database)},
      {"MYSQL_POOL_SIZE", "MySQL/MariaDB connections per process at most (default 10)",
       Int(&Config::mysql_pool_size, 1, 1000)},
      {"REDIS_URL",
       "redis://[:password@]host[:port][/db]; set: grading jobs go to Redis streams (default: "
       "the SQLite queue)",
       Text(&Config::redis_url)},
      {"MINIO_ENDPOINT",
       "S3/MinIO endpoint host:port or http[s]://host:port; set: blobs go to S3 (default: files)",
       Text(&Config::minio_endpoint)},
      {"MINIO_ACCESS_KEY", "S3/MinIO access key (secret)", Text(&Config::minio_access_key)},
      {"MINIO_SECRET_KEY", "S3/MinIO secret key (secret)", Text(&Config::minio_secret_key)},
      {"MINIO_BUCKET", "S3/MinIO bucket (default submissions)", Text(&Config::minio_bucket)},
      {"MINIO_SECURE", "use https for S3/MinIO (default false)", Bool(&Config::minio_secure)},
      {"MINIO_REGION", "S3 region of the bucket, for signing (default us-east-1)",
       Text(&Config::minio_region)},
      {"MINIO_ADDRESSING",
       "path (host/bucket/key, MinIO's default) or virtual (bucket.host/key, AWS's)",
       [](Config& c, const std::string& v) -> Status {
         if (v != "path" && v != "virtual") return InvalidArgumentError("must be path or virtual");
         c.minio_virtual_host = v == "virtual";
         return OkStatus();
       }},
      {"QDRANT_HOST",
       "Qdrant host; set: course material vectors go to its REST API (default: a local index)",
       Text(&Config::qdrant_host)},
      {"QDRANT_PORT", "Qdrant port (default 6333)", Int(&Config::qdrant_port, 1, 65535)},
      {"QDRANT_COLLECTION", "Qdrant collection, created when missing (default reference_docs)",
       Text(&Config::qdrant_collection)},
      {"QDRANT_API_KEY", "Qdrant API key, sent as the api-key header (secret)",
       Text(&Config::qdrant_api_key)},
      {"OPENAI_API_KEY", "OpenAI API key (secret)", Text(&Config::openai_api_key)},
      {"OPENAI_MODEL", "OpenAI model", Text(&Config::openai_model)},
      {"OPENAI_BASE_URL", "OpenAI-compatible endpoint", Text(&Config::openai_base_url)},
      {"OLLAMA_BASE_URL", "Ollama endpoint", Text(&Config::ollama_base_url)},
      {"OLLAMA_MODEL", "Ollama model", Text(&Config::ollama_model)},
  };
  return kSettings;
}

const Setting* FindSetting(const std::string& name) {
  for (const auto& s : Settings()) {
    if (name == s.name) return &s;
  }
  return nullptr;
}

// The setting whose name is closest (fewest edits), for "did you mean".
std::string Closest(const std::string& name) {
  auto distance = [](const std::string& a, const std::string& b) {
    std::vector<std::size_t> prev(b.size() + 1), cur(b.size() + 1);
    for (std::size_t j = 0; j <= b.size(); ++j) prev[j] = j;
    for (std::size_t i = 1; i <= a.size(); ++i) {
      cur[0] = i;
      for (std::size_t j = 1; j <= b.size(); ++j) {
        cur[j] = std::min({prev[j] + 1, cur[j - 1] + 1, prev[j - 1] + (a[i - 1] != b[j - 1])});
      }
      std::swap(prev, cur);
    }
    return prev[b.size()];
  };
  std::string best;
  std::size_t best_d = 4;
  for (const auto& s : Settings()) {
    const std::size_t d = distance(name, s.name);
    if (d < best_d) {
      best_d = d;
      best = s.name;
    }
  }
  return best;
}

Result<std::map<std::string, std::string>> ParseConfigFile(const std::string& path) {
  ASSIGN_OR_RETURN(std::string text, ReadWholeFile(path));
  std::map<std::string, std::string> out;
  std::istringstream in(text);
  std::string line;
  int number = 0;
  while (std::getline(in, line)) {
    ++number;
    line.erase(0, line.find_first_not_of(" \t"));
    if (!line.empty() && line.back() == '\r') line.pop_back();
    if (line.empty() || line[0] == '#') continue;
    if (line.rfind("export ", 0) == 0) line.erase(0, 7);
    const auto eq = line.find('=');
    if (eq == std::string::npos) {
      return InvalidArgumentError(path + ":" + std::to_string(number) + ": expected KEY=VALUE");
    }
    std::string key = line.substr(0, eq);
    key.erase(key.find_last_not_of(" \t") + 1);
    std::string value = line.substr(eq + 1);
    value.erase(0, value.find_first_not_of(" \t"));
    value.erase(value.find_last_not_of(" \t") + 1);
    if (value.size() >= 2 && (value.front() == '"' || value.front() == '\'') &&
        value.back() == value.front()) {
      value = value.substr(1, value.size() - 2);
    }
    std::string base = key;
    if (base.size() > 5 && base.substr(base.size() - 5) == "_FILE") base.resize(base.size() - 5);
    if (!FindSetting(base)) {
      const std::string hint = Closest(key);
      return InvalidArgumentError(path + ":" + std::to_string(number) + ": unknown setting " + key +
                                  (hint.empty() ? "" : " (did you mean " + hint + "?)"));
    }
    out[key] = value;
  }
  return out;
}

Result<std::string> ReadSecretFile(const std::string& name, const std::string& path) {
  auto text = ReadWholeFile(path);
  if (!text.ok()) return InvalidArgumentError(name + "_FILE=" + path + ": cannot read the file");
  std::string v = *text;
  while (!v.empty() && (v.back() == '\n' || v.back() == '\r')) v.pop_back();
  return v;
}

}  // namespace

std::optional<std::string> ProcessEnv(const std::string& name) {
  const char* v = std::getenv(name.c_str());
  if (!v) return std::nullopt;
  return std::string(v);
}

Result<Config> LoadConfig(const ConfigSources& sources) {
  std::map<std::string, std::string> file;
  std::optional<std::string> file_path = sources.file;
  if (!file_path && sources.getenv) file_path = sources.getenv("AUTOGRADER_CONFIG");
  if (file_path) {
    auto parsed = ParseConfigFile(*file_path);
    if (!parsed.ok()) return InvalidArgumentError("config file " + parsed.status().message());
    file = std::move(parsed).value();
  }
  Config config;
  for (const Setting& s : Settings()) {
    const std::string name = s.name;
    const std::string file_name = name + "_FILE";
    std::optional<std::string> value;
    std::string origin;
    if (auto it = sources.flags.find(name); it != sources.flags.end()) {
      value = it->second;
      origin = "flag for " + name;
    } else if (auto env = sources.getenv ? sources.getenv(name) : std::nullopt) {
      value = env;
      origin = name;
    } else if (auto env_file = sources.getenv ? sources.getenv(file_name) : std::nullopt) {
      ASSIGN_OR_RETURN(value, ReadSecretFile(name, *env_file));
      origin = file_name;
    } else if (auto f = file.find(name); f != file.end()) {
      value = f->second;
      origin = name + " (config file)";
    } else if (auto ff = file.find(file_name); ff != file.end()) {
      ASSIGN_OR_RETURN(value, ReadSecretFile(name, ff->second));
      origin = file_name + " (config file)";
    }
    if (!value) continue;
    Status st = s.set(config, *value);
    if (!st.ok()) {
      const bool secret = std::string(s.help).find("secret") != std::string::npos;
      return InvalidArgumentError(origin + "=" + (secret ? "***" : *value) + ": " + st.message());
    }
  }
  return config;
}

Status CheckSupported(const Config& c) {
  if (!c.mysql_host.empty() && c.redis_url.empty()) {
    return FailedPreconditionError(
        "MYSQL_HOST is set without REDIS_URL: the embedded queue lives in the SQLite file, so "
        "with a MySQL store the grading jobs go to Redis; set REDIS_URL too");
  }
  if (!c.redis_url.empty()) RETURN_IF_ERROR(ParseRedisUrl(c.redis_url));
  if (!c.minio_endpoint.empty() && (c.minio_access_key.empty() || c.minio_secret_key.empty())) {
    return FailedPreconditionError(
        "MINIO_ENDPOINT is set: MINIO_ACCESS_KEY and MINIO_SECRET_KEY (or their _FILE) are needed "
        "too");
  }
  for (const auto& [name, provider] :
       {std::pair<std::string, std::string>{"LLM_PROVIDER", c.llm_provider},
        {"EMBEDDING_PROVIDER", c.embedding_provider}}) {
    if (provider == "openai" && c.openai_api_key.empty() &&
        c.openai_base_url.find("api.openai.com") != std::string::npos) {
      return FailedPreconditionError(name +
                                     "=openai needs OPENAI_API_KEY (or OPENAI_API_KEY_FILE) for "
                                     "api.openai.com");
    }
  }
  return OkStatus();
}

std::string DescribeSettings() {
  std::string out;
  for (const auto& s : Settings()) {
    out += "  ";
    out += s.name;
    out += std::string(std::max<std::size_t>(2, 26 - std::string(s.name).size()), ' ');
    out += s.help;
    out += '\n';
  }
  out += "  Any setting NAME can be read from a file given as NAME_FILE.\n";
  return out;
}

}  // namespace ag
