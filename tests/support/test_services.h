// The throwaway servers `scripts/test-services` starts for the tests of the scaled-out adapters
// (ctest starts them once per run, as the fixture `services`): their settings, read from the
// env file it writes.
#pragma once

#include <string>

#include "redis/redis_client.h"

namespace ag::testing {

// The value of `key` (e.g. "AG_TEST_REDIS_URL") in the services' env file; empty when the
// services are not running or lack it. Tests ASSERT on it with kStartServicesHint.
std::string ServiceSetting(const std::string& key);

// Options for a client of the shared Redis server (its database 0); a test failure when the
// servers are not running. Tests keep to keys of their own (UniqueName).
RedisClientOptions SharedRedisOptions();

// A name no other test of this run uses: "<prefix>-<pid>-<counter>-<random>", lower case.
std::string UniqueName(const std::string& prefix);

// A Redis URL of a database no other test of this run uses (numbered by an INCR on the shared
// server, emptied first): for tests that run the binary, whose queue keys are fixed.
std::string UniqueRedisUrl();

// Servers of a test's own under `dir` (for tests that restart them): the script's start, stop
// and restart; false on failure (the script says why on stderr).
bool StartOwnServices(const std::string& dir, const std::string& services);
bool RestartOwnService(const std::string& dir, const std::string& service);
void StopOwnServices(const std::string& dir);
std::string OwnServiceSetting(const std::string& dir, const std::string& key);

inline constexpr char kStartServicesHint[] =
    "the test servers are not running: run this test through ctest, or start them with "
    "scripts/test-services start <build>/tests/services";

}  // namespace ag::testing
