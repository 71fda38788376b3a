#pragma once

#include "store/mysql_db.h"
#include "store/sql_store.h"

namespace ag {

// Compiled in from src/store/migrations/mysql/NNNN_name.sql.
const std::vector<Migration>& MysqlMigrations();

// The scaled-out Store (MYSQL_HOST), on MysqlDb: the same statements as the embedded one
// (store/sql_store.h). The job queue is never in this database (enqueue_jobs must be false).
class MysqlStore final : public SqlStore<MysqlDb> {
 public:
  explicit MysqlStore(MysqlDb& db) : SqlStore(db, SqlStoreOptions{false, "grading"}) {}
};

}  // namespace ag
