#include "synonyms.hpp"

#include <sstream>

namespace studysearch {
namespace {

std::string_view trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t' || s.front() == '\r')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t' || s.back() == '\r')) s.remove_suffix(1);
  return s;
}

}  // namespace

Thesaurus Thesaurus::parse(std::string_view text, const Analyzer& analyzer) {
  Thesaurus thesaurus;
  std::istringstream in{std::string(text)};
  std::string line;
  while (std::getline(in, line)) {
    std::string_view rest = trim(line);
    if (rest.empty() || rest.front() == '#') continue;
    std::vector<SynonymForm> group;
    while (!rest.empty()) {
      const auto sep = rest.find(" = ");
      std::string_view form_text = trim(rest.substr(0, sep));
      rest = sep == std::string_view::npos ? std::string_view{} : rest.substr(sep + 3);
      SynonymForm form;
      if (!form_text.empty() && form_text.back() == '!') {
        form.capitals_only = true;
        form_text.remove_suffix(1);
      }
      analyzer.tokenize(form_text, [&](const Token& token) { form.stems.push_back(analyzer.stem(token.word)); });
      if (!form.stems.empty()) group.push_back(std::move(form));
    }
    if (group.size() >= 2) thesaurus.groups_.push_back(std::move(group));
  }
  return thesaurus;
}

Thesaurus::Match Thesaurus::longest_match(const std::vector<std::string>& stems, const std::vector<bool>& capitals,
                                          std::size_t pos) const {
  Match best;
  for (std::size_t g = 0; g < groups_.size(); ++g) {
    for (std::size_t f = 0; f < groups_[g].size(); ++f) {
      const auto& form = groups_[g][f];
      const std::size_t n = form.stems.size();
      if (n <= best.length || pos + n > stems.size()) continue;
      bool equal = true;
      for (std::size_t i = 0; i < n && equal; ++i)
        equal = stems[pos + i] == form.stems[i] && (!form.capitals_only || capitals[pos + i]);
      if (equal) best = {g, f, n};
    }
  }
  return best;
}

}  // namespace studysearch
