// MySQL/MariaDB for the scaled-out Store (libmariadb, Connector/C): a pool of connections
// (MYSQL_POOL_SIZE), transactions retried on deadlocks, reconnection after a server restart, and
// statements with the same surface as SQLite's (store/sqlite_db.h), so that SqlStore runs on
// either.
//
// Values are substituted client-side, escaped by mysql_real_escape_string for the connection's
// character set (utf8mb4) and quoted; numbers are written exactly (%.17g). The text protocol
// costs no extra round trip per statement, as the binary protocol's prepare would.
#pragma once

#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/status.h"
#include "store/migration.h"

struct st_mysql;
struct st_mysql_res;

namespace ag {

struct MysqlOptions {
  std::string host = "127.0.0.1";
  int port = 3306;
  std::string user;
  std::string password;
  std::string database = "autograder";  // created when missing (the user may need the right)
  int pool_size = 10;                   // MYSQL_POOL_SIZE: connections at most
  std::chrono::seconds connect_timeout{5};
  std::chrono::seconds io_timeout{30};  // one statement's reply
  // How long a caller waits for a connection when all are in use.
  std::chrono::milliseconds acquire_timeout{30000};
};

class MysqlConn;

// One statement: placeholders `?` (outside quotes) numbered from 1, columns from 0.
class MysqlStmt {
 public:
  MysqlStmt(MysqlConn& conn, std::string_view sql);
  MysqlStmt(MysqlStmt&& other) noexcept;
  MysqlStmt(const MysqlStmt&) = delete;
  MysqlStmt& operator=(const MysqlStmt&) = delete;
  ~MysqlStmt();

  MysqlStmt& Bind(int i, std::int64_t v);
  MysqlStmt& Bind(int i, int v) { return Bind(i, static_cast<std::int64_t>(v)); }
  MysqlStmt& Bind(int i, double v);
  MysqlStmt& Bind(int i, std::string_view v);
  MysqlStmt& Bind(int i, const std::string& v) { return Bind(i, std::string_view(v)); }
  MysqlStmt& Bind(int i, const char* v) { return Bind(i, std::string_view(v)); }
  MysqlStmt& BindNull(int i);

  // Runs the statement on the first call; then true while a row is available.
  Result<bool> Step();
  // Runs it, discarding any rows; it may be bound and run again.
  Status Run();
  // Ready to be bound and stepped again.
  void Reset();

  std::int64_t Int(int col) const;
  double Real(int col) const;
  std::string Text(int col) const;
  bool IsNull(int col) const;

 private:
  Status Execute();
  void FreeResult();

  MysqlConn* conn_;
  std::vector<std::string> pieces_;                 // the SQL around the placeholders
  std::vector<std::optional<std::string>> values_;  // each placeholder's literal
  st_mysql_res* result_ = nullptr;
  char** row_ = nullptr;
  unsigned long* lengths_ = nullptr;
  bool executed_ = false;
};

class MysqlConn {
 public:
  explicit MysqlConn(st_mysql* mysql) : mysql_(mysql) {}
  ~MysqlConn();
  MysqlConn(const MysqlConn&) = delete;
  MysqlConn& operator=(const MysqlConn&) = delete;

  Result<MysqlStmt> Prepare(std::string_view sql) { return MysqlStmt(*this, sql); }
  // Runs SQL text without placeholders (several statements, separated by ';').
  Status Exec(std::string_view sql);
  std::int64_t LastInsertId() const;
  // Rows matched by the last UPDATE (CLIENT_FOUND_ROWS), inserted or deleted.
  int Changes() const;

  st_mysql* raw() { return mysql_; }
  // The error of the last call as a Status (see MysqlStatus).
  Status LastError(std::string_view context);
  bool broken() const { return broken_; }
  void mark_broken() { broken_ = true; }

 private:
  st_mysql* mysql_;
  bool broken_ = false;
};

// Pool usage, for the mysql_pool_connections gauge.
struct MysqlPoolUsage {
  int in_use = 0;
  int idle = 0;
  int size = 0;  // the most there may be
};

class MysqlDb {
 public:
  // Connects once (creating the database when missing) so that a bad setting fails at start.
  static Result<std::unique_ptr<MysqlDb>> Open(MysqlOptions options);
  ~MysqlDb();

  // Applies the migrations newer than the database's version, under a named lock so replicas
  // starting together apply each once. FailedPrecondition when the database is newer than this
  // binary. MySQL commits DDL as it goes: a migration that fails halfway is reported and must be
  // repaired by hand before a retry.
  Result<int> Migrate(const std::vector<Migration>& migrations);

  // Runs `fn` in a transaction, committed when it returns OK. A deadlock, a lock wait timeout or
  // a duplicate key (two transactions inserting the same row) rolls back and runs `fn` again,
  // up to 5 times.
  Status Write(const std::function<Status(MysqlConn&)>& fn);
  // Runs `fn` on a connection without a transaction; run again on a new connection when the
  // server went away (reads are safe to repeat).
  Status Read(const std::function<Status(MysqlConn&)>& fn);

  Status Ping();
  MysqlPoolUsage PoolUsage();
  const MysqlOptions& options() const { return options_; }

 private:
  explicit MysqlDb(MysqlOptions options) : options_(std::move(options)) {}
  Result<std::unique_ptr<MysqlConn>> Connect(bool with_database);
  Result<std::unique_ptr<MysqlConn>> Acquire();
  void Release(std::unique_ptr<MysqlConn> conn);

  MysqlOptions options_;
  std::mutex mu_;
  std::condition_variable cv_;
  std::vector<std::unique_ptr<MysqlConn>> idle_;
  int in_use_ = 0;
};

// The one place MySQL error numbers become Status values: the server or the network gone is
// Unavailable; a deadlock or lock wait timeout Aborted; a duplicate key AlreadyExists.
Status MysqlStatus(unsigned int error, std::string_view message, std::string_view context);

}  // namespace ag
