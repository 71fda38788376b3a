// The grading request an LLM sees: instructions and the instructor's material in the system
// message, the student's answer alone in the user message between <student_answer> tags, as
// data. The answer cannot close its tags (they are neutralised inside it), and the output format
// is fixed by the schema (json_schema), or stated in the instructions when the endpoint has no
// structured output (json_object).
#pragma once

#include <string>
#include <vector>

#include "core/json.h"
#include "grading/grader.h"
#include "llm/chat_client.h"

namespace ag {

inline constexpr int kLlmPromptVersion = 1;  // bump when the wording changes (cache, provenance)

// The JSON schema of a grade for `rubric`: {"criteria": {key: {points, comment}}, "feedback",
// "citations": [{chunk_id, quote, relevance}]}, strict (every field required, nothing else).
Json GradeSchema(const Rubric& rubric);

// The messages for `request`. `schema_in_prompt`: the schema is written into the instructions
// between BEGIN OUTPUT SCHEMA / END OUTPUT SCHEMA lines (for json_object endpoints).
std::vector<ChatMessage> GradingMessages(const GradingRequest& request, const Json& schema,
                                         bool schema_in_prompt);

// `text` with every <student_answer> / </student_answer> tag (any case, inner spaces) and every
// OUTPUT SCHEMA marker line made inert, so that untrusted text cannot end its own block.
std::string NeutraliseDelimiters(std::string_view text);

}  // namespace ag
