#include "support/test_services.h"

#include <unistd.h>

#include <atomic>
#include <fstream>
#include <random>

namespace ag::testing {

std::string ServiceSetting(const std::string& key) {
  std::ifstream in(std::string(AG_TEST_SERVICES_DIR) + "/env");
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

std::string UniqueName(const std::string& prefix) {
  static std::atomic<int> counter{0};
  std::random_device rd;
  return prefix + "-" + std::to_string(getpid()) + "-" + std::to_string(counter++) + "-" +
         std::to_string(rd() % 100000);
}

}  // namespace ag::testing
