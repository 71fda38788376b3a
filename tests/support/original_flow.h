// The original client's flow (the earlier Python version's API, which its clients keep using):
// create an assignment, upload reference material, submit, poll until graded, read the grade
// and the list. Run against the embedded server and against the scaled-out shape alike.
#pragma once

#include <string>

#include "support/http_client.h"

namespace ag::testing {

extern const char* const kOriginalRubric;
extern const char* const kOriginalReference;
extern const char* const kOriginalEssay;

// Runs the flow through `writer`, reading the results through `reader` (the same server, or
// another replica), under `prefix` ("" or "/api"). Reports with gtest assertions; returns the
// assignment's id (0 on failure).
std::int64_t RunOriginalClientFlow(const HttpClient& writer, const HttpClient& reader,
                                   const std::string& prefix);

}  // namespace ag::testing
