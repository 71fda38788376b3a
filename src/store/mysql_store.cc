#include "store/mysql_store.h"

#include "store/sql_store_impl.h"

namespace ag {

template class SqlStore<MysqlDb>;

}  // namespace ag
