#pragma once

#include <vector>

namespace ag {

// One numbered schema change; the SQL may hold several statements.
struct Migration {
  int version;
  const char* name;
  const char* sql;
};

// Compiled in from src/store/migrations/<dialect>/NNNN_name.sql (cmake/embed_sql.cmake).
const std::vector<Migration>& SqliteMigrations();

}  // namespace ag
