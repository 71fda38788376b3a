#include "store/mysql_db.h"

#include <errmsg.h>
#include <mysql.h>
#include <mysqld_error.h>

#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <thread>

namespace ag {
namespace {

void LibraryInitOnce() {
  static const bool done = [] { return mysql_library_init(0, nullptr, nullptr) == 0; }();
  (void)done;
}

// Splits SQL at `sep` characters outside quotes and backticks; with `sep` '?', the pieces
// around the placeholders.
std::vector<std::string> SplitOutsideQuotes(std::string_view sql, char sep) {
  std::vector<std::string> out(1);
  char quote = 0;
  for (std::size_t i = 0; i < sql.size(); ++i) {
    const char c = sql[i];
    if (quote != 0) {
      out.back().push_back(c);
      if (c == '\\' && i + 1 < sql.size()) {
        out.back().push_back(sql[++i]);
      } else if (c == quote) {
        quote = 0;
      }
      continue;
    }
    if (c == '\'' || c == '"' || c == '`') quote = c;
    if (c == sep) {
      out.emplace_back();
      continue;
    }
    out.back().push_back(c);
  }
  return out;
}

// Removes "-- ..." comments (outside quotes) so that a ';' in one does not split a statement.
std::string StripComments(std::string_view sql) {
  std::string out;
  char quote = 0;
  for (std::size_t i = 0; i < sql.size(); ++i) {
    const char c = sql[i];
    if (quote == 0 && c == '-' && i + 1 < sql.size() && sql[i + 1] == '-') {
      while (i < sql.size() && sql[i] != '\n') ++i;
      out.push_back('\n');
      continue;
    }
    if (quote != 0 && c == quote) {
      quote = 0;
    } else if (quote == 0 && (c == '\'' || c == '"' || c == '`')) {
      quote = c;
    }
    out.push_back(c);
  }
  return out;
}

bool Blank(std::string_view s) { return s.find_first_not_of(" \t\r\n") == std::string_view::npos; }

}  // namespace

Status MysqlStatus(unsigned int error, std::string_view message, std::string_view context) {
  std::string text = "mysql: ";
  text.append(context).append(": ").append(message);
  text.append(" (").append(std::to_string(error)).append(")");
  switch (error) {
    case CR_SERVER_GONE_ERROR:
    case CR_SERVER_LOST:
    case CR_CONNECTION_ERROR:
    case CR_CONN_HOST_ERROR:
    case CR_UNKNOWN_HOST:
    case CR_SERVER_LOST_EXTENDED:
    case ER_SERVER_SHUTDOWN:
    case ER_CONNECTION_KILLED:
    case ER_CON_COUNT_ERROR:
    case ER_QUERY_INTERRUPTED:
      return UnavailableError(text);
    case ER_LOCK_DEADLOCK:
    case ER_LOCK_WAIT_TIMEOUT:
      return AbortedError(text);
    case ER_DUP_ENTRY:
      return AlreadyExistsError(text);
    case ER_ACCESS_DENIED_ERROR:
    case ER_DBACCESS_DENIED_ERROR:
      return FailedPreconditionError(text + "; check MYSQL_USER, MYSQL_PASSWORD and its grants");
    default:
      return InternalError(text);
  }
}

// --- MysqlStmt

MysqlStmt::MysqlStmt(MysqlConn& conn, std::string_view sql)
    : conn_(&conn), pieces_(SplitOutsideQuotes(sql, '?')), values_(pieces_.size() - 1) {}

MysqlStmt::MysqlStmt(MysqlStmt&& other) noexcept
    : conn_(other.conn_),
      pieces_(std::move(other.pieces_)),
      values_(std::move(other.values_)),
      result_(other.result_),
      row_(other.row_),
      lengths_(other.lengths_),
      executed_(other.executed_) {
  other.result_ = nullptr;
}

MysqlStmt::~MysqlStmt() { FreeResult(); }

void MysqlStmt::FreeResult() {
  if (result_ != nullptr) mysql_free_result(result_);
  result_ = nullptr;
  row_ = nullptr;
  lengths_ = nullptr;
}

void MysqlStmt::Reset() {
  FreeResult();
  executed_ = false;
}

MysqlStmt& MysqlStmt::Bind(int i, std::int64_t v) {
  Reset();
  if (i >= 1 && i <= static_cast<int>(values_.size())) values_[i - 1] = std::to_string(v);
  return *this;
}

MysqlStmt& MysqlStmt::Bind(int i, double v) {
  Reset();
  if (i < 1 || i > static_cast<int>(values_.size())) return *this;
  if (!std::isfinite(v)) {
    values_[i - 1] = "NULL";  // as SQLite stores a NaN
    return *this;
  }
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.17g", v);
  values_[i - 1] = buf;
  return *this;
}

MysqlStmt& MysqlStmt::Bind(int i, std::string_view v) {
  Reset();
  if (i < 1 || i > static_cast<int>(values_.size())) return *this;
  std::string escaped(v.size() * 2 + 1, '\0');
  const unsigned long n =
      mysql_real_escape_string(conn_->raw(), escaped.data(), v.data(), v.size());
  escaped.resize(n);
  std::string literal;
  literal.reserve(n + 2);
  literal.push_back('\'');
  literal.append(escaped);
  literal.push_back('\'');
  values_[i - 1] = std::move(literal);
  return *this;
}

MysqlStmt& MysqlStmt::BindNull(int i) {
  Reset();
  if (i >= 1 && i <= static_cast<int>(values_.size())) values_[i - 1] = "NULL";
  return *this;
}

Status MysqlStmt::Execute() {
  std::string sql = pieces_[0];
  for (std::size_t i = 0; i < values_.size(); ++i) {
    if (!values_[i])
      return InternalError("mysql: parameter " + std::to_string(i + 1) + " not bound");
    sql.append(*values_[i]).append(pieces_[i + 1]);
  }
  if (mysql_real_query(conn_->raw(), sql.data(), sql.size()) != 0) {
    return conn_->LastError(pieces_[0].substr(0, 60));
  }
  result_ = mysql_store_result(conn_->raw());
  if (result_ == nullptr && mysql_field_count(conn_->raw()) != 0) {
    return conn_->LastError("reading a result");
  }
  executed_ = true;
  return OkStatus();
}

Result<bool> MysqlStmt::Step() {
  if (!executed_) RETURN_IF_ERROR(Execute());
  if (result_ == nullptr) return false;
  row_ = mysql_fetch_row(result_);
  if (row_ == nullptr) return false;
  lengths_ = mysql_fetch_lengths(result_);
  return true;
}

Status MysqlStmt::Run() {
  Reset();
  Status st = Execute();
  Reset();
  return st;
}

std::int64_t MysqlStmt::Int(int col) const {
  if (row_ == nullptr || row_[col] == nullptr) return 0;
  return std::strtoll(row_[col], nullptr, 10);
}

double MysqlStmt::Real(int col) const {
  if (row_ == nullptr || row_[col] == nullptr) return 0;
  return std::strtod(row_[col], nullptr);
}

std::string MysqlStmt::Text(int col) const {
  if (row_ == nullptr || row_[col] == nullptr) return {};
  return std::string(row_[col], lengths_[col]);
}

bool MysqlStmt::IsNull(int col) const { return row_ == nullptr || row_[col] == nullptr; }

// --- MysqlConn

MysqlConn::~MysqlConn() { mysql_close(mysql_); }

Status MysqlConn::LastError(std::string_view context) {
  Status st = MysqlStatus(mysql_errno(mysql_), mysql_error(mysql_), context);
  if (st.code() == StatusCode::kUnavailable) broken_ = true;
  return st;
}

Status MysqlConn::Exec(std::string_view sql) {
  for (const std::string& statement : SplitOutsideQuotes(StripComments(sql), ';')) {
    if (Blank(statement)) continue;
    if (mysql_real_query(mysql_, statement.data(), statement.size()) != 0) {
      return LastError(std::string_view(statement).substr(0, 80));
    }
    MYSQL_RES* r = mysql_store_result(mysql_);
    if (r != nullptr) mysql_free_result(r);
  }
  return OkStatus();
}

std::int64_t MysqlConn::LastInsertId() const {
  return static_cast<std::int64_t>(mysql_insert_id(mysql_));
}

int MysqlConn::Changes() const {
  const my_ulonglong n = mysql_affected_rows(mysql_);
  return n == static_cast<my_ulonglong>(-1) ? 0 : static_cast<int>(n);
}

// --- MysqlDb

Result<std::unique_ptr<MysqlDb>> MysqlDb::Open(MysqlOptions options) {
  for (char c : options.database) {
    if (!(std::isalnum(static_cast<unsigned char>(c)) || c == '_' || c == '$')) {
      return InvalidArgumentError(
          "MYSQL_DATABASE: letters, digits, '_' and '$' only, got '" + options.database + "'",
          {"MYSQL_DATABASE"});
    }
  }
  if (options.database.empty()) {
    return InvalidArgumentError("MYSQL_DATABASE is empty", {"MYSQL_DATABASE"});
  }
  if (options.pool_size < 1) options.pool_size = 1;
  LibraryInitOnce();
  std::unique_ptr<MysqlDb> db(new MysqlDb(std::move(options)));
  {
    ASSIGN_OR_RETURN(auto admin, db->Connect(/*with_database=*/false));
    RETURN_IF_ERROR(admin->Exec("CREATE DATABASE IF NOT EXISTS `" + db->options_.database +
                                "` CHARACTER SET utf8mb4 COLLATE utf8mb4_bin"));
  }
  ASSIGN_OR_RETURN(auto first, db->Connect(/*with_database=*/true));
  {
    std::lock_guard lock(db->mu_);
    db->idle_.push_back(std::move(first));
  }
  return db;
}

MysqlDb::~MysqlDb() = default;

Result<std::unique_ptr<MysqlConn>> MysqlDb::Connect(bool with_database) {
  MYSQL* m = mysql_init(nullptr);
  if (m == nullptr) return UnavailableError("mysql: out of memory");
  auto conn = std::make_unique<MysqlConn>(m);
  const unsigned int connect_s = static_cast<unsigned int>(options_.connect_timeout.count());
  const unsigned int io_s = static_cast<unsigned int>(options_.io_timeout.count());
  mysql_options(m, MYSQL_OPT_CONNECT_TIMEOUT, &connect_s);
  mysql_options(m, MYSQL_OPT_READ_TIMEOUT, &io_s);
  mysql_options(m, MYSQL_OPT_WRITE_TIMEOUT, &io_s);
  mysql_options(m, MYSQL_SET_CHARSET_NAME, "utf8mb4");
  // Rows matched, not changed, by an UPDATE: what SQLite reports, and what the store checks.
  if (mysql_real_connect(m, options_.host.c_str(), options_.user.c_str(), options_.password.c_str(),
                         with_database ? options_.database.c_str() : nullptr,
                         static_cast<unsigned int>(options_.port), nullptr,
                         CLIENT_FOUND_ROWS) == nullptr) {
    return conn->LastError("connecting to " + options_.host + ":" + std::to_string(options_.port));
  }
  // Read committed: each statement sees what committed before it, as SQLite's writer does; the
  // store's read-then-write steps are safe under it (see sql_store_impl.h).
  RETURN_IF_ERROR(conn->Exec("SET SESSION TRANSACTION ISOLATION LEVEL READ COMMITTED"));
  return conn;
}

Result<std::unique_ptr<MysqlConn>> MysqlDb::Acquire() {
  std::unique_lock lock(mu_);
  const bool got = cv_.wait_for(lock, options_.acquire_timeout, [&] {
    return !idle_.empty() || in_use_ + static_cast<int>(idle_.size()) < options_.pool_size;
  });
  if (!got) {
    return UnavailableError("mysql: all " + std::to_string(options_.pool_size) +
                            " connections are in use (MYSQL_POOL_SIZE)");
  }
  ++in_use_;
  if (!idle_.empty()) {
    auto conn = std::move(idle_.back());
    idle_.pop_back();
    return conn;
  }
  lock.unlock();
  auto conn = Connect(/*with_database=*/true);
  if (!conn.ok()) {
    lock.lock();
    --in_use_;
    cv_.notify_one();
  }
  return conn;
}

void MysqlDb::Release(std::unique_ptr<MysqlConn> conn) {
  std::vector<std::unique_ptr<MysqlConn>> stale;
  {
    std::lock_guard lock(mu_);
    --in_use_;
    if (conn->broken()) {
      // The server went away: the connections that sat idle went with it.
      stale.swap(idle_);
    } else {
      idle_.push_back(std::move(conn));
    }
  }
  cv_.notify_all();
}

Status MysqlDb::Write(const std::function<Status(MysqlConn&)>& fn) {
  int conflicts = 0;
  int reconnects = 0;
  for (;;) {
    ASSIGN_OR_RETURN(auto conn, Acquire());
    Status begun = conn->Exec("START TRANSACTION");
    if (!begun.ok()) {
      const bool stale = conn->broken();
      Release(std::move(conn));
      // Nothing ran yet: a connection the server dropped is replaced and the write begins anew.
      if (stale && ++reconnects <= 2) continue;
      return begun;
    }
    Status st = fn(*conn);
    if (st.ok()) {
      st = conn->Exec("COMMIT");
      Release(std::move(conn));
      return st;
    }
    if (!conn->broken()) conn->Exec("ROLLBACK").IgnoreError();
    Release(std::move(conn));
    const bool conflict =
        st.code() == StatusCode::kAborted || st.code() == StatusCode::kAlreadyExists;
    if (!conflict || ++conflicts >= 5) return st;
    std::this_thread::sleep_for(std::chrono::milliseconds(2 * conflicts));
  }
}

Status MysqlDb::Read(const std::function<Status(MysqlConn&)>& fn) {
  for (int attempt = 0;; ++attempt) {
    ASSIGN_OR_RETURN(auto conn, Acquire());
    Status st = fn(*conn);
    const bool stale = conn->broken();
    Release(std::move(conn));
    if (st.ok() || !stale || attempt >= 2) return st;
  }
}

Status MysqlDb::Ping() {
  return Read([](MysqlConn& c) { return c.Exec("SELECT 1"); });
}

MysqlPoolUsage MysqlDb::PoolUsage() {
  std::lock_guard lock(mu_);
  return {in_use_, static_cast<int>(idle_.size()), options_.pool_size};
}

Result<int> MysqlDb::Migrate(const std::vector<Migration>& migrations) {
  ASSIGN_OR_RETURN(auto conn, Acquire());
  struct Releaser {
    MysqlDb* db;
    std::unique_ptr<MysqlConn>* conn;
    ~Releaser() {
      (*conn)->Exec("DO RELEASE_LOCK('autograder_migrate')").IgnoreError();
      db->Release(std::move(*conn));
    }
  } releaser{this, &conn};
  {
    ASSIGN_OR_RETURN(auto lock, conn->Prepare("SELECT GET_LOCK('autograder_migrate', 120)"));
    ASSIGN_OR_RETURN(bool row, lock.Step());
    if (!row || lock.Int(0) != 1) {
      return UnavailableError("mysql: another process holds the migration lock");
    }
  }
  RETURN_IF_ERROR(
      conn->Exec("CREATE TABLE IF NOT EXISTS schema_migrations (version INT NOT NULL PRIMARY KEY, "
                 "name VARCHAR(255) NOT NULL, applied_at BIGINT NOT NULL) ENGINE=InnoDB"));
  int current = 0;
  {
    ASSIGN_OR_RETURN(auto v,
                     conn->Prepare("SELECT COALESCE(MAX(version), 0) FROM schema_migrations"));
    ASSIGN_OR_RETURN(bool row, v.Step());
    if (row) current = static_cast<int>(v.Int(0));
  }
  const int newest = migrations.empty() ? 0 : migrations.back().version;
  if (current > newest) {
    return FailedPreconditionError("database schema version " + std::to_string(current) +
                                   " is newer than this binary knows (" + std::to_string(newest) +
                                   "); upgrade autograder");
  }
  for (const Migration& m : migrations) {
    if (m.version <= current) continue;
    RETURN_IF_ERROR(conn->Exec(m.sql).WithContext("migration " + std::string(m.name)));
    ASSIGN_OR_RETURN(auto ins, conn->Prepare("INSERT INTO schema_migrations(version, name, "
                                             "applied_at) VALUES (?, ?, UNIX_TIMESTAMP() * 1000)"));
    RETURN_IF_ERROR(ins.Bind(1, m.version).Bind(2, m.name).Run());
    current = m.version;
  }
  return current;
}

}  // namespace ag
