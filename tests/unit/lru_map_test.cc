#include "core/lru_map.h"

#include <gtest/gtest.h>

#include <string>

namespace ag {
namespace {

TEST(LruMap, ForgetsTheLeastRecentlyUsedNotTheOldest) {
  LruMap<int, std::string> m(2);
  m.Put(1, "one");
  m.Put(2, "two");
  ASSERT_NE(m.Find(1), nullptr);  // 1 is now the most recently used
  m.Put(3, "three");
  EXPECT_EQ(m.size(), 2u);
  EXPECT_EQ(m.Find(2), nullptr);
  ASSERT_NE(m.Find(1), nullptr);
  EXPECT_EQ(*m.Find(1), "one");
  EXPECT_EQ(*m.Find(3), "three");
}

TEST(LruMap, ReplacingAValueMakesItTheMostRecent) {
  LruMap<std::string, int> m(2);
  m.Put("a", 1);
  m.Put("b", 2);
  m.Put("a", 10);
  m.Put("c", 3);
  EXPECT_EQ(m.Find("b"), nullptr);
  ASSERT_NE(m.Find("a"), nullptr);
  EXPECT_EQ(*m.Find("a"), 10);
}

TEST(LruMap, ACapacityOfZeroKeepsNothing) {
  LruMap<int, int> m(0);
  m.Put(1, 1);
  EXPECT_EQ(m.size(), 0u);
  EXPECT_EQ(m.Find(1), nullptr);
}

}  // namespace
}  // namespace ag
