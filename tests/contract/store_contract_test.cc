// The Store contract, run against every adapter: SQLite on a real file, and MySQL on the
// MariaDB server that scripts/test-services starts (a database of its own per test).
#include <gtest/gtest.h>

#include <atomic>
#include <functional>
#include <memory>
#include <stdexcept>
#include <thread>

#include "core/clock.h"
#include "store/mysql_store.h"
#include "store/sql_account_store.h"
#include "store/sqlite_db.h"
#include "store/sqlite_store.h"
#include "support/temp_dir.h"
#include "support/test_services.h"

namespace ag {
namespace {

using namespace std::chrono_literals;

// One adapter under test, with whatever keeps it alive.
struct StoreUnderTest {
  virtual ~StoreUnderTest() = default;
  virtual Store& store() = 0;
  virtual AccountStore& accounts() = 0;  // on the same database
  // Closes and opens the same database again (a restart).
  virtual void Reopen() = 0;
};

struct SqliteStoreUnderTest : StoreUnderTest {
  SqliteStoreUnderTest() { Reopen(); }
  Store& store() override { return *store_; }
  AccountStore& accounts() override { return *accounts_; }
  void Reopen() override {
    accounts_.reset();
    store_.reset();
    db_.reset();
    db_ = std::move(SqliteDb::Open({dir_.File("test.db")}).value());
    EXPECT_TRUE(db_->Migrate(SqliteMigrations()).ok());
    store_ = std::make_unique<SqliteStore>(*db_, SqliteStoreOptions{});
    accounts_ = std::make_unique<SqlAccountStore<SqliteDb>>(*db_);
  }
  testing::TempDir dir_;
  std::unique_ptr<SqliteDb> db_;
  std::unique_ptr<SqliteStore> store_;
  std::unique_ptr<AccountStore> accounts_;
};

MysqlOptions TestMysql(const std::string& database) {
  MysqlOptions o;
  o.port = std::atoi(testing::ServiceSetting("AG_TEST_MYSQL_PORT").c_str());
  EXPECT_GT(o.port, 0) << testing::kStartServicesHint;
  o.user = testing::ServiceSetting("AG_TEST_MYSQL_USER");
  o.password = testing::ServiceSetting("AG_TEST_MYSQL_PASSWORD");
  o.database = database;
  return o;
}

struct MysqlStoreUnderTest : StoreUnderTest {
  MysqlStoreUnderTest() : database_(testing::UniqueName("ag_test")) {
    for (char& c : database_) c = c == '-' ? '_' : c;
    Reopen();
  }
  ~MysqlStoreUnderTest() override {
    if (db_)
      db_->Write([&](MysqlConn& c) { return c.Exec("DROP DATABASE " + database_); }).IgnoreError();
  }
  Store& store() override { return *store_; }
  AccountStore& accounts() override { return *accounts_; }
  void Reopen() override {
    accounts_.reset();
    store_.reset();
    db_.reset();
    auto db = MysqlDb::Open(TestMysql(database_));
    ASSERT_TRUE(db.ok()) << db.status().ToString();
    db_ = std::move(*db);
    auto migrated = db_->Migrate(MysqlMigrations());
    EXPECT_TRUE(migrated.ok()) << migrated.status().ToString();
    store_ = std::make_unique<MysqlStore>(*db_);
    accounts_ = std::make_unique<SqlAccountStore<MysqlDb>>(*db_);
  }
  std::string database_;
  std::unique_ptr<MysqlDb> db_;
  std::unique_ptr<MysqlStore> store_;
  std::unique_ptr<AccountStore> accounts_;
};

using Factory = std::function<std::unique_ptr<StoreUnderTest>()>;

// Names of the adapters, in the order of the instantiation below.
std::string AdapterName(const ::testing::TestParamInfo<Factory>& info) {
  static const char* const kNames[] = {"Sqlite", "Mysql"};
  return kNames[info.index];
}

class StoreContract : public ::testing::TestWithParam<Factory> {
 protected:
  void SetUp() override { impl_ = GetParam()(); }
  Store& store() { return impl_->store(); }

  Assignment MakeAssignment(const std::string& title = "Essay") {
    NewAssignment a;
    a.title = title;
    a.question = "Why?";
    a.reference_answer = "Because.";
    a.rubric_json = Json::parse(R"({"intro": {"description": "Thesis", "max_points": 10},
                                     "body": {"description": "Evidence", "max_points": 30}})");
    auto created = store().CreateAssignment(a, clock_.Now());
    EXPECT_TRUE(created.ok()) << created.status().ToString();
    return *created;
  }

  Submission MakeSubmission(AssignmentId a, const std::string& text = "my answer") {
    auto created = store().CreateSubmission({a, "s1", "a.txt", "key", "sha", text}, clock_.Now());
    EXPECT_TRUE(created.ok()) << created.status().ToString();
    return created->submission;
  }

  SaveGradeRequest GradeFor(SubmissionId id, double intro, int rubric_version = 1) {
    SaveGradeRequest r;
    r.submission_id = id;
    r.rubric_version = rubric_version;
    r.result.breakdown = {{"intro", intro, 10, "c1"}, {"body", 20, 30, "c2"}};
    r.result.score = intro + 20;
    r.result.max_score = 40;
    r.result.feedback = "feedback";
    r.result.citations = {{ChunkId(1), "quote", "why", true}};
    r.provenance.grader = "test";
    r.provenance.retrieved_chunk_ids = {ChunkId(1), ChunkId(2)};
    r.now = clock_.Now();
    return r;
  }

  ManualClock clock_;
  std::unique_ptr<StoreUnderTest> impl_;
};

TEST_P(StoreContract, CreatesAndReadsAssignments) {
  Assignment a = MakeAssignment();
  EXPECT_TRUE(a.id.valid());
  auto got = store().GetAssignment(a.id);
  ASSERT_TRUE(got.ok());
  EXPECT_EQ(got->title, "Essay");
  EXPECT_EQ(got->question, "Why?");
  EXPECT_EQ(got->rubric.criteria().size(), 2u);
  EXPECT_EQ(got->rubric_json.begin().key(), "intro");  // order kept
  EXPECT_EQ(got->created_at, clock_.Now());
  EXPECT_EQ(store().GetAssignment(AssignmentId(999)).status().code(), StatusCode::kNotFound);
  EXPECT_TRUE(*store().AssignmentExists(a.id));
  EXPECT_FALSE(*store().AssignmentExists(AssignmentId(999)));
}

TEST_P(StoreContract, ListsAssignmentsNewestFirst) {
  Assignment first = MakeAssignment("first");
  clock_.Advance(1s);
  Assignment second = MakeAssignment("second");
  auto list = store().ListAssignments(10, 0);
  ASSERT_TRUE(list.ok());
  ASSERT_EQ(list->size(), 2u);
  EXPECT_EQ((*list)[0].id, second.id);
  EXPECT_EQ((*list)[1].id, first.id);
  EXPECT_EQ(store().ListAssignments(1, 1)->at(0).id, first.id);
}

TEST_P(StoreContract, AddsMaterialWithItsChunks) {
  Assignment a = MakeAssignment();
  auto m = store().AddMaterial({a.id, "notes.md", "k", "s", "text/markdown", 10},
                               {{0, "H1", "first"}, {1, "H1", "second"}}, clock_.Now());
  ASSERT_TRUE(m.ok()) << m.status().ToString();
  EXPECT_EQ(m->chunk_count, 2);
  auto chunks = store().ListChunks(a.id);
  ASSERT_TRUE(chunks.ok());
  ASSERT_EQ(chunks->size(), 2u);
  EXPECT_EQ((*chunks)[0].text, "first");
  EXPECT_EQ((*chunks)[1].heading, "H1");
  EXPECT_EQ((*chunks)[1].filename, "notes.md");
  EXPECT_TRUE(store().ListChunks(AssignmentId(999))->empty());
  const auto version = *store().GetChunksVersion(a.id);
  EXPECT_EQ(version.count, 2);
  EXPECT_EQ(version.last_id, (*chunks)[1].id.value());
  EXPECT_EQ(*store().GetChunksVersion(AssignmentId(999)), (ChunksVersion{0, 0}));
  EXPECT_EQ(store()
                .AddMaterial({AssignmentId(999), "x", "k", "s", "", 1}, {}, clock_.Now())
                .status()
                .code(),
            StatusCode::kNotFound);
}

TEST_P(StoreContract, KeepsGradedAnswersPerAssignmentWithAVersion) {
  Assignment a = MakeAssignment();
  Assignment other = MakeAssignment("other");
  EXPECT_EQ(*store().GetGradedAnswersVersion(a.id), (GradedAnswersVersion{0, 0}));
  NewGradedAnswer total{"the bulbs stay lit", 3.5, {}, "import", std::nullopt};
  NewGradedAnswer by_criterion{
      "they go out", std::nullopt, {{"intro", 2}, {"body", 0}}, "import", std::nullopt};
  auto added = store().AddGradedAnswers(a.id, {total, by_criterion}, clock_.Now());
  ASSERT_TRUE(added.ok()) << added.status().ToString();
  EXPECT_EQ(*added, 2);
  ASSERT_TRUE(store().AddGradedAnswers(other.id, {total}, clock_.Now()).ok());

  auto list = store().ListGradedAnswers(a.id);
  ASSERT_TRUE(list.ok());
  ASSERT_EQ(list->size(), 2u);
  EXPECT_EQ((*list)[0].answer_text, "the bulbs stay lit");
  EXPECT_EQ((*list)[0].score, 3.5);
  EXPECT_TRUE((*list)[0].points.empty());
  EXPECT_FALSE((*list)[1].score.has_value());
  EXPECT_EQ((*list)[1].points.at("intro"), 2);
  EXPECT_EQ((*list)[1].source, "import");
  EXPECT_EQ((*list)[1].created_at, clock_.Now());

  EXPECT_EQ(store().GetAllGradedAnswersVersion()->count, 3);
  EXPECT_EQ(*store().ListGradedAssignments(), (std::vector<AssignmentId>{a.id, other.id}));
  const auto before = *store().GetGradedAnswersVersion(a.id);
  EXPECT_EQ(before.count, 2);
  ASSERT_TRUE(store().AddGradedAnswers(a.id, {total}, clock_.Now()).ok());
  EXPECT_NE(*store().GetGradedAnswersVersion(a.id), before);
  EXPECT_EQ(store().AddGradedAnswers(AssignmentId(999), {total}, clock_.Now()).status().code(),
            StatusCode::kNotFound);
}

TEST_P(StoreContract, ListsTheFirstAnswerTextsOldestFirst) {
  Assignment a = MakeAssignment();
  Assignment other = MakeAssignment("other");
  EXPECT_EQ(*store().CountSubmissions(a.id), 0);
  EXPECT_TRUE(store().ListFirstAnswerTexts(a.id, 10)->empty());
  MakeSubmission(a.id, "first");
  MakeSubmission(other.id, "elsewhere");
  MakeSubmission(a.id, "second");
  MakeSubmission(a.id, "third");
  EXPECT_EQ(*store().CountSubmissions(a.id), 3);
  EXPECT_EQ(*store().ListFirstAnswerTexts(a.id, 10),
            (std::vector<std::string>{"first", "second", "third"}));
  // Later submissions do not change what a smaller limit gives.
  EXPECT_EQ(*store().ListFirstAnswerTexts(a.id, 2), (std::vector<std::string>{"first", "second"}));
  MakeSubmission(a.id, "fourth");
  EXPECT_EQ(*store().ListFirstAnswerTexts(a.id, 2), (std::vector<std::string>{"first", "second"}));
}

TEST_P(StoreContract, CreatesABatchWithAResultEach) {
  Assignment a = MakeAssignment();
  std::vector<NewSubmission> batch = {{a.id, "s1", "a.txt", "k1", "k1", "one"},
                                      {AssignmentId(999), "s2", "b.txt", "k2", "k2", "two"},
                                      {a.id, "s3", "c.txt", "k3", "k3", "three"}};
  auto created = store().CreateSubmissions(batch, clock_.Now());
  ASSERT_EQ(created.size(), 3u);
  ASSERT_TRUE(created[0].ok());
  EXPECT_EQ(created[1].status().code(), StatusCode::kNotFound);
  ASSERT_TRUE(created[2].ok());
  EXPECT_LT(created[0]->submission.id, created[2]->submission.id);
  EXPECT_EQ(store().GetSubmission(created[2]->submission.id)->text, "three");
  EXPECT_EQ(store().ListSubmissions(a.id, 10, 0)->size(), 2u);
}

TEST_P(StoreContract, CreatesSubmissionsQueued) {
  Assignment a = MakeAssignment();
  Submission s = MakeSubmission(a.id);
  auto got = store().GetSubmission(s.id);
  ASSERT_TRUE(got.ok());
  EXPECT_EQ(got->status, SubmissionStatus::kQueued);
  EXPECT_EQ(got->text, "my answer");
  EXPECT_EQ(got->student_id, "s1");
  EXPECT_FALSE(got->score.has_value());
  EXPECT_EQ(store()
                .CreateSubmission({AssignmentId(999), "", "a", "k", "s", "t"}, clock_.Now())
                .status()
                .code(),
            StatusCode::kNotFound);
  EXPECT_EQ(store().GetSubmission(SubmissionId(999)).status().code(), StatusCode::kNotFound);
}

TEST_P(StoreContract, SaveGradeIsIdempotent) {
  Assignment a = MakeAssignment();
  Submission s = MakeSubmission(a.id);
  ASSERT_TRUE(store().MarkGrading(s.id, clock_.Now()).ok());
  auto first = store().SaveGrade(GradeFor(s.id, 5));
  ASSERT_TRUE(first.ok());
  EXPECT_EQ(*first, SaveGradeOutcome::kWritten);
  // A redelivered job with another result changes nothing.
  auto second = store().SaveGrade(GradeFor(s.id, 9));
  ASSERT_TRUE(second.ok());
  EXPECT_EQ(*second, SaveGradeOutcome::kAlreadyGraded);
  auto grade = store().GetGrade(s.id);
  ASSERT_TRUE(grade.ok());
  EXPECT_DOUBLE_EQ(grade->result.score, 25);
  EXPECT_EQ(grade->result.breakdown[0].comment, "c1");
  EXPECT_EQ(grade->result.citations[0].chunk_id, ChunkId(1));
  EXPECT_EQ(grade->provenance.retrieved_chunk_ids.size(), 2u);
  auto sub = store().GetSubmission(s.id);
  EXPECT_EQ(sub->status, SubmissionStatus::kDone);
  EXPECT_DOUBLE_EQ(*sub->score, 25);
  EXPECT_EQ(*sub->feedback, "feedback");
}

TEST_P(StoreContract, ConcurrentDeliveriesOfOneGradeWriteItOnce) {
  Assignment a = MakeAssignment();
  std::vector<SubmissionId> ids;
  for (int i = 0; i < 10; ++i) ids.push_back(MakeSubmission(a.id).id);
  // Eight workers save each submission's grade at once (a redelivered job racing the first).
  std::atomic<int> written{0}, failed{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < 8; ++t) {
    threads.emplace_back([&, t] {
      for (SubmissionId id : ids) {
        auto r = store().SaveGrade(GradeFor(id, t % 10));
        if (!r.ok()) {
          ++failed;
        } else if (*r == SaveGradeOutcome::kWritten) {
          ++written;
        }
      }
    });
  }
  for (auto& t : threads) t.join();
  EXPECT_EQ(failed.load(), 0);
  EXPECT_EQ(written.load(), 10) << "one write per submission, whoever wins";
  for (SubmissionId id : ids) {
    EXPECT_TRUE(store().GetGrade(id).ok());
    EXPECT_EQ(store().GetSubmission(id)->status, SubmissionStatus::kDone);
  }
}

OverrideGradeRequest OverrideFor(SubmissionId id, double intro, TimePoint now) {
  OverrideGradeRequest r;
  r.submission_id = id;
  r.result.breakdown = {{"intro", intro, 10, "by hand"}, {"body", 30, 30, "all there"}};
  r.result.score = intro + 30;
  r.result.max_score = 40;
  r.result.feedback = "reviewed";
  r.reason = "missed the thesis";
  r.example.answer_text = "my answer";
  r.example.score = intro + 30;
  r.example.points = {{"intro", intro}, {"body", 30}};
  r.example.source = "override";
  r.example.submission_id = id;
  r.now = now;
  return r;
}

TEST_P(StoreContract, AnOverrideReplacesTheGradeAndBecomesAGradedExample) {
  Assignment a = MakeAssignment();
  Submission s = MakeSubmission(a.id);
  ASSERT_TRUE(store().MarkGrading(s.id, clock_.Now()).ok());
  ASSERT_TRUE(store().SaveGrade(GradeFor(s.id, 5)).ok());
  const auto before = *store().GetGradedAnswersVersion(a.id);
  ASSERT_TRUE(store().OverrideGrade(OverrideFor(s.id, 8, clock_.Now())).ok());
  auto grade = store().GetGrade(s.id);
  ASSERT_TRUE(grade.ok());
  EXPECT_DOUBLE_EQ(grade->result.score, 38);
  EXPECT_EQ(grade->result.breakdown[0].comment, "by hand");
  EXPECT_EQ(grade->provenance.grader, "human");
  EXPECT_EQ(grade->provenance.parameters["overrides"]["score"], 25);
  EXPECT_EQ(grade->provenance.parameters["overrides"]["grader"], "test");
  EXPECT_EQ(grade->provenance.parameters["reason"], "missed the thesis");
  EXPECT_EQ(grade->provenance.retrieved_chunk_ids.size(), 2u);  // the evidence stays
  EXPECT_DOUBLE_EQ(*store().GetSubmission(s.id)->score, 38);

  auto examples = store().ListGradedAnswers(a.id);
  ASSERT_EQ(examples->size(), 1u);
  EXPECT_EQ((*examples)[0].source, "override");
  EXPECT_EQ((*examples)[0].points.at("intro"), 8);
  EXPECT_EQ(*(*examples)[0].submission_id, s.id);
  EXPECT_NE(*store().GetGradedAnswersVersion(a.id), before);

  // A second override replaces the first one's example; a redelivered job changes nothing.
  ASSERT_TRUE(store().OverrideGrade(OverrideFor(s.id, 2, clock_.Now())).ok());
  examples = store().ListGradedAnswers(a.id);
  ASSERT_EQ(examples->size(), 1u);
  EXPECT_EQ((*examples)[0].points.at("intro"), 2);
  EXPECT_EQ(*store().SaveGrade(GradeFor(s.id, 9)), SaveGradeOutcome::kAlreadyGraded);
  EXPECT_DOUBLE_EQ(store().GetGrade(s.id)->result.score, 32);
}

TEST_P(StoreContract, AnOverrideGradesASubmissionThatFailedOrWaits) {
  Assignment a = MakeAssignment();
  Submission failed = MakeSubmission(a.id);
  ASSERT_TRUE(store().MarkFailed(failed.id, "the model's reply was unusable", clock_.Now()).ok());
  ASSERT_TRUE(store().OverrideGrade(OverrideFor(failed.id, 4, clock_.Now())).ok());
  auto sub = store().GetSubmission(failed.id);
  EXPECT_EQ(sub->status, SubmissionStatus::kDone);
  EXPECT_EQ(store().GetGrade(failed.id)->provenance.parameters["overrides"], nullptr);
  Submission queued = MakeSubmission(a.id);
  ASSERT_TRUE(store().OverrideGrade(OverrideFor(queued.id, 4, clock_.Now())).ok());
  // The job still queued for it finds the submission final.
  EXPECT_EQ(store().MarkGrading(queued.id, clock_.Now()).code(), StatusCode::kFailedPrecondition);
  EXPECT_EQ(store().OverrideGrade(OverrideFor(SubmissionId(999), 1, clock_.Now())).code(),
            StatusCode::kNotFound);
}

TEST_P(StoreContract, ANewerRubricVersionReplacesTheGrade) {
  Assignment a = MakeAssignment();
  Submission s = MakeSubmission(a.id);
  ASSERT_TRUE(store().SaveGrade(GradeFor(s.id, 5, 1)).ok());
  EXPECT_EQ(*store().SaveGrade(GradeFor(s.id, 8, 2)), SaveGradeOutcome::kWritten);
  EXPECT_EQ(*store().SaveGrade(GradeFor(s.id, 1, 1)), SaveGradeOutcome::kAlreadyGraded);
  EXPECT_DOUBLE_EQ(store().GetGrade(s.id)->result.score, 28);
  EXPECT_EQ(store().GetGrade(s.id)->rubric_version, 2);
}

TEST_P(StoreContract, AFinishedSubmissionNeverFlipsToError) {
  Assignment a = MakeAssignment();
  Submission s = MakeSubmission(a.id);
  ASSERT_TRUE(store().SaveGrade(GradeFor(s.id, 5)).ok());
  EXPECT_EQ(store().MarkFailed(s.id, "late failure", clock_.Now()).code(),
            StatusCode::kFailedPrecondition);
  EXPECT_EQ(store().MarkGrading(s.id, clock_.Now()).code(), StatusCode::kFailedPrecondition);
  EXPECT_EQ(store().MarkRetrying(s.id, "x", clock_.Now()).code(), StatusCode::kFailedPrecondition);
  EXPECT_EQ(store().GetSubmission(s.id)->status, SubmissionStatus::kDone);
  EXPECT_EQ(store().MarkGrading(SubmissionId(999), clock_.Now()).code(), StatusCode::kNotFound);
}

TEST_P(StoreContract, StatusMovesAndKeepsTheReason) {
  Assignment a = MakeAssignment();
  Submission s = MakeSubmission(a.id);
  ASSERT_TRUE(store().MarkGrading(s.id, clock_.Now()).ok());
  EXPECT_EQ(store().GetSubmission(s.id)->status, SubmissionStatus::kGrading);
  EXPECT_EQ(store().GetSubmission(s.id)->attempts, 1);
  ASSERT_TRUE(store().MarkRetrying(s.id, "endpoint down", clock_.Now()).ok());
  EXPECT_EQ(store().GetSubmission(s.id)->status, SubmissionStatus::kQueued);
  EXPECT_EQ(store().GetSubmission(s.id)->error, "endpoint down");
  ASSERT_TRUE(store().MarkFailed(s.id, "gave up", clock_.Now()).ok());
  EXPECT_EQ(store().GetSubmission(s.id)->status, SubmissionStatus::kError);
  EXPECT_EQ(store().GetSubmission(s.id)->error, "gave up");
  EXPECT_EQ(*store().Requeue({s.id}, clock_.Now()), 1);
  EXPECT_EQ(store().GetSubmission(s.id)->status, SubmissionStatus::kQueued);
  EXPECT_EQ(store().GetSubmission(s.id)->error, "");
}

TEST_P(StoreContract, ListsSubmissionsNewestFirstWithScores) {
  Assignment a = MakeAssignment();
  Submission s1 = MakeSubmission(a.id);
  clock_.Advance(1s);
  Submission s2 = MakeSubmission(a.id);
  ASSERT_TRUE(store().SaveGrade(GradeFor(s1.id, 4)).ok());
  auto list = store().ListSubmissions(a.id, 10, 0);
  ASSERT_TRUE(list.ok());
  ASSERT_EQ(list->size(), 2u);
  EXPECT_EQ((*list)[0].id, s2.id);
  EXPECT_FALSE((*list)[0].score.has_value());
  EXPECT_TRUE((*list)[0].text.empty());  // lists leave the (possibly large) text out
  EXPECT_DOUBLE_EQ(*(*list)[1].score, 24);
  EXPECT_TRUE(store().ListSubmissions(AssignmentId(999), 10, 0)->empty());
}

TEST_P(StoreContract, ListsUnfinishedPageByPage) {
  Assignment a = MakeAssignment();
  std::vector<SubmissionId> ids;
  for (int i = 0; i < 5; ++i) ids.push_back(MakeSubmission(a.id).id);
  ASSERT_TRUE(store().SaveGrade(GradeFor(ids[1], 1)).ok());
  // Nothing is stale yet.
  EXPECT_TRUE(store().ListUnfinished(clock_.Now(), SubmissionId(), 10)->empty());
  clock_.Advance(10s);
  auto page1 = store().ListUnfinished(clock_.Now(), SubmissionId(), 2);
  ASSERT_EQ(page1->size(), 2u);
  EXPECT_EQ((*page1)[0], ids[0]);
  EXPECT_EQ((*page1)[1], ids[2]);
  auto page2 = store().ListUnfinished(clock_.Now(), page1->back(), 2);
  ASSERT_EQ(page2->size(), 2u);
  EXPECT_EQ((*page2)[1], ids[4]);
  auto counts = store().CountSubmissionsByStatus();
  EXPECT_EQ(counts->queued, 4);
  EXPECT_EQ(counts->done, 1);
}

TEST_P(StoreContract, DataSurvivesAReopen) {
  Assignment a = MakeAssignment();
  Submission s = MakeSubmission(a.id);
  ASSERT_TRUE(store().SaveGrade(GradeFor(s.id, 3)).ok());
  impl_->Reopen();
  EXPECT_EQ(store().GetAssignment(a.id)->title, "Essay");
  EXPECT_EQ(store().GetSubmission(s.id)->status, SubmissionStatus::kDone);
  EXPECT_DOUBLE_EQ(store().GetGrade(s.id)->result.score, 23);
}

TEST_P(StoreContract, PingAnswers) { EXPECT_TRUE(store().Ping().ok()); }

INSTANTIATE_TEST_SUITE_P(
    Adapters, StoreContract,
    ::testing::Values(
        Factory([] { return std::unique_ptr<StoreUnderTest>(new SqliteStoreUnderTest()); }),
        Factory([] { return std::unique_ptr<StoreUnderTest>(new MysqlStoreUnderTest()); })),
    AdapterName);

// ---- Accounts (the AccountStore port, on the same adapters) ----

class AccountStoreContract : public ::testing::TestWithParam<Factory> {
 protected:
  void SetUp() override { impl_ = GetParam()(); }
  AccountStore& accounts() { return impl_->accounts(); }
  Store& store() { return impl_->store(); }
  User MakeUser(const std::string& email, Role role = Role::kStudent) {
    auto u = accounts().CreateUser({email, "Name", role, "$argon2id$fake"}, clock_.Now());
    EXPECT_TRUE(u.ok()) << u.status().ToString();
    return u.ok() ? *u : User{};
  }
  NewRefreshToken Token(UserId user, const std::string& hash, const std::string& family) {
    return {user, hash, family, clock_.Now() + 1h};
  }
  ManualClock clock_;
  std::unique_ptr<StoreUnderTest> impl_;
};

TEST_P(AccountStoreContract, UsersAreUniqueByEmailAndKeepTheirFields) {
  User u = MakeUser("ada@example.edu", Role::kInstructor);
  EXPECT_EQ(accounts()
                .CreateUser({"ada@example.edu", "", Role::kStudent, ""}, clock_.Now())
                .status()
                .code(),
            StatusCode::kAlreadyExists);
  auto found = accounts().FindUserByEmail("ada@example.edu");
  ASSERT_TRUE(found.ok());
  EXPECT_EQ(found->id, u.id);
  EXPECT_EQ(found->role, Role::kInstructor);
  EXPECT_EQ(found->password_hash, "$argon2id$fake");
  EXPECT_FALSE(found->disabled());
  EXPECT_EQ(accounts().GetUser(UserId(999)).status().code(), StatusCode::kNotFound);
  EXPECT_EQ(accounts().FindUserByEmail("nobody@x").status().code(), StatusCode::kNotFound);
  MakeUser("bob@example.edu");
  EXPECT_EQ(accounts().CountUsers().value(), 2);
  auto list = accounts().ListUsers(10, 0).value();
  ASSERT_EQ(list.size(), 2u);
  EXPECT_EQ(list[0].email, "ada@example.edu");
  EXPECT_EQ(accounts().ListUsers(10, 1).value().size(), 1u);
}

TEST_P(AccountStoreContract, DisablingOrANewPasswordEndsEverySession) {
  User u = MakeUser("s@example.edu");
  ASSERT_TRUE(accounts().AddRefreshToken(Token(u.id, "h1", "f1"), clock_.Now()).ok());
  ASSERT_TRUE(accounts().AddRefreshToken(Token(u.id, "h2", "f2"), clock_.Now()).ok());
  UserChange rename;
  rename.name = "New name";
  rename.role = Role::kTa;
  User renamed = accounts().UpdateUser(u.id, rename, clock_.Now()).value();
  EXPECT_EQ(renamed.name, "New name");
  EXPECT_EQ(renamed.role, Role::kTa);
  EXPECT_FALSE(accounts().FindRefreshToken("h1")->revoked_at.has_value());
  UserChange disable;
  disable.disabled = true;
  EXPECT_TRUE(accounts().UpdateUser(u.id, disable, clock_.Now()).value().disabled());
  EXPECT_TRUE(accounts().FindRefreshToken("h1")->revoked_at.has_value());
  EXPECT_TRUE(accounts().FindRefreshToken("h2")->revoked_at.has_value());
  UserChange enable;
  enable.disabled = false;
  EXPECT_FALSE(accounts().UpdateUser(u.id, enable, clock_.Now()).value().disabled());
  ASSERT_TRUE(accounts().AddRefreshToken(Token(u.id, "h3", "f3"), clock_.Now()).ok());
  UserChange password;
  password.password_hash = "$argon2id$other";
  clock_.Advance(5s);
  const User changed = accounts().UpdateUser(u.id, password, clock_.Now()).value();
  EXPECT_EQ(changed.password_hash, "$argon2id$other");
  EXPECT_EQ(changed.sessions_valid_after, clock_.Now());
  EXPECT_EQ(accounts().GetUser(u.id)->sessions_valid_after, clock_.Now());
  EXPECT_TRUE(accounts().FindRefreshToken("h3")->revoked_at.has_value());
}

TEST_P(AccountStoreContract, ARefreshTokenRotatesOnceAndItsFamilyIsRevokedTogether) {
  User u = MakeUser("s@example.edu");
  ASSERT_TRUE(accounts().AddRefreshToken(Token(u.id, "a", "fam"), clock_.Now()).ok());
  auto a = accounts().FindRefreshToken("a").value();
  EXPECT_EQ(a.user_id, u.id);
  EXPECT_EQ(a.family, "fam");
  ASSERT_TRUE(accounts().RotateRefreshToken(a.id, Token(u.id, "b", "fam"), clock_.Now()).ok());
  EXPECT_TRUE(accounts().FindRefreshToken("a")->revoked_at.has_value());
  // A second rotation of the same token is a replay: refused, nothing added.
  EXPECT_EQ(accounts().RotateRefreshToken(a.id, Token(u.id, "c", "fam"), clock_.Now()).code(),
            StatusCode::kFailedPrecondition);
  EXPECT_EQ(accounts().FindRefreshToken("c").status().code(), StatusCode::kNotFound);
  ASSERT_TRUE(accounts().AddRefreshToken(Token(u.id, "other", "fam2"), clock_.Now()).ok());
  ASSERT_TRUE(accounts().RevokeRefreshFamily("fam", clock_.Now()).ok());
  EXPECT_TRUE(accounts().FindRefreshToken("b")->revoked_at.has_value());
  EXPECT_FALSE(accounts().FindRefreshToken("other")->revoked_at.has_value());
}

TEST_P(AccountStoreContract, CoursesEnrollmentsAndTheirAssignments) {
  User teacher = MakeUser("t@example.edu", Role::kInstructor);
  User student = MakeUser("s@example.edu");
  Course c = accounts().CreateCourse("CS101", "Intro", clock_.Now()).value();
  EXPECT_EQ(accounts().CreateCourse("CS101", "Again", clock_.Now()).status().code(),
            StatusCode::kAlreadyExists);
  Course other = accounts().CreateCourse("CS102", "Next", clock_.Now()).value();
  EXPECT_EQ(accounts().GetCourse(c.id)->title, "Intro");
  EXPECT_EQ(accounts().ListCourses(10, 0)->size(), 2u);
  ASSERT_TRUE(accounts().Enroll(c.id, teacher.id, CourseRole::kInstructor, clock_.Now()).ok());
  ASSERT_TRUE(accounts().Enroll(c.id, student.id, CourseRole::kTa, clock_.Now()).ok());
  // Enrolling again changes the role.
  auto again = accounts().Enroll(c.id, student.id, CourseRole::kStudent, clock_.Now());
  ASSERT_TRUE(again.ok());
  EXPECT_EQ(again->email, "s@example.edu");
  EXPECT_EQ(accounts().GetEnrollment(c.id, student.id).value(), CourseRole::kStudent);
  EXPECT_FALSE(accounts().GetEnrollment(other.id, student.id).value().has_value());
  EXPECT_EQ(accounts()
                .Enroll(CourseId(999), student.id, CourseRole::kStudent, clock_.Now())
                .status()
                .code(),
            StatusCode::kNotFound);
  EXPECT_EQ(
      accounts().Enroll(c.id, UserId(999), CourseRole::kStudent, clock_.Now()).status().code(),
      StatusCode::kNotFound);
  auto members = accounts().ListEnrollments(c.id).value();
  ASSERT_EQ(members.size(), 2u);
  EXPECT_EQ(members[1].role, CourseRole::kStudent);
  auto mine = accounts().ListMemberships(student.id).value();
  ASSERT_EQ(mine.size(), 1u);
  EXPECT_EQ(mine[0].course.code, "CS101");

  NewAssignment in_course;
  in_course.title = "In the course";
  in_course.rubric_json = Json::parse(R"({"c": {"description": "d", "max_points": 1}})");
  in_course.course_id = c.id;
  Assignment a = store().CreateAssignment(in_course, clock_.Now()).value();
  EXPECT_EQ(store().GetAssignment(a.id)->course_id, c.id);
  NewAssignment loose = in_course;
  loose.course_id.reset();
  store().CreateAssignment(loose, clock_.Now()).value();
  NewAssignment missing = in_course;
  missing.course_id = CourseId(999);
  EXPECT_EQ(store().CreateAssignment(missing, clock_.Now()).status().code(), StatusCode::kNotFound);
  auto listed = store().ListCourseAssignments({c.id, other.id}, 10, 0).value();
  ASSERT_EQ(listed.size(), 1u);
  EXPECT_EQ(listed[0].id, a.id);
  EXPECT_TRUE(store().ListCourseAssignments({}, 10, 0)->empty());

  EXPECT_FALSE(store().GetAssignment(a.id)->grades_released_at.has_value());
  ASSERT_TRUE(store().SetGradesReleased(a.id, true, clock_.Now()).ok());
  EXPECT_TRUE(store().GetAssignment(a.id)->grades_released_at.has_value());
  ASSERT_TRUE(store().SetGradesReleased(a.id, false, clock_.Now()).ok());
  EXPECT_FALSE(store().GetAssignment(a.id)->grades_released_at.has_value());
  EXPECT_EQ(store().SetGradesReleased(AssignmentId(999), true, clock_.Now()).code(),
            StatusCode::kNotFound);

  NewSubmission mine_sub{a.id, "s@example.edu", "a.txt", "k", "h", "text", student.id};
  NewSubmission staff_sub{a.id, "someone", "b.txt", "k", "h", "text"};
  auto created = store().CreateSubmission(mine_sub, clock_.Now()).value();
  EXPECT_EQ(created.submission.user_id, student.id);
  store().CreateSubmission(staff_sub, clock_.Now()).value();
  EXPECT_EQ(store().GetSubmission(created.submission.id)->user_id, student.id);
  auto own = store().ListUserSubmissions(a.id, student.id, 10, 0).value();
  ASSERT_EQ(own.size(), 1u);
  EXPECT_EQ(own[0].id, created.submission.id);
  EXPECT_EQ(store().ListSubmissions(a.id, 10, 0)->size(), 2u);
}

TEST_P(AccountStoreContract, ApiKeysAreFoundByHashAndRevokedPerCourse) {
  User teacher = MakeUser("t@example.edu", Role::kInstructor);
  Course c = accounts().CreateCourse("CS101", "Intro", clock_.Now()).value();
  Course other = accounts().CreateCourse("CS102", "Next", clock_.Now()).value();
  ApiKey k = accounts().CreateApiKey(teacher.id, c.id, "ci", "keyhash", clock_.Now()).value();
  auto found = accounts().FindApiKey("keyhash").value();
  EXPECT_EQ(found.id, k.id);
  EXPECT_EQ(found.course_id, c.id);
  EXPECT_EQ(found.user_id, teacher.id);
  EXPECT_FALSE(found.revoked_at.has_value());
  EXPECT_EQ(accounts().FindApiKey("nope").status().code(), StatusCode::kNotFound);
  EXPECT_EQ(accounts().RevokeApiKey(other.id, k.id, clock_.Now()).code(), StatusCode::kNotFound);
  ASSERT_TRUE(accounts().RevokeApiKey(c.id, k.id, clock_.Now()).ok());
  ASSERT_TRUE(accounts().RevokeApiKey(c.id, k.id, clock_.Now()).ok());
  EXPECT_TRUE(accounts().FindApiKey("keyhash")->revoked_at.has_value());
  EXPECT_EQ(accounts().ListApiKeys(c.id)->size(), 1u);
  EXPECT_TRUE(accounts().ListApiKeys(other.id)->empty());
}

TEST_P(AccountStoreContract, TheAuditLogListsNewestFirst) {
  for (int i = 0; i < 3; ++i) {
    AuditEntry e;
    e.actor = "user:1";
    e.action = "action" + std::to_string(i);
    e.entity = "user";
    e.entity_id = std::to_string(i);
    e.detail = Json{{"n", i}};
    e.created_at = clock_.Now();
    ASSERT_TRUE(accounts().AppendAudit(e).ok());
  }
  auto entries = accounts().ListAudit(2, 0).value();
  ASSERT_EQ(entries.size(), 2u);
  EXPECT_EQ(entries[0].action, "action2");
  EXPECT_EQ(entries[0].detail["n"], 2);
  EXPECT_EQ(accounts().ListAudit(10, 2)->front().action, "action0");
}

INSTANTIATE_TEST_SUITE_P(
    Adapters, AccountStoreContract,
    ::testing::Values(
        Factory([] { return std::unique_ptr<StoreUnderTest>(new SqliteStoreUnderTest()); }),
        Factory([] { return std::unique_ptr<StoreUnderTest>(new MysqlStoreUnderTest()); })),
    AdapterName);

TEST(SqliteDbTest, RefusesADatabaseNewerThanTheBinary) {
  testing::TempDir dir;
  auto db = std::move(SqliteDb::Open({dir.File("t.db")}).value());
  ASSERT_TRUE(db->Migrate(SqliteMigrations()).ok());
  ASSERT_TRUE(db->Write([](SqliteConn& c) {
                  return c.Exec("INSERT INTO schema_migrations VALUES (9999, 'future', 0)");
                }).ok());
  auto again = db->Migrate(SqliteMigrations());
  ASSERT_FALSE(again.ok());
  EXPECT_EQ(again.status().code(), StatusCode::kFailedPrecondition);
}

TEST(SqliteDbTest, MigrationsAreAppliedOnce) {
  testing::TempDir dir;
  auto db = std::move(SqliteDb::Open({dir.File("t.db")}).value());
  auto v1 = db->Migrate(SqliteMigrations());
  ASSERT_TRUE(v1.ok()) << v1.status().ToString();
  auto v2 = db->Migrate(SqliteMigrations());
  ASSERT_TRUE(v2.ok());
  EXPECT_EQ(*v1, *v2);
  EXPECT_EQ(*v1, SqliteMigrations().back().version);
}

int CountCourses(SqliteDb& db) {
  int rows = -1;
  (void)db.Read([&](SqliteConn& c) -> Status {
    ASSIGN_OR_RETURN(auto st, c.Prepare("SELECT COUNT(*) FROM courses"));
    ASSIGN_OR_RETURN(bool row, st.Step());
    if (row) rows = static_cast<int>(st.Int(0));
    return OkStatus();
  });
  return rows;
}

std::function<Status(SqliteConn&)> InsertCourse(std::string code) {
  return [code](SqliteConn& c) -> Status {
    ASSIGN_OR_RETURN(auto st,
                     c.Prepare("INSERT INTO courses(code, title, created_at) VALUES (?, 't', 0)"));
    return st.Bind(1, code).Run();
  };
}

TEST(SqliteDbTest, ABatchFailsWriteByWrite) {
  testing::TempDir dir;
  auto db = std::move(SqliteDb::Open({dir.File("t.db")}).value());
  ASSERT_TRUE(db->Migrate(SqliteMigrations()).ok());
  std::vector<std::function<Status(SqliteConn&)>> writes = {
      InsertCourse("a"),
      [](SqliteConn& c) -> Status {  // changes something, then fails: only its change goes
        RETURN_IF_ERROR(InsertCourse("b")(c));
        return AbortedError("no");
      },
      [](SqliteConn&) -> Status { throw std::runtime_error("bug"); },
      InsertCourse("a"),  // violates UNIQUE(code)
      InsertCourse("c")};
  std::vector<Status> statuses = db->WriteBatch(writes);
  ASSERT_EQ(statuses.size(), 5u);
  EXPECT_TRUE(statuses[0].ok());
  EXPECT_EQ(statuses[1].code(), StatusCode::kAborted);
  EXPECT_EQ(statuses[2].code(), StatusCode::kInternal);
  EXPECT_NE(statuses[2].message().find("bug"), std::string::npos);
  EXPECT_EQ(statuses[3].code(), StatusCode::kFailedPrecondition);
  EXPECT_TRUE(statuses[4].ok());
  EXPECT_EQ(CountCourses(*db), 2);  // a and c
  // The writer is usable afterwards.
  EXPECT_TRUE(db->Write(InsertCourse("d")).ok());
  EXPECT_EQ(CountCourses(*db), 3);
}

TEST(SqliteDbTest, ConcurrentWritersAllCommit) {
  testing::TempDir dir;
  auto db = std::move(SqliteDb::Open({dir.File("t.db")}).value());
  ASSERT_TRUE(db->Migrate(SqliteMigrations()).ok());
  std::vector<std::thread> threads;
  std::atomic<int> failures{0};
  for (int t = 0; t < 8; ++t) {
    threads.emplace_back([&, t] {
      for (int i = 0; i < 50; ++i) {
        if (!db->Write(InsertCourse(std::to_string(t) + "-" + std::to_string(i))).ok()) ++failures;
      }
    });
  }
  for (auto& t : threads) t.join();
  EXPECT_EQ(failures.load(), 0);
  EXPECT_EQ(CountCourses(*db), 400);
}

TEST(SqliteDbTest, AThrowingReadGivesItsConnectionBack) {
  testing::TempDir dir;
  SqliteOptions options{dir.File("t.db")};
  options.max_readers = 2;
  auto db = std::move(SqliteDb::Open(options).value());
  ASSERT_TRUE(db->Migrate(SqliteMigrations()).ok());
  for (int i = 0; i < 5; ++i) {
    EXPECT_THROW((void)db->Read([](SqliteConn&) -> Status { throw std::runtime_error("bug"); }),
                 std::runtime_error);
  }
  EXPECT_EQ(CountCourses(*db), 0);  // would wait forever if readers had leaked
}

TEST(SqliteDbTest, AFailedWriteRollsBack) {
  testing::TempDir dir;
  auto db = std::move(SqliteDb::Open({dir.File("t.db")}).value());
  ASSERT_TRUE(db->Migrate(SqliteMigrations()).ok());
  Status s = db->Write([](SqliteConn& c) -> Status {
    RETURN_IF_ERROR(c.Exec("INSERT INTO courses(code, title, created_at) VALUES ('c', 't', 0)"));
    return AbortedError("changed my mind");
  });
  EXPECT_EQ(s.code(), StatusCode::kAborted);
  int rows = -1;
  ASSERT_TRUE(db->Read([&](SqliteConn& c) -> Status {
                  ASSIGN_OR_RETURN(auto st, c.Prepare("SELECT COUNT(*) FROM courses"));
                  ASSIGN_OR_RETURN(bool row, st.Step());
                  if (row) rows = static_cast<int>(st.Int(0));
                  return OkStatus();
                }).ok());
  EXPECT_EQ(rows, 0);
}

}  // namespace
}  // namespace ag
