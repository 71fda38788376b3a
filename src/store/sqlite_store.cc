#include "store/sqlite_store.h"

#include "store/sql_store_impl.h"

namespace ag {

template class SqlStore<SqliteDb>;

}  // namespace ag
