#pragma once
// Query-string parameters -> library requests. A bad value is
// Error{invalid_query} naming the parameter; unknown parameters are ignored;
// an empty value counts as absent (what an untouched HTML form field sends).
#include <cstddef>
#include <map>
#include <string>

#include "studysearch/studysearch.hpp"

namespace studysearch::app {

/// Decoded query parameters, repeatable keys kept in order (httplib::Params).
using QueryParams = std::multimap<std::string, std::string>;

/// q, one repeatable parameter per keyword filter field (Field::filter_param():
/// pem, journal, evidence, design, ...), year_from, year_to, year_unknown,
/// sort, offset, limit, facets, snippets, prefix (the last word is being
/// typed), journal_facets (<= kMaxJournalFacets). Range checks (limit,
/// window) are the engine's.
SearchRequest search_request_from(const QueryParams& params);

/// The non-negative integer parameter `name`, `fallback` when absent; above
/// `max` is Error{limit_exceeded}.
std::size_t count_param(const QueryParams& params, const std::string& name, std::size_t fallback, std::size_t max);

/// The first value of `name`, or "" when absent.
std::string text_param(const QueryParams& params, const std::string& name);

/// A 0/1 (or false/true) parameter, `fallback` when absent.
bool flag_param(const QueryParams& params, const std::string& name, bool fallback);

/// Cap of the journal_facets parameter (values in the search's journal facet).
inline constexpr std::size_t kMaxJournalFacets = 1000;

}  // namespace studysearch::app
