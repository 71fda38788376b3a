#include "llm/openai_chat_client.h"

#include "llm/openai_wire.h"

namespace ag {

OpenAiChatClient::OpenAiChatClient(CurlMulti& http, OpenAiChatOptions options)
    : http_(http), options_(std::move(options)) {
  std::string base = options_.base_url;
  while (!base.empty() && base.back() == '/') base.pop_back();
  url_ = base + "/chat/completions";
}

void OpenAiChatClient::Send(ChatRequest request, std::stop_token stop, ChatDone done) {
  HttpPost post;
  post.url = url_;
  post.headers = {"Content-Type: application/json", "Accept: application/json"};
  if (!options_.api_key.empty())
    post.headers.push_back("Authorization: Bearer " + options_.api_key);
  post.body = DumpJson(ChatRequestBody(request));
  post.timeout = request.timeout;
  post.not_before = request.not_before;
  http_.Post(std::move(post), std::move(stop), [done = std::move(done)](Result<HttpReply> http) {
    done(ChatOutcomeFromHttp(std::move(http)));
  });
}

}  // namespace ag
