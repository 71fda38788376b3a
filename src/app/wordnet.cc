#include "app/wordnet.h"

#include <filesystem>
#include <fstream>
#include <sstream>
#include <vector>

namespace ag {

Result<scoring::Antonyms> LoadWordNetAntonyms(const std::string& dir) {
  std::vector<std::string> files;
  for (const char* name : {"data.adj", "data.adv", "data.verb", "data.noun"}) {
    std::ifstream in(std::filesystem::path(dir) / name, std::ios::binary);
    if (!in) continue;
    std::ostringstream text;
    text << in.rdbuf();
    if (in.bad()) return UnavailableError("cannot read " + dir + "/" + name);
    files.push_back(std::move(text).str());
  }
  if (files.empty()) {
    return NotFoundError("no WordNet data files (data.adj, data.verb, ...) in " + dir);
  }
  return scoring::Antonyms::FromWordNet(files);
}

}  // namespace ag
