#include "app/config.h"
#include "redis/redis_client.h"

#include <gtest/gtest.h>

#include "support/temp_dir.h"

namespace ag {
namespace {

struct Env {
  std::map<std::string, std::string> vars;
  std::function<std::optional<std::string>(const std::string&)> fn() const {
    return [this](const std::string& k) -> std::optional<std::string> {
      auto it = vars.find(k);
      if (it == vars.end()) return std::nullopt;
      return it->second;
    };
  }
};

TEST(ConfigTest, DefaultsAreTheEmbeddedService) {
  Env env;
  auto c = LoadConfig({{}, env.fn(), std::nullopt});
  ASSERT_TRUE(c.ok());
  EXPECT_EQ(c->host, "0.0.0.0");
  EXPECT_EQ(c->port, 8000);
  EXPECT_EQ(c->data_dir, "./data");
  EXPECT_EQ(c->sqlite_path(), "./data/autograder.db");
  EXPECT_TRUE(c->workers);
  EXPECT_TRUE(CheckSupported(*c).ok());
}

TEST(ConfigTest, FlagsBeatEnvironmentBeatsFileBeatsDefaults) {
  testing::TempDir dir;
  testing::WriteFile(dir.File("ag.env"),
                     "# comment\nAPI_PORT=7000\nexport WORKER_CONCURRENCY=3\nLOG_LEVEL=\"warn\"\n"
                     "API_HOST=10.0.0.1\n");
  Env env{{{"API_PORT", "7001"}, {"API_HOST", "127.0.0.1"}}};
  auto c = LoadConfig({{{"API_PORT", "7002"}}, env.fn(), dir.File("ag.env")});
  ASSERT_TRUE(c.ok()) << c.status().ToString();
  EXPECT_EQ(c->port, 7002);                  // flag
  EXPECT_EQ(c->host, "127.0.0.1");           // environment over file
  EXPECT_EQ(c->worker_concurrency, 3);       // file
  EXPECT_EQ(c->log_level, LogLevel::kWarn);  // file, quotes removed
  EXPECT_EQ(c->job_max_attempts, 5);         // default
}

TEST(ConfigTest, TheFileCanComeFromTheEnvironment) {
  testing::TempDir dir;
  testing::WriteFile(dir.File("ag.env"), "API_PORT=7100\n");
  Env env{{{"AUTOGRADER_CONFIG", dir.File("ag.env")}}};
  EXPECT_EQ(LoadConfig({{}, env.fn(), std::nullopt})->port, 7100);
}

TEST(ConfigTest, SecretsFromFiles) {
  testing::TempDir dir;
  testing::WriteFile(dir.File("pw"), "s3cret\n");
  Env env{{{"MYSQL_PASSWORD_FILE", dir.File("pw")}}};
  EXPECT_EQ(LoadConfig({{}, env.fn(), std::nullopt})->mysql_password, "s3cret");
  Env missing{{{"OPENAI_API_KEY_FILE", dir.File("nope")}}};
  auto bad = LoadConfig({{}, missing.fn(), std::nullopt});
  ASSERT_FALSE(bad.ok());
  EXPECT_NE(bad.status().message().find("OPENAI_API_KEY_FILE"), std::string::npos);
}

TEST(ConfigTest, ABadValueNamesTheVariable) {
  Env env{{{"API_PORT", "eighty"}}};
  auto c = LoadConfig({{}, env.fn(), std::nullopt});
  ASSERT_FALSE(c.ok());
  EXPECT_EQ(c.status().message(), "API_PORT=eighty: must be an integer from 0 to 65535");
  Env secret{{{"MYSQL_PORT", "1"}, {"DURABILITY", "sometimes"}}};
  EXPECT_NE(LoadConfig({{}, secret.fn(), std::nullopt}).status().message().find("DURABILITY"),
            std::string::npos);
}

TEST(ConfigTest, AnUnknownFileKeyFailsLoudlyWithAHint) {
  testing::TempDir dir;
  testing::WriteFile(dir.File("ag.env"), "API_PROT=9000\n");
  Env env;
  auto c = LoadConfig({{}, env.fn(), dir.File("ag.env")});
  ASSERT_FALSE(c.ok());
  EXPECT_NE(c.status().message().find("unknown setting API_PROT"), std::string::npos);
  EXPECT_NE(c.status().message().find("did you mean API_PORT?"), std::string::npos);
  EXPECT_NE(c.status().message().find(":1:"), std::string::npos);
}

TEST(ConfigTest, AMysqlStoreNeedsTheRedisQueue) {
  // The embedded queue is in the SQLite file.
  Env env{{{"MYSQL_HOST", "db.internal"}}};
  auto c = LoadConfig({{}, env.fn(), std::nullopt});
  ASSERT_TRUE(c.ok());
  Status s = CheckSupported(*c);
  EXPECT_EQ(s.code(), StatusCode::kFailedPrecondition);
  EXPECT_NE(s.message().find("REDIS_URL"), std::string::npos);
  Env both{{{"MYSQL_HOST", "db.internal"}, {"REDIS_URL", "redis://cache:6379"}}};
  EXPECT_TRUE(CheckSupported(*LoadConfig({{}, both.fn(), std::nullopt})).ok());
  Env llm{{{"LLM_PROVIDER", "openai"}}};
  EXPECT_FALSE(CheckSupported(*LoadConfig({{}, llm.fn(), std::nullopt})).ok());
  Env typo{{{"LLM_PROVIDER", "gpt"}}};
  EXPECT_FALSE(LoadConfig({{}, typo.fn(), std::nullopt}).ok());
}

TEST(ConfigTest, S3NeedsItsKeysAndAKnownAddressingStyle) {
  Env partial{{{"MINIO_ENDPOINT", "minio:9000"}, {"MINIO_ACCESS_KEY", "ak"}}};
  Status s = CheckSupported(*LoadConfig({{}, partial.fn(), std::nullopt}));
  EXPECT_EQ(s.code(), StatusCode::kFailedPrecondition);
  EXPECT_NE(s.message().find("MINIO_SECRET_KEY"), std::string::npos);
  Env full{{{"MINIO_ENDPOINT", "minio:9000"},
            {"MINIO_ACCESS_KEY", "ak"},
            {"MINIO_SECRET_KEY", "sk"},
            {"MINIO_ADDRESSING", "virtual"}}};
  auto c = LoadConfig({{}, full.fn(), std::nullopt});
  ASSERT_TRUE(c.ok());
  EXPECT_TRUE(CheckSupported(*c).ok());
  EXPECT_TRUE(c->minio_virtual_host);
  EXPECT_EQ(c->minio_region, "us-east-1");
  Env bad{{{"MINIO_ADDRESSING", "dns"}}};
  auto b = LoadConfig({{}, bad.fn(), std::nullopt});
  ASSERT_FALSE(b.ok());
  EXPECT_NE(b.status().message().find("MINIO_ADDRESSING"), std::string::npos);
}

TEST(ConfigTest, RedisUrlsAreParsedOrRefusedNamingTheSetting) {
  auto full = ParseRedisUrl("redis://user:s3cret@cache.internal:6380/3");
  ASSERT_TRUE(full.ok());
  EXPECT_EQ(full->host, "cache.internal");
  EXPECT_EQ(full->port, 6380);
  EXPECT_EQ(full->user, "user");
  EXPECT_EQ(full->password, "s3cret");
  EXPECT_EQ(full->db, 3);
  auto guide = ParseRedisUrl("redis://redis:6379");  // the deployment guide's form
  ASSERT_TRUE(guide.ok());
  EXPECT_EQ(guide->host, "redis");
  EXPECT_EQ(guide->db, 0);
  auto password_only = ParseRedisUrl("redis://:pw@h");
  ASSERT_TRUE(password_only.ok());
  EXPECT_EQ(password_only->password, "pw");
  EXPECT_EQ(password_only->port, 6379);
  for (const char* bad : {"rediss://h:6379", "http://h", "redis://h:99999", "redis://h/x"}) {
    auto r = ParseRedisUrl(bad);
    EXPECT_EQ(r.status().field(), std::vector<std::string>{"REDIS_URL"}) << bad;
  }
  Env env{{{"REDIS_URL", "rediss://h"}}};
  EXPECT_FALSE(CheckSupported(*LoadConfig({{}, env.fn(), std::nullopt})).ok());
}

}  // namespace
}  // namespace ag
