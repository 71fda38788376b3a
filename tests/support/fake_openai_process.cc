#include "support/fake_openai_process.h"

namespace ag::testing {

std::string FakeOpenAi::base_url() const {
  return "http://127.0.0.1:" + std::to_string(port()) + "/v1";
}

bool FakeOpenAi::ScriptChat(const Json& steps) const {
  return HttpClient(port()).PostJson("/_fake/script", Json{{"chat", steps}}).status == 200;
}

Json FakeOpenAi::Stats() const { return HttpClient(port()).Get("/_fake/stats").json(); }

Json FakeOpenAi::Requests() const { return HttpClient(port()).Get("/_fake/requests").json(); }

int FakeOpenAi::ChatRequests() const {
  const Json s = Stats();
  return s.is_object() ? s["requests"]["chat"].get<int>() : -1;
}

bool FakeOpenAi::Reset() const {
  return HttpClient(port()).PostJson("/_fake/reset", Json::object()).status == 200;
}

}  // namespace ag::testing
