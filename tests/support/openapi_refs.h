// Checks that every "$ref" of an OpenAPI document names one of its component schemas.
#pragma once

#include <gtest/gtest.h>

#include <functional>
#include <string>

#include "core/json.h"

namespace ag::testing {

inline void ExpectEveryRefResolves(const Json& doc) {
  const std::string prefix = "#/components/schemas/";
  std::function<void(const Json&)> check = [&](const Json& j) {
    if (j.is_object()) {
      if (auto it = j.find("$ref"); it != j.end()) {
        const std::string name = it->get<std::string>().substr(prefix.size());
        EXPECT_TRUE(doc["components"]["schemas"].contains(name)) << name;
      }
      for (auto& [k, v] : j.items()) check(v);
    } else if (j.is_array()) {
      for (auto& v : j) check(v);
    }
  };
  check(doc);
}

}  // namespace ag::testing
