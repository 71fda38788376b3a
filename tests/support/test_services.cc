#include "support/test_services.h"

#include <gtest/gtest.h>

#include <unistd.h>

#include <atomic>
#include <cstdlib>
#include <fstream>
#include <random>

#include "redis/redis_client.h"

namespace ag::testing {

namespace {

std::string SettingIn(const std::string& dir, const std::string& key) {
  std::ifstream in(dir + "/env");
  std::string line;
  std::string value;
  while (std::getline(in, line)) {
    if (line.size() > key.size() && line.compare(0, key.size(), key) == 0 &&
        line[key.size()] == '=') {
      value = line.substr(key.size() + 1);
    }
  }
  return value;
}

int RunScript(const std::string& args) {
  const std::string cmd = std::string(AG_TEST_SERVICES_SCRIPT) + " " + args + " >&2";
  return std::system(cmd.c_str());
}

}  // namespace

std::string ServiceSetting(const std::string& key) { return SettingIn(AG_TEST_SERVICES_DIR, key); }

std::string OwnServiceSetting(const std::string& dir, const std::string& key) {
  return SettingIn(dir, key);
}

bool StartOwnServices(const std::string& dir, const std::string& services) {
  return RunScript("start " + dir + " " + services) == 0;
}

bool RestartOwnService(const std::string& dir, const std::string& service) {
  return RunScript("restart " + dir + " " + service) == 0;
}

void StopOwnServices(const std::string& dir) { RunScript("stop " + dir); }

RedisClientOptions SharedRedisOptions() {
  const std::string url = ServiceSetting("AG_TEST_REDIS_URL");
  EXPECT_FALSE(url.empty()) << kStartServicesHint;
  RedisClientOptions o;
  o.address = ParseRedisUrl(url).value();
  return o;
}

std::string UniqueRedisUrl() {
  const std::string url = ServiceSetting("AG_TEST_REDIS_URL");
  if (url.empty()) return {};
  auto address = ParseRedisUrl(url);
  if (!address.ok()) return {};
  RedisClientOptions o;
  o.address = *address;
  RedisClient shared(o);
  auto n = shared.Command({"INCR", "ag-test:databases"});
  if (!n.ok()) return {};
  const int db = 1 + static_cast<int>(n->integer % 255);
  o.address.db = db;
  RedisClient mine(o);
  if (!mine.Command({"FLUSHDB"}).ok()) return {};
  return "redis://" + address->host + ":" + std::to_string(address->port) + "/" +
         std::to_string(db);
}

std::string UniqueName(const std::string& prefix) {
  static std::atomic<int> counter{0};
  std::random_device rd;
  return prefix + "-" + std::to_string(getpid()) + "-" + std::to_string(counter++) + "-" +
         std::to_string(rd() % 100000);
}

}  // namespace ag::testing
