#include "http/router.h"

#include <gtest/gtest.h>

namespace ag {
namespace {

Handler Named(std::string name) {
  return [name](const HttpRequest&) { return HttpResponse::Text(200, "text/plain", name); };
}

Router TestRouter() {
  Router r;
  r.Add({"GET", "/submissions/{submission_id}", Named("get"), false, {}}, Access::kPublic);
  r.Add({"GET", "/submissions/assignment/{assignment_id}", Named("list"), false, {}},
        Access::kPublic);
  r.Add({"GET", "/submissions/{submission_id}/grade", Named("grade"), false, {}}, Access::kPublic);
  r.Add({"POST", "/submissions", Named("create"), false, {}}, Access::kPublic);
  r.Add({"GET", "/", Named("root"), false, {}}, Access::kPublic);
  return r;
}

std::string Dispatch(const Router& r, const char* method, const char* path) {
  auto m = r.Find(method, path);
  if (!m.route) return m.method_not_allowed ? "405" : "404";
  HttpRequest req;
  req.path_params = m.params;
  std::string out = m.route->handler(req).body;
  for (const auto& [k, v] : m.params) out += " " + k + "=" + v;
  return out;
}

TEST(RouterTest, MatchesPatternsAndParameters) {
  Router r = TestRouter();
  EXPECT_EQ(Dispatch(r, "GET", "/submissions/7"), "get submission_id=7");
  EXPECT_EQ(Dispatch(r, "GET", "/submissions/7/grade"), "grade submission_id=7");
  EXPECT_EQ(Dispatch(r, "GET", "/"), "root");
}

TEST(RouterTest, LiteralSegmentsWinOverParameters) {
  Router r = TestRouter();
  EXPECT_EQ(Dispatch(r, "GET", "/submissions/assignment/3"), "list assignment_id=3");
}

TEST(RouterTest, TrailingSlashesAreIgnored) {
  Router r = TestRouter();
  EXPECT_EQ(Dispatch(r, "POST", "/submissions/"), "create");
  EXPECT_EQ(Dispatch(r, "POST", "/submissions"), "create");
  EXPECT_EQ(Dispatch(r, "GET", "/submissions/7/"), "get submission_id=7");
}

TEST(RouterTest, UnknownPathsAndMethods) {
  Router r = TestRouter();
  EXPECT_EQ(Dispatch(r, "GET", "/nope"), "404");
  EXPECT_EQ(Dispatch(r, "GET", "/submissions/7/grade/extra"), "404");
  EXPECT_EQ(Dispatch(r, "DELETE", "/submissions/7"), "405");
  EXPECT_EQ(Dispatch(r, "GET", "/submissions"), "405");
  EXPECT_EQ(r.MethodsAt("/submissions/1"), std::vector<std::string>{"GET"});
}

}  // namespace
}  // namespace ag
