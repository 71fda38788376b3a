// The scaled-out AccountStore: SqlAccountStore on MysqlDb.
#include "store/mysql_db.h"
#include "store/sql_account_store_impl.h"

namespace ag {

template class SqlAccountStore<MysqlDb>;

}  // namespace ag
