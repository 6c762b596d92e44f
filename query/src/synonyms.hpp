#pragma once
// The bundled thesaurus (query/data/synonyms.txt), compiled into the library.
#include <string>
#include <string_view>
#include <vector>

#include "studysearch/analyzer.hpp"

namespace studysearch {

/// One form of a synonym group, as stems ("post exert malais").
struct SynonymForm {
  std::vector<std::string> stems;
  bool capitals_only = false;  ///< matches only when typed in capitals ("ME", "GET")
};

class Thesaurus {
 public:
  /// Parses the thesaurus text (format: see synonyms.txt).
  static Thesaurus parse(std::string_view text, const Analyzer& analyzer);
  /// The bundled thesaurus.
  static const std::string_view bundled_text();

  struct Match {
    std::size_t group = 0;
    std::size_t form = 0;
    std::size_t length = 0;  ///< words consumed
  };
  /// Longest form starting at `stems[pos]`; length 0 when none. `capitals[i]`
  /// says whether word i was typed in capitals.
  Match longest_match(const std::vector<std::string>& stems, const std::vector<bool>& capitals,
                      std::size_t pos) const;

  const std::vector<SynonymForm>& group(std::size_t index) const { return groups_[index]; }
  std::size_t size() const { return groups_.size(); }

 private:
  std::vector<std::vector<SynonymForm>> groups_;
};

}  // namespace studysearch
