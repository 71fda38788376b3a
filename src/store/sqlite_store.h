#pragma once

#include "store/sql_store.h"
#include "store/sqlite_db.h"

namespace ag {

using SqliteStoreOptions = SqlStoreOptions;

// The embedded Store, on SqliteDb. The database must be migrated (SqliteDb::Migrate) before use.
class SqliteStore final : public SqlStore<SqliteDb> {
 public:
  using SqlStore::SqlStore;
};

}  // namespace ag
