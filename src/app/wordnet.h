// Reads WordNet's data files (Debian's wordnet-base) into the local grader's antonym lexicon.
#pragma once

#include <string>
#include <string_view>

#include "core/status.h"
#include "scoring/antonyms.h"

namespace ag {

inline constexpr std::string_view kDefaultWordNetDir = "/usr/share/wordnet";

// data.adj, data.adv, data.verb and data.noun under `dir` (those present). NotFound when none
// is there.
Result<scoring::Antonyms> LoadWordNetAntonyms(const std::string& dir);

}  // namespace ag
