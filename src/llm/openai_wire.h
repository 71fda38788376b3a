// The OpenAI chat-completions wire format (also spoken by Ollama's /v1 and vLLM): the request
// body for a ChatRequest, and a ChatOutcome from the HTTP answer, by the ChatClient contract.
#pragma once

#include "core/json.h"
#include "llm/chat_client.h"
#include "llm/curl_multi.h"

namespace ag {

Json ChatRequestBody(const ChatRequest& request);

ChatOutcome ChatOutcomeFromHttp(Result<HttpReply> http);

}  // namespace ag
