// The embedded AccountStore: SqlAccountStore on SqliteDb.
#include "store/sql_account_store_impl.h"
#include "store/sqlite_db.h"

namespace ag {

template class SqlAccountStore<SqliteDb>;

}  // namespace ag
