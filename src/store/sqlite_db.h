// A SQLite database shared by the embedded adapters (store and job queue): one writer
// connection behind a mutex, so that in-process writers queue here instead of meeting
// SQLITE_BUSY, a small pool of reader connections (WAL lets them read while one writes), cached
// prepared statements, numbered migrations, and a change signal the job queue waits on.
#pragma once

#include <sqlite3.h>

#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <deque>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <thread>
#include <unordered_map>
#include <vector>

#include "core/status.h"
#include "store/migration.h"

namespace ag {

struct SqliteOptions {
  std::string path;  // a file, or ":memory:" (then one connection serves all)
  // Page size of a new database (an existing one keeps its own). Small pages suit tables that
  // take random inserts: every commit writes each page it touched to the WAL.
  int page_size = 4096;
  bool synchronous_full = false;  // SQLITE_SYNCHRONOUS=full; default normal (see README)
  int busy_timeout_ms = 5000;     // waiting on another process's lock
  int max_readers = 4;            // reader connections
  int writer_cache_kib = 2048;    // page cache of the writer connection
  int reader_cache_kib = 512;     // page cache of each reader (the OS caches the file too)
  // A background thread checkpoints the WAL this often (PASSIVE: it waits for nobody), so that
  // no commit pays for a checkpoint's writes and fsync; they stalled one commit in a hundred by
  // ~10 ms. Under a steady stream of writes a passive checkpoint never catches up with the last
  // frame, so the WAL would never start over: past restart_after_frames the thread runs a
  // RESTART checkpoint, which holds writers back only while it copies the last frames and syncs.
  // SQLite's own checkpoint stays as a backstop. A zero interval leaves it all to SQLite.
  std::chrono::milliseconds checkpoint_interval{250};
  int restart_after_frames = 16384;       // 64 MiB of 4 KiB pages
  int checkpoint_backstop_pages = 50000;  // ~200 MiB
};

// The one place SQLite result codes become Status values.
Status SqliteStatus(int rc, sqlite3* db, std::string_view context);

// A prepared statement borrowed from a connection's cache; reset and unbound when destroyed.
class Stmt {
 public:
  Stmt(sqlite3_stmt* stmt, sqlite3* db) : stmt_(stmt), db_(db) {}
  Stmt(Stmt&& other) noexcept : stmt_(other.stmt_), db_(other.db_) { other.stmt_ = nullptr; }
  Stmt(const Stmt&) = delete;
  Stmt& operator=(const Stmt&) = delete;
  ~Stmt();

  // Parameters are numbered from 1.
  Stmt& Bind(int i, std::int64_t v);
  Stmt& Bind(int i, int v) { return Bind(i, static_cast<std::int64_t>(v)); }
  Stmt& Bind(int i, double v);
  Stmt& Bind(int i, std::string_view v);
  Stmt& Bind(int i, const std::string& v) { return Bind(i, std::string_view(v)); }
  Stmt& Bind(int i, const char* v) { return Bind(i, std::string_view(v)); }
  Stmt& BindNull(int i);
  // Binary data (not text).
  Stmt& BindBlob(int i, std::string_view bytes);

  // True when a row is available, false when done.
  Result<bool> Step();
  // Runs to completion, expecting no rows; the statement is then ready to be bound again.
  Status Run();
  // Ready to be bound and stepped again after rows were read.
  void Reset() { sqlite3_reset(stmt_); }

  // Columns are numbered from 0.
  std::int64_t Int(int col) const { return sqlite3_column_int64(stmt_, col); }
  double Real(int col) const { return sqlite3_column_double(stmt_, col); }
  std::string Text(int col) const;
  std::string Blob(int col) const;
  bool IsNull(int col) const { return sqlite3_column_type(stmt_, col) == SQLITE_NULL; }

 private:
  sqlite3_stmt* stmt_;
  sqlite3* db_;
};

class SqliteConn {
 public:
  SqliteConn(sqlite3* db) : db_(db) {}
  ~SqliteConn();
  SqliteConn(const SqliteConn&) = delete;
  SqliteConn& operator=(const SqliteConn&) = delete;

  // The statement is compiled once per connection and reused.
  Result<Stmt> Prepare(std::string_view sql);
  // Several statements, no parameters.
  Status Exec(const char* sql);
  std::int64_t LastInsertId() const { return sqlite3_last_insert_rowid(db_); }
  int Changes() const { return sqlite3_changes(db_); }
  sqlite3* raw() { return db_; }

 private:
  // Looked up by string_view without building a string (C++20 heterogeneous lookup).
  struct Hash {
    using is_transparent = void;
    std::size_t operator()(std::string_view s) const { return std::hash<std::string_view>()(s); }
  };
  sqlite3* db_;
  std::unordered_map<std::string, sqlite3_stmt*, Hash, std::equal_to<>> cache_;
};

class SqliteDb {
 public:
  // Opens (creating the file and its directory if needed) and sets the pragmas.
  static Result<std::unique_ptr<SqliteDb>> Open(const SqliteOptions& options);
  ~SqliteDb();

  // Applies the migrations newer than the database's version, each in its own transaction.
  // FailedPrecondition when the database is newer than this binary. Returns the version.
  Result<int> Migrate(const std::vector<Migration>& migrations);
  Result<int> SchemaVersion();

  // Runs `fn` in a write transaction: its changes are committed when it returns OK (and the
  // commit succeeds), rolled back otherwise. Group commit: writers that arrive while one commits
  // wait, and the next of them commits them all in one transaction, each `fn` inside its own
  // savepoint, so that one's failure rolls back only its changes. A commit costs a write of every
  // page it touched to the WAL; sharing it is what lets many small writes per second through.
  Status Write(const std::function<Status(SqliteConn&)>& fn);
  // Several writes, each as by Write (its own savepoint, its own status), committed together
  // (in one transaction unless there are more than fit one batch): what concurrent Write calls
  // get from the group commit, asked for at once.
  std::vector<Status> WriteBatch(const std::vector<std::function<Status(SqliteConn&)>>& fns);
  // Runs `fn` on a reader connection. Each statement reads one consistent snapshot; `fn` that
  // needs several statements to agree must say so with its own transaction.
  Status Read(const std::function<Status(SqliteConn&)>& fn);

  // The job queue's wake-up: writers that add runnable work call NotifyWork(); a waiter reads
  // WorkGeneration() before it looks for work, and WaitForWork returns as soon as the
  // generation moved past that value, or at the deadline. Only this process's writes notify;
  // other processes' are found by polling.
  void NotifyWork();
  std::uint64_t WorkGeneration();
  void WaitForWork(std::uint64_t seen, std::chrono::steady_clock::time_point deadline);

  const SqliteOptions& options() const { return options_; }

 private:
  explicit SqliteDb(SqliteOptions options) : options_(std::move(options)) {}
  Result<std::unique_ptr<SqliteConn>> Connect(bool writer);
  Result<SqliteConn*> AcquireReader();
  void ReleaseReader(SqliteConn* conn);

  SqliteOptions options_;
  bool in_memory_ = false;

  struct Waiter {
    std::condition_variable cv;
  };
  struct PendingWrite {
    const std::function<Status(SqliteConn&)>* fn = nullptr;
    Waiter* waiter = nullptr;  // the thread that asked for it
    Status status;
    bool done = false;
  };
  // Queues `writes` (one caller's, contiguous) and returns when all are committed or failed;
  // the caller whose write is first in line leads the next batch.
  void RunWrites(std::vector<PendingWrite>& writes, Waiter& waiter);
  // Runs a batch of pending writes in one transaction and records each one's status.
  void CommitBatch(const std::vector<PendingWrite*>& batch);

  std::mutex write_mu_;  // guards writer_ (only the batch leader uses it)
  std::unique_ptr<SqliteConn> writer_;
  std::mutex queue_mu_;  // guards pending_
  std::deque<PendingWrite*> pending_;
  static constexpr std::size_t kMaxBatch = 64;

  std::mutex readers_mu_;
  std::condition_variable readers_cv_;
  std::vector<std::unique_ptr<SqliteConn>> readers_;
  std::vector<SqliteConn*> idle_readers_;

  std::mutex work_mu_;
  std::condition_variable work_cv_;
  std::uint64_t work_generation_ = 0;

  std::unique_ptr<SqliteConn> checkpointer_;
  std::jthread checkpoint_thread_;  // last: stops first
};

}  // namespace ag
