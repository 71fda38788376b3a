#include "store/sqlite_db.h"

#include <filesystem>

#include "core/thread_name.h"

namespace ag {

Status SqliteStatus(int rc, sqlite3* db, std::string_view context) {
  if (rc == SQLITE_OK || rc == SQLITE_DONE || rc == SQLITE_ROW) return OkStatus();
  std::string message(context);
  message += ": ";
  message += db ? sqlite3_errmsg(db) : sqlite3_errstr(rc);
  switch (rc & 0xff) {
    case SQLITE_BUSY:
    case SQLITE_LOCKED:
      return UnavailableError(std::move(message));
    case SQLITE_FULL:  // disk full: the server's trouble, retried later; never a client's 429
    case SQLITE_NOMEM:
      return UnavailableError(std::move(message));
    case SQLITE_CONSTRAINT:  // the same write would fail again: not retried
      return FailedPreconditionError(std::move(message));
    case SQLITE_CANTOPEN:
    case SQLITE_IOERR:
    case SQLITE_READONLY:
    case SQLITE_PERM:
      return UnavailableError(std::move(message));
    default:
      return InternalError(std::move(message));
  }
}

// ---- Stmt ----

Stmt::~Stmt() {
  if (stmt_) {
    sqlite3_reset(stmt_);
    sqlite3_clear_bindings(stmt_);
  }
}

Stmt& Stmt::Bind(int i, std::int64_t v) {
  sqlite3_bind_int64(stmt_, i, v);
  return *this;
}
Stmt& Stmt::Bind(int i, double v) {
  sqlite3_bind_double(stmt_, i, v);
  return *this;
}
Stmt& Stmt::Bind(int i, std::string_view v) {
  // SQLITE_STATIC: the caller's buffer outlives the statement's execution.
  sqlite3_bind_text(stmt_, i, v.data(), static_cast<int>(v.size()), SQLITE_STATIC);
  return *this;
}
Stmt& Stmt::BindBlob(int i, std::string_view bytes) {
  sqlite3_bind_blob(stmt_, i, bytes.data(), static_cast<int>(bytes.size()), SQLITE_STATIC);
  return *this;
}

Stmt& Stmt::BindNull(int i) {
  sqlite3_bind_null(stmt_, i);
  return *this;
}

Result<bool> Stmt::Step() {
  const int rc = sqlite3_step(stmt_);
  if (rc == SQLITE_ROW) return true;
  if (rc == SQLITE_DONE) return false;
  return SqliteStatus(rc, db_, "sqlite step");
}

Status Stmt::Run() {
  for (;;) {
    ASSIGN_OR_RETURN(bool row, Step());
    if (!row) break;
  }
  // Ready to be bound and run again (binding a stepped statement is a misuse).
  sqlite3_reset(stmt_);
  return OkStatus();
}

std::string Stmt::Text(int col) const {
  const auto* p = reinterpret_cast<const char*>(sqlite3_column_text(stmt_, col));
  if (!p) return {};
  return std::string(p, static_cast<std::size_t>(sqlite3_column_bytes(stmt_, col)));
}

std::string Stmt::Blob(int col) const {
  const auto* p = static_cast<const char*>(sqlite3_column_blob(stmt_, col));
  if (!p) return {};
  return std::string(p, static_cast<std::size_t>(sqlite3_column_bytes(stmt_, col)));
}

// ---- SqliteConn ----

SqliteConn::~SqliteConn() {
  for (auto& [sql, stmt] : cache_) sqlite3_finalize(stmt);
  sqlite3_close_v2(db_);
}

Result<Stmt> SqliteConn::Prepare(std::string_view sql) {
  auto it = cache_.find(sql);
  if (it == cache_.end()) {
    sqlite3_stmt* stmt = nullptr;
    const int rc = sqlite3_prepare_v3(db_, sql.data(), static_cast<int>(sql.size()),
                                      SQLITE_PREPARE_PERSISTENT, &stmt, nullptr);
    if (rc != SQLITE_OK) return SqliteStatus(rc, db_, "sqlite prepare");
    it = cache_.emplace(std::string(sql), stmt).first;
  }
  return Stmt(it->second, db_);
}

Status SqliteConn::Exec(const char* sql) {
  char* err = nullptr;
  const int rc = sqlite3_exec(db_, sql, nullptr, nullptr, &err);
  if (rc != SQLITE_OK) {
    std::string message = err ? err : sqlite3_errstr(rc);
    sqlite3_free(err);
    Status s = SqliteStatus(rc, nullptr, "sqlite exec");
    return Status(s.code(), "sqlite exec: " + message);
  }
  return OkStatus();
}

// ---- SqliteDb ----

Result<std::unique_ptr<SqliteDb>> SqliteDb::Open(const SqliteOptions& options) {
  std::unique_ptr<SqliteDb> db(new SqliteDb(options));
  db->in_memory_ = options.path == ":memory:" || options.path.empty();
  if (!db->in_memory_) {
    std::error_code ec;
    const auto parent = std::filesystem::path(options.path).parent_path();
    if (!parent.empty()) std::filesystem::create_directories(parent, ec);
    if (ec) {
      return UnavailableError("cannot create directory " + parent.string() + ": " + ec.message());
    }
  }
  ASSIGN_OR_RETURN(db->writer_, db->Connect(/*writer=*/true));
  if (!db->in_memory_ && options.checkpoint_interval.count() > 0) {
    ASSIGN_OR_RETURN(db->checkpointer_, db->Connect(/*writer=*/false));
    SqliteDb* self = db.get();
    db->checkpoint_thread_ = std::jthread([self](std::stop_token stop) {
      NameThisThread("ag-checkpoint");
      std::mutex mu;
      std::condition_variable_any cv;
      while (!stop.stop_requested()) {
        {
          std::unique_lock lock(mu);
          cv.wait_for(lock, stop, self->options_.checkpoint_interval, [] { return false; });
        }
        if (stop.stop_requested()) break;
        // PASSIVE: copies what it can without waiting for readers or blocking writers.
        int frames = 0;
        sqlite3_wal_checkpoint_v2(self->checkpointer_->raw(), nullptr, SQLITE_CHECKPOINT_PASSIVE,
                                  &frames, nullptr);
        if (frames >= self->options_.restart_after_frames) {
          sqlite3_wal_checkpoint_v2(self->checkpointer_->raw(), nullptr, SQLITE_CHECKPOINT_RESTART,
                                    nullptr, nullptr);
        }
      }
    });
  }
  return db;
}

SqliteDb::~SqliteDb() = default;

Result<std::unique_ptr<SqliteConn>> SqliteDb::Connect(bool writer) {
  sqlite3* raw = nullptr;
  const int flags = SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX;
  const std::string path = in_memory_ ? ":memory:" : options_.path;
  const int rc = sqlite3_open_v2(path.c_str(), &raw, flags, nullptr);
  if (rc != SQLITE_OK) {
    Status s = SqliteStatus(rc, raw, "cannot open database " + path);
    sqlite3_close_v2(raw);
    return s;
  }
  auto conn = std::make_unique<SqliteConn>(raw);
  sqlite3_busy_timeout(raw, options_.busy_timeout_ms);
  sqlite3_extended_result_codes(raw, 1);
  std::string pragmas =
      "PRAGMA foreign_keys=ON; PRAGMA temp_store=MEMORY; PRAGMA cache_size=-" +
      std::to_string(writer ? options_.writer_cache_kib : options_.reader_cache_kib) + ";";
  if (writer && !in_memory_) {
    // Takes effect only while the file is empty, i.e. when the database is created.
    pragmas +=
        "PRAGMA page_size=" + std::to_string(options_.page_size) + "; PRAGMA journal_mode=WAL;";
    if (options_.checkpoint_interval.count() > 0) {
      pragmas += "PRAGMA wal_autocheckpoint=" + std::to_string(options_.checkpoint_backstop_pages) +
                 "; PRAGMA journal_size_limit=" + std::to_string(64 << 20) + ";";
    }
  }
  pragmas += options_.synchronous_full ? "PRAGMA synchronous=FULL;" : "PRAGMA synchronous=NORMAL;";
  RETURN_IF_ERROR(conn->Exec(pragmas.c_str()).WithContext("cannot configure database " + path));
  return conn;
}

Result<SqliteConn*> SqliteDb::AcquireReader() {
  std::unique_lock lock(readers_mu_);
  for (;;) {
    if (!idle_readers_.empty()) {
      SqliteConn* c = idle_readers_.back();
      idle_readers_.pop_back();
      return c;
    }
    if (static_cast<int>(readers_.size()) < options_.max_readers) {
      ASSIGN_OR_RETURN(auto conn, Connect(/*writer=*/false));
      readers_.push_back(std::move(conn));
      return readers_.back().get();
    }
    readers_cv_.wait(lock);
  }
}

void SqliteDb::ReleaseReader(SqliteConn* conn) {
  {
    std::lock_guard lock(readers_mu_);
    idle_readers_.push_back(conn);
  }
  readers_cv_.notify_one();
}

Status SqliteDb::Write(const std::function<Status(SqliteConn&)>& fn) {
  Waiter waiter;
  std::vector<PendingWrite> writes(1);
  writes[0].fn = &fn;
  writes[0].waiter = &waiter;
  RunWrites(writes, waiter);
  return writes[0].status;
}

std::vector<Status> SqliteDb::WriteBatch(
    const std::vector<std::function<Status(SqliteConn&)>>& fns) {
  Waiter waiter;
  std::vector<PendingWrite> writes(fns.size());
  for (std::size_t i = 0; i < fns.size(); ++i) {
    writes[i].fn = &fns[i];
    writes[i].waiter = &waiter;
  }
  RunWrites(writes, waiter);
  std::vector<Status> out;
  out.reserve(writes.size());
  for (auto& w : writes) out.push_back(std::move(w.status));
  return out;
}

void SqliteDb::RunWrites(std::vector<PendingWrite>& writes, Waiter& waiter) {
  if (writes.empty()) return;
  std::unique_lock lock(queue_mu_);
  for (auto& w : writes) pending_.push_back(&w);
  for (;;) {
    // Writes complete in queue order, so the last of ours done means all of ours are.
    waiter.cv.wait(lock, [&] { return writes.back().done || pending_.front()->waiter == &waiter; });
    if (writes.back().done) return;
    std::vector<PendingWrite*> batch;
    for (auto it = pending_.begin(); it != pending_.end() && batch.size() < kMaxBatch; ++it) {
      batch.push_back(*it);
    }
    lock.unlock();
    CommitBatch(batch);
    lock.lock();
    Waiter* last_notified = &waiter;
    for (PendingWrite* w : batch) {
      pending_.pop_front();
      w->done = true;
      if (w->waiter != last_notified) {
        w->waiter->cv.notify_one();
        last_notified = w->waiter;
      }
    }
    // The next leader (when it is not this caller, which loops on its own).
    if (!pending_.empty() && pending_.front()->waiter != &waiter) {
      pending_.front()->waiter->cv.notify_one();
    }
  }
}

void SqliteDb::CommitBatch(const std::vector<PendingWrite*>& batch) {
  std::lock_guard lock(write_mu_);
  SqliteConn& c = *writer_;
  auto run = [&c](const char* sql) -> Status {
    ASSIGN_OR_RETURN(auto stmt, c.Prepare(sql));
    return stmt.Run();
  };
  // A write that throws is a failed write, not a broken batch.
  auto call = [&c](PendingWrite* w) -> Status {
    try {
      return (*w->fn)(c);
    } catch (const std::exception& e) {
      return InternalError(std::string("database write threw: ") + e.what());
    }
  };
  // SQLite ended the whole transaction (disk full, I/O error): every write of the batch is lost,
  // the ones that had succeeded too.
  auto transaction_gone = [&c] { return sqlite3_get_autocommit(c.raw()) != 0; };
  auto all_lost = [&](const Status& cause) {
    const Status lost = (cause.ok() ? InternalError("transaction ended") : cause)
                            .WithContext("the write batch was rolled back");
    for (PendingWrite* w : batch) w->status = lost;
  };

  if (Status begin = run("BEGIN IMMEDIATE"); !begin.ok()) {
    for (PendingWrite* w : batch) w->status = begin;
    return;
  }
  if (batch.size() == 1) {
    batch[0]->status = call(batch[0]);
  } else {
    for (PendingWrite* w : batch) {
      Status s = run("SAVEPOINT batch_write");
      if (s.ok()) {
        s = call(w);
        if (!transaction_gone()) {
          if (s.ok()) {
            s = run("RELEASE batch_write");
            if (!s.ok() && !transaction_gone()) run("ROLLBACK TO batch_write").IgnoreError();
          } else {
            run("ROLLBACK TO batch_write").IgnoreError();
          }
          if (!transaction_gone()) run("RELEASE batch_write").IgnoreError();
        }
      }
      if (transaction_gone()) return all_lost(s);
      w->status = s;
    }
  }
  bool any_ok = false;
  for (PendingWrite* w : batch) any_ok = any_ok || w->status.ok();
  if (!any_ok) {
    if (!transaction_gone()) c.Exec("ROLLBACK").IgnoreError();
    return;
  }
  Status commit = run("COMMIT");
  if (!commit.ok()) {
    if (!transaction_gone()) c.Exec("ROLLBACK").IgnoreError();
    for (PendingWrite* w : batch) {
      if (w->status.ok()) w->status = commit;
    }
  }
}

Status SqliteDb::Read(const std::function<Status(SqliteConn&)>& fn) {
  if (in_memory_) {
    std::lock_guard lock(write_mu_);
    return fn(*writer_);
  }
  ASSIGN_OR_RETURN(SqliteConn * c, AcquireReader());
  // Returned even when `fn` throws: a lost reader would leave later reads waiting forever.
  struct Return {
    SqliteDb* db;
    SqliteConn* c;
    ~Return() { db->ReleaseReader(c); }
  } give_back{this, c};
  return fn(*c);
}

void SqliteDb::NotifyWork() {
  {
    std::lock_guard lock(work_mu_);
    ++work_generation_;
  }
  work_cv_.notify_all();  // a batch may add many jobs; idle workers look with a cheap read first
}

std::uint64_t SqliteDb::WorkGeneration() {
  std::lock_guard lock(work_mu_);
  return work_generation_;
}

void SqliteDb::WaitForWork(std::uint64_t seen, std::chrono::steady_clock::time_point deadline) {
  std::unique_lock lock(work_mu_);
  work_cv_.wait_until(lock, deadline, [&] { return work_generation_ != seen; });
}

Result<int> SqliteDb::SchemaVersion() {
  int version = 0;
  RETURN_IF_ERROR(Write([&](SqliteConn& c) -> Status {
    RETURN_IF_ERROR(
        c.Exec("CREATE TABLE IF NOT EXISTS schema_migrations ("
               " version INTEGER PRIMARY KEY, name TEXT NOT NULL, applied_at INTEGER NOT NULL)"));
    ASSIGN_OR_RETURN(auto stmt,
                     c.Prepare("SELECT COALESCE(MAX(version), 0) FROM schema_migrations"));
    ASSIGN_OR_RETURN(bool row, stmt.Step());
    if (row) version = static_cast<int>(stmt.Int(0));
    return OkStatus();
  }));
  return version;
}

Result<int> SqliteDb::Migrate(const std::vector<Migration>& migrations) {
  ASSIGN_OR_RETURN(int current, SchemaVersion());
  const int newest = migrations.empty() ? 0 : migrations.back().version;
  if (current > newest) {
    return FailedPreconditionError("database schema version " + std::to_string(current) +
                                   " is newer than this binary knows (" + std::to_string(newest) +
                                   "); upgrade autograder");
  }
  for (const Migration& m : migrations) {
    if (m.version <= current) continue;
    RETURN_IF_ERROR(Write([&](SqliteConn& c) -> Status {
      RETURN_IF_ERROR(c.Exec(m.sql).WithContext("migration " + std::string(m.name)));
      ASSIGN_OR_RETURN(auto stmt,
                       c.Prepare("INSERT INTO schema_migrations(version, name, applied_at) "
                                 "VALUES (?, ?, CAST(strftime('%s','now') AS INTEGER) * 1000)"));
      return stmt.Bind(1, m.version).Bind(2, m.name).Run();
    }));
    current = m.version;
  }
  return current;
}

}  // namespace ag
