// The ChatClient adapter for OpenAI-compatible endpoints (OpenAI, Ollama at OLLAMA_BASE_URL/v1,
// vLLM) on the libcurl multi driver: POST {base_url}/chat/completions.
#pragma once

#include <string>

#include "llm/chat_client.h"
#include "llm/curl_multi.h"

namespace ag {

struct OpenAiChatOptions {
  std::string base_url;  // e.g. https://api.openai.com/v1
  std::string api_key;   // empty: no Authorization header (Ollama, a local vLLM)
};

class OpenAiChatClient final : public ChatClient {
 public:
  OpenAiChatClient(CurlMulti& http, OpenAiChatOptions options);
  void Send(ChatRequest request, std::stop_token stop, ChatDone done) override;

 private:
  CurlMulti& http_;
  OpenAiChatOptions options_;
  std::string url_;
};

}  // namespace ag
