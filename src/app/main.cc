#include <CLI/CLI.hpp>

#include "app/commands.h"
#include "app/version.h"
#include "app/wordnet.h"
#include "rag/local_embedder.h"

#include <cstdlib>

int main(int argc, char** argv) {
  using namespace ag;
  CLI::App app{
      "autograder: grades student work against an instructor's rubric.\n"
      "Embedded by default: SQLite, files and in-process workers under --data-dir."};
  app.set_version_flag("--version", std::string("autograder ") + kVersion);
  app.require_subcommand(1);
  app.footer("Settings (flags > environment > --config file > defaults):\n" + DescribeSettings());

  CommonFlags common;
  auto add_common = [&common](CLI::App* cmd) {
    cmd->add_option("--config", common.config_file,
                    "KEY=VALUE file of settings (also AUTOGRADER_CONFIG)");
    cmd->add_option("--data-dir", common.data_dir, "embedded data directory (DATA_DIR, ./data)");
  };

  ServeFlags serve_flags;
  CLI::App* serve = app.add_subcommand("serve", "Serve the HTTP API with in-process workers");
  add_common(serve);
  serve->add_option("--host", serve_flags.host, "address to listen on (API_HOST, 0.0.0.0)");
  serve->add_option("--port", serve_flags.port, "port (API_PORT, 8000; 0 picks a free one)")
      ->check(CLI::Range(0, 65535));
  serve->add_flag("--no-workers", serve_flags.no_workers, "do not grade in this process");
  serve
      ->add_option("--auth", serve_flags.auth,
                   "on (default) or off: the original unauthenticated API, for one local user; "
                   "refused unless --host is a loopback address (AUTH)")
      ->check(CLI::IsMember({"on", "off"}));
  serve->add_option("--tls-cert", serve_flags.tls_cert,
                    "serve HTTPS with this PEM certificate chain (TLS_CERT_FILE)");
  serve->add_option("--tls-key", serve_flags.tls_key, "its PEM private key (TLS_KEY_FILE)");

  WorkerFlags worker_flags;
  CLI::App* worker = app.add_subcommand(
      "worker", "Grade jobs from the queue, with no API (scaled out: beside `serve --no-workers`)");
  add_common(worker);
  worker->add_option("--queue", worker_flags.queue, "the queue to work (grading)")
      ->check(CLI::IsMember({"grading"}));
  worker
      ->add_option("--concurrency", worker_flags.concurrency,
                   "jobs graded at once (WORKER_CONCURRENCY, 4)")
      ->check(CLI::Range(1, 1024));
  worker
      ->add_option("--metrics-port", worker_flags.metrics_port,
                   "serve /health/live, /health/ready and /metrics on this port (0: a free "
                   "one); none by default")
      ->check(CLI::Range(0, 65535));
  worker->add_option("--metrics-host", worker_flags.metrics_host,
                     "address of the metrics port (127.0.0.1)");
  CLI::App* migrate = app.add_subcommand("migrate", "Apply database migrations and exit");
  add_common(migrate);

  GradeFlags grade_flags;
  CLI::App* grade = app.add_subcommand(
      "grade", "Grade answers offline (no server) and print the grades as JSON or CSV");
  add_common(grade);
  grade
      ->add_option("--assignment", grade_flags.assignment_file,
                   "assignment JSON: {title, rubric, question?, reference_answer?, "
                   "references?: [files]}")
      ->required();
  auto* csv = grade->add_option("--csv", grade_flags.csv,
                                "CSV of answers with a header; see --id-column, --answer-column");
  auto* dir = grade->add_option("--dir", grade_flags.dir, "folder of answer files, one per answer");
  csv->excludes(dir);
  grade->add_option("--format", grade_flags.format, "json (default) or csv")
      ->check(CLI::IsMember({"json", "csv"}));
  grade->add_option("--output,-o", grade_flags.output, "write here instead of standard output");
  grade->add_option("--id-column", grade_flags.id_column, "CSV column of answer ids (id)");
  grade->add_option("--answer-column", grade_flags.answer_column, "CSV column of answers (answer)");
  bool no_progress = false;
  grade->add_flag("--no-progress", no_progress, "no progress bar on a terminal");

  QueueFlags queue_flags;
  CLI::App* queue = app.add_subcommand("queue", "Inspect and repair the grading queue");
  queue->require_subcommand(1);
  CLI::App* stats =
      queue->add_subcommand("stats", "Jobs by state, submissions by status, dead jobs");
  add_common(stats);
  stats->add_option("--dead-limit", queue_flags.dead_limit, "dead jobs to list (20)");
  CLI::App* retry =
      queue->add_subcommand("retry", "Run dead jobs again (all, or one submission's)");
  add_common(retry);
  retry->add_option("--submission", queue_flags.submission, "only this submission");
  CLI::App* purge =
      queue->add_subcommand("purge", "Delete dead jobs (or, with --waiting, waiting ones)");
  add_common(purge);
  purge->add_flag("--waiting", queue_flags.waiting,
                  "cancel jobs that wait to run; their submissions are marked error");

  ExamplesFlags examples_flags;
  CLI::App* examples =
      app.add_subcommand("examples", "Graded answers the local grader learns from");
  examples->require_subcommand(1);
  CLI::App* import = examples->add_subcommand(
      "import", "Add graded answers from a CSV (columns: answer, score and/or points:<criterion>)");
  add_common(import);
  import->add_option("--assignment", examples_flags.assignment, "assignment id")->required();
  import->add_option("--csv", examples_flags.csv, "CSV file with a header row")->required();
  import->add_option("--answer-column", examples_flags.answer_column, "answer column (answer)");
  import->add_option("--score-column", examples_flags.score_column,
                     "total score column (score); per-criterion points in points:<key> columns");

  UserFlags user_flags;
  CLI::App* user =
      app.add_subcommand("user", "Manage accounts (admins, instructors, TAs, students)");
  user->require_subcommand(1);
  CLI::App* user_add = user->add_subcommand(
      "add",
      "Create an account; its password is read from stdin (--password-stdin) or made up "
      "and printed once");
  add_common(user_add);
  user_add->add_option("--email", user_flags.email, "email (the login)")->required();
  user_add->add_option("--name", user_flags.name, "display name");
  user_add->add_option("--role", user_flags.role, "admin, instructor, ta or student (student)")
      ->check(CLI::IsMember({"admin", "instructor", "ta", "student"}));
  user_add->add_flag("--password-stdin", user_flags.password_stdin,
                     "read the password from the first line of standard input");
  CLI::App* user_passwd = user->add_subcommand(
      "passwd", "Set an account's password (ends its sessions); stdin or made up as for add");
  add_common(user_passwd);
  user_passwd->add_option("--email", user_flags.email, "the account")->required();
  user_passwd->add_flag("--password-stdin", user_flags.password_stdin,
                        "read the password from the first line of standard input");
  CLI::App* user_disable =
      user->add_subcommand("disable", "Disable an account: no login, its sessions end");
  add_common(user_disable);
  user_disable->add_option("--email", user_flags.email, "the account")->required();
  CLI::App* user_enable = user->add_subcommand("enable", "Enable a disabled account again");
  add_common(user_enable);
  user_enable->add_option("--email", user_flags.email, "the account")->required();
  CLI::App* user_list = user->add_subcommand("list", "List the accounts");
  add_common(user_list);

  EvalFlags eval_flags;
  CLI::App* eval =
      app.add_subcommand("eval", "Measure the grader's agreement with human grades on a dataset");
  eval->add_option("--dataset", eval_flags.dataset, "asap-sas, semeval, mohler or saf")
      ->required()
      ->check(CLI::IsMember({"asap-sas", "semeval", "mohler", "saf"}));
  eval->add_option("--train", eval_flags.train, "folder or file of graded answers to learn from")
      ->required();
  auto* test = eval->add_option("--test", eval_flags.test,
                                "folder or file of answers to grade (else --split of --train)");
  eval->add_option("--split", eval_flags.split,
                   "share of each question's answers to train on (0.8)")
      ->check(CLI::Range(0.05, 0.95))
      ->excludes(test);
  eval->add_option("--split-by", eval_flags.split_by,
                   "answers (each question's answers split; default) or questions (the test "
                   "questions are unseen in training)")
      ->check(CLI::IsMember({"answers", "questions"}))
      ->excludes(test);
  eval->add_option("--seed", eval_flags.seed, "seed of the split and of the example sample (42)");
  eval->add_option("--examples", eval_flags.examples,
                   "graded examples per question (-1: all); default: a learning curve over "
                   "0, 10, 50, 200 and all")
      ->check(CLI::Range(-1, 1000000));
  eval->add_option("--grader", eval_flags.grader,
                   "local (default) or llm (LLM_PROVIDER's endpoint, many calls at once)")
      ->check(CLI::IsMember({"local", "llm"}));
  eval->add_flag("--no-curve", eval_flags.no_curve, "only all examples, no learning curve");
  eval->add_option("--examples-shown", eval_flags.examples_shown,
                   "--grader llm: nearest graded examples given to the model as material (5)");
  eval->add_flag("--no-retrieval", eval_flags.no_retrieval,
                 "--grader llm: give the model no material (the retrieval ablation)");
  add_common(eval);
  eval_flags.word_vectors = std::string(kDefaultWordVectorsPath);
  if (const char* env = std::getenv("WORD_VECTORS_PATH"); env && *env)
    eval_flags.word_vectors = env;
  eval->add_option("--word-vectors", eval_flags.word_vectors,
                   "word-vector file (WORD_VECTORS_PATH; installed by scripts/setup)");
  eval->add_flag("--no-word-vectors", eval_flags.no_word_vectors,
                 "lexical features only (an ablation)");
  eval_flags.wordnet = std::string(kDefaultWordNetDir);
  if (const char* env = std::getenv("WORDNET_DIR"); env && *env) eval_flags.wordnet = env;
  eval->add_option("--wordnet", eval_flags.wordnet,
                   "WordNet's data folder, for antonyms (WORDNET_DIR; installed by scripts/setup)");
  eval->add_flag("--no-antonyms", eval_flags.no_antonyms,
                 "no contradiction feature from WordNet's antonyms (an ablation)");
  eval->add_flag("--no-peers", eval_flags.no_peers,
                 "no features from the question's other answers, graded or not (an ablation)");
  eval->add_flag("--no-test-peers", eval_flags.no_test_peers,
                 "the test answers are not peers: a question's are its training answers, an unseen "
                 "question has none (a new assignment's first submissions)");
  eval->add_flag("--cross-question-all", eval_flags.cross_question_all,
                 "the cross-question model learns from all the other questions' training answers "
                 "and this question's examples, as the service's does (a model per question)");
  eval->add_flag("--argmax", eval_flags.argmax,
                 "ordinal scores: the likeliest level rather than the rounded expectation");

  CLI11_PARSE(app, argc, argv);

  if (eval->parsed()) return RunEval(common, eval_flags);
  if (import->parsed()) return RunExamplesImport(common, examples_flags);

  if (serve->parsed()) return RunServe(common, serve_flags);
  if (user->parsed()) {
    for (auto [cmd, action] : {std::pair{user_add, "add"}, std::pair{user_passwd, "passwd"},
                               std::pair{user_disable, "disable"}, std::pair{user_enable, "enable"},
                               std::pair{user_list, "list"}}) {
      if (cmd->parsed()) user_flags.action = action;
    }
    return RunUser(common, user_flags);
  }
  if (worker->parsed()) return RunWorker(common, worker_flags);
  if (migrate->parsed()) return RunMigrate(common);
  if (grade->parsed()) {
    grade_flags.progress = !no_progress;
    if (!grade_flags.csv && !grade_flags.dir) {
      std::fprintf(stderr, "autograder grade: give --csv FILE or --dir DIR\n");
      return 2;
    }
    return RunGrade(common, grade_flags);
  }
  if (queue->parsed()) {
    if (stats->parsed()) queue_flags.action = "stats";
    if (retry->parsed()) queue_flags.action = "retry";
    if (purge->parsed()) queue_flags.action = "purge";
    return RunQueue(common, queue_flags);
  }
  return 2;
}
