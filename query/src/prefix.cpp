#include "prefix.hpp"

#include <algorithm>
#include <unordered_map>

namespace studysearch {

PrefixExpander prefix_expander(const Xapian::Database& db, const Snapshot& snapshot, const Analyzer& analyzer,
                               std::size_t max, bool drop_stopwords) {
  return [&db, &snapshot, &analyzer, max, drop_stopwords](const std::string& prefix) {
    std::vector<std::string> out;
    // Free-text terms are lowercase or digits; prefixed terms start with a
    // capital, so a normalised prefix never reaches them.
    if (prefix.empty() || max == 0) return out;
    std::unordered_map<std::string, std::size_t> frequency;  // stem -> how common
    auto note = [&](const std::string& stem, std::size_t count) {
      std::size_t& f = frequency[stem];
      f = std::max(f, count);
    };
    const auto& words = snapshot.words(db);
    auto it = std::lower_bound(words.begin(), words.end(), prefix,
                               [](const auto& entry, const std::string& key) { return entry.first < key; });
    for (; it != words.end() && it->first.starts_with(prefix); ++it)
      if (!(drop_stopwords && is_stopword(it->first))) note(analyzer.stem(it->first), it->second);
    for (auto term = db.allterms_begin(prefix); term != db.allterms_end(prefix); ++term)
      if (!(drop_stopwords && is_stopword(*term))) note(*term, term.get_termfreq());
    std::vector<std::pair<std::string, std::size_t>> ranked(frequency.begin(), frequency.end());
    const std::size_t keep = std::min(max, ranked.size());
    std::partial_sort(ranked.begin(), ranked.begin() + static_cast<long>(keep), ranked.end(),
                      [](const auto& a, const auto& b) { return a.second != b.second ? a.second > b.second : a.first < b.first; });
    for (std::size_t i = 0; i < keep; ++i) out.push_back(std::move(ranked[i].first));
    return out;
  };
}

}  // namespace studysearch
