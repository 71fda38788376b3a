// The throwaway servers `scripts/test-services` starts for the tests of the scaled-out adapters
// (ctest starts them once per run, as the fixture `services`): their settings, read from the
// env file it writes.
#pragma once

#include <string>

namespace ag::testing {

// The value of `key` (e.g. "AG_TEST_REDIS_URL") in the services' env file; empty when the
// services are not running or lack it. Tests ASSERT on it with kStartServicesHint.
std::string ServiceSetting(const std::string& key);

// A name no other test of this run uses: "<prefix>-<pid>-<counter>-<random>", lower case.
std::string UniqueName(const std::string& prefix);

inline constexpr char kStartServicesHint[] =
    "the test servers are not running: run this test through ctest, or start them with "
    "scripts/test-services start <build>/tests/services";

}  // namespace ag::testing
