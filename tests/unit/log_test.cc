#include "obs/log.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <sstream>

namespace ag {
namespace {

std::vector<Json> Lines(int fd) {
  std::string all;
  char buf[4096];
  ssize_t n;
  while ((n = ::read(fd, buf, sizeof buf)) > 0) all.append(buf, static_cast<std::size_t>(n));
  std::vector<Json> out;
  std::istringstream in(all);
  std::string line;
  while (std::getline(in, line)) out.push_back(ParseJsonOrDiscarded(line));
  return out;
}

TEST(LoggerTest, WritesOneJsonObjectPerLine) {
  int fds[2];
  ASSERT_EQ(::pipe(fds), 0);
  ManualClock clock(FromUnixMillis(0));
  Logger log(clock, LogLevel::kInfo, fds[1]);
  log.Info("graded", {{"job_id", 7}, {"request_id", "abc"}});
  log.Debug("not shown");
  log.Warn("odd bytes \xff\xfe and \"quotes\"\nnewline");
  ::close(fds[1]);
  auto lines = Lines(fds[0]);
  ::close(fds[0]);
  ASSERT_EQ(lines.size(), 2u);
  EXPECT_EQ(lines[0]["ts"], "1970-01-01T00:00:00.000Z");
  EXPECT_EQ(lines[0]["level"], "info");
  EXPECT_EQ(lines[0]["msg"], "graded");
  EXPECT_EQ(lines[0]["job_id"], 7);
  EXPECT_EQ(lines[0]["request_id"], "abc");
  EXPECT_FALSE(lines[1].is_discarded());
  EXPECT_EQ(lines[1]["level"], "warn");
}

TEST(LoggerTest, ParsesLevels) {
  EXPECT_EQ(*ParseLogLevel("debug"), LogLevel::kDebug);
  EXPECT_EQ(*ParseLogLevel("warning"), LogLevel::kWarn);
  EXPECT_FALSE(ParseLogLevel("loud").ok());
}

}  // namespace
}  // namespace ag
