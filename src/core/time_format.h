#pragma once

#include <string>

#include "core/clock.h"

namespace ag {

// ISO-8601 in UTC with millisecond precision: "2026-11-28T13:48:40.123Z".
std::string FormatIso8601(TimePoint t);

}  // namespace ag
