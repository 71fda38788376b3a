// The command line: grade offline, queue maintenance, migrate, configuration errors.
#include <gtest/gtest.h>
#include <signal.h>

#include <filesystem>
#include <thread>

#include "core/csv.h"
#include "core/json.h"
#include "store/sqlite_db.h"
#include "store/sqlite_store.h"
#include "support/http_client.h"
#include "support/server_process.h"
#include "support/temp_dir.h"

namespace ag::testing {
namespace {

using namespace std::chrono_literals;

class CliTest : public ::testing::Test {
 protected:
  void SetUp() override {
    WriteFile(dir_.File("notes.md"),
              "# Photosynthesis\nPlants use light energy and chlorophyll to make glucose from "
              "carbon dioxide and water.\n\n# Respiration\nCells release energy from glucose.\n");
    WriteFile(dir_.File("assignment.json"), R"({
      "title": "Photosynthesis",
      "question": "What is photosynthesis?",
      "reference_answer": "Plants turn light, water and carbon dioxide into glucose and oxygen.",
      "rubric": {"process": {"description": "Names light, water and carbon dioxide", "max_points": 6},
                 "product": {"description": "Names glucose and oxygen", "max_points": 4}},
      "references": ["notes.md"]})");
  }
  TempDir dir_;
};

TEST_F(CliTest, GradesACsvToJson) {
  WriteFile(dir_.File("answers.csv"),
            "id,answer\n"
            "alice,\"Plants use light, water and carbon dioxide to make glucose and oxygen.\"\n"
            "bob,I do not know.\n"
            "carol,\"\"\n");
  auto r = RunAutograder({"grade", "--assignment", dir_.File("assignment.json"), "--csv",
                          dir_.File("answers.csv"), "--output", dir_.File("out.json")});
  EXPECT_EQ(r.exit_code, 1) << r.output;  // carol's empty answer cannot be graded
  EXPECT_NE(r.output.find("1 of 3 answers could not be graded"), std::string::npos) << r.output;
  Json out = ParseJsonOrDiscarded(ReadFile(dir_.File("out.json")));
  ASSERT_TRUE(out.is_array()) << ReadFile(dir_.File("out.json"));
  ASSERT_EQ(out.size(), 3u);
  EXPECT_EQ(out[0]["id"], "alice");
  EXPECT_EQ(out[0]["status"], "done");
  EXPECT_TRUE(out[0]["breakdown"].contains("process"));
  EXPECT_TRUE(out[0]["breakdown"].contains("product"));
  EXPECT_GT(out[0]["score"].get<double>(), out[1]["score"].get<double>());
  EXPECT_LE(out[0]["score"].get<double>(), 10);
  EXPECT_FALSE(out[0]["citations"].empty());
  EXPECT_EQ(out[2]["status"], "error");
  EXPECT_NE(out[2]["error"].get<std::string>().find("empty"), std::string::npos);
}

TEST_F(CliTest, GradesAFolderToCsv) {
  std::filesystem::create_directory(dir_.File("answers"));
  WriteFile(dir_.File("answers/s1.txt"), "Light, water and carbon dioxide become glucose.");
  WriteFile(dir_.File("answers/s2.md"), "# Answer\nOxygen and glucose are made.");
  auto r = RunAutograder({"grade", "--assignment", dir_.File("assignment.json"), "--dir",
                          dir_.File("answers"), "--format", "csv", "--no-progress"});
  ASSERT_EQ(r.exit_code, 0) << r.output;
  auto rows = ParseCsv(r.output);
  ASSERT_TRUE(rows.ok()) << r.output;
  ASSERT_EQ(rows->size(), 3u);
  EXPECT_EQ((*rows)[0], (CsvRow{"id", "status", "score", "max_score", "process", "product",
                                "feedback", "error"}));
  EXPECT_EQ((*rows)[1][0], "s1.txt");
  EXPECT_EQ((*rows)[1][1], "done");
  EXPECT_EQ((*rows)[1][3], "10");
}

TEST_F(CliTest, GradeExplainsABadAssignmentFile) {
  WriteFile(dir_.File("bad.json"), R"({"title": "x", "rubric": {"k": {"description": "d"}}})");
  WriteFile(dir_.File("answers.csv"), "answer\nx\n");
  auto r = RunAutograder(
      {"grade", "--assignment", dir_.File("bad.json"), "--csv", dir_.File("answers.csv")});
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_NE(r.output.find("rubric.k.max_points"), std::string::npos) << r.output;
  auto missing_col = RunAutograder({"grade", "--assignment", dir_.File("assignment.json"), "--csv",
                                    dir_.File("answers.csv"), "--answer-column", "text"});
  EXPECT_EQ(missing_col.exit_code, 2);
  EXPECT_NE(missing_col.output.find("no column named 'text'"), std::string::npos);
}

TEST_F(CliTest, QueueStatsRetryAndPurge) {
  const std::string data = dir_.File("data");
  ASSERT_EQ(RunAutograder({"migrate", "--data-dir", data}).exit_code, 0);
  // Two submissions whose jobs died, and one waiting.
  {
    auto db = std::move(SqliteDb::Open({data + "/autograder.db"}).value());
    ASSERT_TRUE(db->Write([](SqliteConn& c) {
                    return c.Exec(
                        "INSERT INTO assignments(id, title, rubric, created_at, updated_at) VALUES "
                        "(1, 't', '{\"k\": {\"description\": \"d\", \"max_points\": 1}}', 0, 0);"
                        "INSERT INTO submissions(id, assignment_id, filename, blob_key, sha256, "
                        "extracted_text, status, error, created_at, updated_at) VALUES "
                        "(1, 1, 'a', 'k', 's', 'x', 'error', 'boom', 0, 0),"
                        "(2, 1, 'a', 'k', 's', 'x', 'error', 'boom', 0, 0),"
                        "(3, 1, 'a', 'k', 's', 'x', 'queued', '', 0, 0);"
                        "INSERT INTO jobs(submission_id, state, attempts, ready_at, last_error, "
                        "created_at, updated_at) VALUES (1, 'dead', 5, 0, 'boom', 0, 0),"
                        "(2, 'dead', 5, 0, 'boom', 0, 0), (3, 'queued', 0, 0, '', 0, 0);");
                  }).ok());
  }
  auto stats = RunAutograder({"queue", "stats", "--data-dir", data});
  ASSERT_EQ(stats.exit_code, 0) << stats.output;
  Json j = ParseJsonOrDiscarded(stats.output);
  EXPECT_EQ(j["jobs"]["dead"], 2);
  EXPECT_EQ(j["jobs"]["ready"], 1);
  EXPECT_EQ(j["submissions"]["error"], 2);
  EXPECT_EQ(j["dead_jobs"][0]["last_error"], "boom");

  auto retry = RunAutograder({"queue", "retry", "--submission", "1", "--data-dir", data});
  EXPECT_EQ(retry.exit_code, 0) << retry.output;
  EXPECT_NE(retry.output.find("1 dead job(s) queued again"), std::string::npos);
  auto purge = RunAutograder({"queue", "purge", "--data-dir", data});
  EXPECT_NE(purge.output.find("1 dead job(s) purged"), std::string::npos) << purge.output;
  auto purge_waiting = RunAutograder({"queue", "purge", "--waiting", "--data-dir", data});
  EXPECT_NE(purge_waiting.output.find("2 waiting job(s) purged"), std::string::npos)
      << purge_waiting.output;
  Json after = ParseJsonOrDiscarded(RunAutograder({"queue", "stats", "--data-dir", data}).output);
  EXPECT_EQ(after["jobs"]["depth"], 0);
  EXPECT_EQ(after["jobs"]["dead"], 0);
  EXPECT_EQ(after["submissions"]["error"], 3);
}

TEST_F(CliTest, ImportsGradedAnswersFromACsv) {
  const std::string data = dir_.File("data");
  ASSERT_EQ(RunAutograder({"migrate", "--data-dir", data}).exit_code, 0);
  {
    auto db = std::move(SqliteDb::Open({data + "/autograder.db"}).value());
    ASSERT_TRUE(db->Write([](SqliteConn& c) {
                    return c.Exec(
                        "INSERT INTO assignments(id, title, rubric, created_at, updated_at) VALUES "
                        "(1, 't', '{\"intro\": {\"description\": \"d\", \"max_points\": 2}, "
                        "\"body\": {\"description\": \"e\", \"max_points\": 3}}', 0, 0);");
                  }).ok());
  }
  WriteFile(dir_.File("graded.csv"),
            "answer,score,points:intro\n\"Cells divide, then grow\",4,\n\"No idea\",,0\n");
  auto ok = RunAutograder({"examples", "import", "--assignment", "1", "--csv",
                           dir_.File("graded.csv"), "--data-dir", data});
  ASSERT_EQ(ok.exit_code, 0) << ok.output;
  EXPECT_NE(ok.output.find("added 2 graded answers to assignment 1 (2 in all)"), std::string::npos)
      << ok.output;

  // A bad cell names its line and column, and nothing is added.
  WriteFile(dir_.File("bad.csv"), "answer,score\nfine,1\nbroken,lots\n");
  auto bad = RunAutograder({"examples", "import", "--assignment", "1", "--csv",
                            dir_.File("bad.csv"), "--data-dir", data});
  EXPECT_EQ(bad.exit_code, 1);
  EXPECT_NE(bad.output.find("line 3, column score"), std::string::npos) << bad.output;
  WriteFile(dir_.File("high.csv"), "answer,score\nfine,99\n");
  auto high = RunAutograder({"examples", "import", "--assignment", "1", "--csv",
                             dir_.File("high.csv"), "--data-dir", data});
  EXPECT_EQ(high.exit_code, 1);
  EXPECT_NE(high.output.find("score"), std::string::npos) << high.output;
  auto missing = RunAutograder({"examples", "import", "--assignment", "7", "--csv",
                                dir_.File("graded.csv"), "--data-dir", data});
  EXPECT_EQ(missing.exit_code, 1);
  EXPECT_NE(missing.output.find("not found"), std::string::npos) << missing.output;

  auto db = std::move(SqliteDb::Open({data + "/autograder.db"}).value());
  SqliteStore store(*db, SqliteStoreOptions{});
  auto list = store.ListGradedAnswers(AssignmentId(1));
  ASSERT_TRUE(list.ok());
  ASSERT_EQ(list->size(), 2u);
  EXPECT_EQ((*list)[0].answer_text, "Cells divide, then grow");
  EXPECT_EQ((*list)[0].score, 4);
  EXPECT_EQ((*list)[1].points.at("intro"), 0);
}

TEST_F(CliTest, ConfigurationErrorsAreOneLineAndExitTwo) {
  auto bad_port = RunAutograder({"serve", "--data-dir", dir_.File("d")}, {{"API_PORT", "http"}});
  EXPECT_EQ(bad_port.exit_code, 2);
  EXPECT_EQ(bad_port.output,
            "autograder: configuration error: API_PORT=http: must be an integer from 0 to 65535\n");
  auto mysql = RunAutograder({"serve", "--data-dir", dir_.File("d")}, {{"MYSQL_HOST", "db"}});
  EXPECT_EQ(mysql.exit_code, 2);
  EXPECT_NE(mysql.output.find("MYSQL_HOST is set"), std::string::npos);
  WriteFile(dir_.File("bad.env"), "WORKERS=3\n");
  auto file =
      RunAutograder({"migrate", "--config", dir_.File("bad.env"), "--data-dir", dir_.File("d")});
  EXPECT_EQ(file.exit_code, 2);
  EXPECT_NE(file.output.find("unknown setting WORKERS"), std::string::npos) << file.output;
}

TEST_F(CliTest, HelpAndVersion) {
  auto version = RunAutograder({"--version"});
  EXPECT_EQ(version.exit_code, 0);
  EXPECT_NE(version.output.find("autograder 0."), std::string::npos);
  for (const char* cmd : {"serve", "migrate", "grade", "queue"}) {
    auto help = RunAutograder({cmd, "--help"});
    EXPECT_EQ(help.exit_code, 0) << cmd;
    EXPECT_NE(help.output.find("--help"), std::string::npos) << cmd;
  }
  EXPECT_NE(RunAutograder({"--help"}).output.find("API_PORT"), std::string::npos);
  EXPECT_NE(RunAutograder({"frobnicate"}).exit_code, 0);
}

TEST_F(CliTest, AnOccupiedPortIsAClearError) {
  ServerProcess first(dir_.File("a"), {{"ACCESS_LOG", "false"}});
  ASSERT_TRUE(first.Start());
  auto second = RunAutograder({"serve", "--host", "127.0.0.1", "--port",
                               std::to_string(first.port()), "--data-dir", dir_.File("b")});
  EXPECT_EQ(second.exit_code, 1);
  EXPECT_NE(second.output.find("cannot listen"), std::string::npos) << second.output;
  first.Signal(SIGTERM);
  EXPECT_EQ(first.Wait(), 0);
}

}  // namespace
}  // namespace ag::testing
