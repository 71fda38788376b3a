#pragma once

#include <string>

#include "core/status.h"

namespace ag {

// The whole file; InvalidArgument naming the path when it cannot be read (these are files the
// user named: a configuration, an assignment, answers).
Result<std::string> ReadWholeFile(const std::string& path);

}  // namespace ag
