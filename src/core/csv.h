// RFC 4180 CSV: quoted fields may hold commas, quotes ("") and line breaks.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "core/status.h"

namespace ag {

using CsvRow = std::vector<std::string>;

// InvalidArgument naming the line for an unterminated quote.
Result<std::vector<CsvRow>> ParseCsv(std::string_view text);
std::string CsvEscape(std::string_view field);
std::string CsvLine(const CsvRow& row);

}  // namespace ag
