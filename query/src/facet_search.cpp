// SearchEngine::facet_values: one facet group's values for a request, found
// by text (the web page's "search inside the facet" and "show more"). The
// counts come from search() itself, so they are the same exact, disjunctive
// counts as the search's facets; only the top-N cut is lifted.
#include <algorithm>
#include <climits>
#include <sstream>
#include <string_view>

#include "studysearch/analyzer.hpp"
#include "query_limits.hpp"
#include "studysearch/studysearch.hpp"

namespace studysearch {
namespace {

std::vector<std::string> words_of(const std::string& text) {
  std::vector<std::string> words;
  std::istringstream in(normalize_text(text));
  for (std::string word; in >> word;) words.push_back(std::move(word));
  return words;
}

// Every word of the search begins some word of the value.
bool matches(const std::vector<std::string>& search, const std::string& value) {
  if (search.empty()) return true;
  const std::vector<std::string> words = words_of(value);
  return std::all_of(search.begin(), search.end(), [&](const std::string& s) {
    return std::any_of(words.begin(), words.end(), [&](const std::string& w) { return w.starts_with(s); });
  });
}

}  // namespace

FacetValueList SearchEngine::facet_values(const SearchRequest& request, const std::string& group,
                                          const std::string& text, std::size_t k) const {
  const Field* field = find_field(group);
  if (!field || !field->filter) {
    std::string names;
    for (const Field& f : study_fields())
      if (f.filter) names += (names.empty() ? "" : ", ") + std::string(f.name);
    throw Error(ErrorKind::invalid_query, "unknown facet group '" + group.substr(0, 40) + "' (one of " + names + ")");
  }
  check_query_bytes(text, options(), "facet search text");
  SearchRequest probe = request;
  probe.offset = 0;
  probe.limit = 0;
  probe.facets = true;
  probe.snippets = false;
  probe.suggest = false;
  probe.max_facet_values = SIZE_MAX;
  const SearchResult result = search(probe);
  const std::vector<std::string> search_words = words_of(text);
  FacetValueList out;
  for (const FacetValue& v : result.facets[group])
    if (v.count > 0 && matches(search_words, v.value)) out.values.push_back(v);
  out.matched = out.values.size();
  // pem and year come in their own order; the list is by count like journals.
  std::stable_sort(out.values.begin(), out.values.end(), [](const FacetValue& a, const FacetValue& b) {
    return a.count != b.count ? a.count > b.count : a.value < b.value;
  });
  if (out.values.size() > k) out.values.resize(k);
  return out;
}

}  // namespace studysearch
