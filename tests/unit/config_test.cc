#include "app/config.h"

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

TEST(ConfigTest, ScaledOutVariablesAreRefusedUntilBuilt) {
  Env env{{{"MYSQL_HOST", "db.internal"}}};
  auto c = LoadConfig({{}, env.fn(), std::nullopt});
  ASSERT_TRUE(c.ok());
  Status s = CheckSupported(*c);
  EXPECT_EQ(s.code(), StatusCode::kFailedPrecondition);
  EXPECT_NE(s.message().find("MYSQL_HOST"), std::string::npos);
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

}  // namespace
}  // namespace ag
