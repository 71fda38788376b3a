// The subcommands of `autograder`. Each returns the process's exit status: 0 on success, 1 when
// the work failed, 2 for a usage or configuration error.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "app/config.h"

namespace ag {

struct CommonFlags {
  std::optional<std::string> config_file;
  std::optional<std::string> data_dir;
};

struct ServeFlags {
  std::optional<std::string> host;
  std::optional<int> port;
  bool no_workers = false;
  std::optional<std::string> auth;      // "on" or "off" (AUTH)
  std::optional<std::string> tls_cert;  // TLS_CERT_FILE
  std::optional<std::string> tls_key;   // TLS_KEY_FILE
};

struct UserFlags {
  std::string action;  // add | passwd | disable | enable | list
  std::string email;
  std::string name;
  std::string role = "student";
  bool password_stdin = false;  // else a generated password is printed once
};

struct WorkerFlags {
  std::string queue = "grading";
  std::optional<int> concurrency;          // WORKER_CONCURRENCY
  std::optional<int> metrics_port;         // /health and /metrics only; none when unset
  std::string metrics_host = "127.0.0.1";  // where that port listens
};

struct GradeFlags {
  std::string assignment_file;
  std::optional<std::string> csv;
  std::optional<std::string> dir;
  std::string format = "json";
  std::optional<std::string> output;
  std::string id_column = "id";
  std::string answer_column = "answer";
  bool progress = true;
};

struct QueueFlags {
  std::string action;  // stats | retry | purge
  std::optional<long long> submission;
  bool waiting = false;  // purge: waiting jobs instead of dead ones
  int dead_limit = 20;
};

struct ExamplesFlags {
  long long assignment = 0;
  std::string csv;
  std::string answer_column = "answer";
  std::string score_column = "score";
};

struct EvalFlags {
  std::string dataset;  // asap-sas | semeval | mohler | saf
  std::string train;
  std::optional<std::string> test;
  double split = 0.8;
  std::string split_by = "answers";  // answers: every question in both parts; questions: unseen
  std::uint64_t seed = 42;
  std::optional<int> examples;  // per question; -1 means all
  std::string grader = "local";
  bool no_curve = false;
  bool argmax = false;  // ordinal: the likeliest level instead of the rounded expectation
  bool no_word_vectors = false;
  std::string word_vectors;  // the word-vector file (WORD_VECTORS_PATH)
  std::string wordnet;       // WordNet's data folder (WORDNET_DIR)
  bool no_antonyms = false;
  bool no_peers = false;            // no standing among the question's other answers (an ablation)
  bool no_test_peers = false;       // peers from the training answers only
  bool cross_question_all = false;  // the cross-question model learns from every other answer
  // --grader llm: graded examples shown to the model as material; --no-retrieval: none.
  int examples_shown = 5;
  bool no_retrieval = false;
};

int RunServe(const CommonFlags& common, const ServeFlags& flags);
int RunWorker(const CommonFlags& common, const WorkerFlags& flags);
int RunMigrate(const CommonFlags& common);
int RunGrade(const CommonFlags& common, const GradeFlags& flags);
int RunQueue(const CommonFlags& common, const QueueFlags& flags);
int RunEval(const CommonFlags& common, const EvalFlags& flags);
int RunExamplesImport(const CommonFlags& common, const ExamplesFlags& flags);
int RunUser(const CommonFlags& common, const UserFlags& flags);

// Loads the configuration with `flags` (by setting name) on top; prints one line and returns
// nullopt on error.
std::optional<Config> LoadConfigOrReport(const CommonFlags& common,
                                         std::map<std::string, std::string> flags = {});

}  // namespace ag
