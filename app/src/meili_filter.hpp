#pragma once
// Meilisearch's `filter` parameter -> the filter fields of a SearchRequest.
//
// Both forms: a string expression (`pem = required AND (journal = "BMJ Open"
// OR journal = Brain)`, NOT, parentheses, `= != > >= < <=`, `a TO b`, `IN [..]`,
// quoted attributes and values with backslash escapes) and the array form
// (outer array AND, inner arrays OR; every element a string expression).
// Keywords (AND OR NOT TO IN) are case-insensitive; quote a value that is one.
//
// The result must be something SearchRequest can say: per field one OR
// group, ANDed across fields; year one inclusive range, and/or yearless
// studies (`year NOT EXISTS`, `year < 1990 OR year NOT EXISTS`). So OR across two
// fields, `journal != X` (it also matches studies without a journal), or
// `year != 2019` (two ranges) are a 400 invalid_search_filter that says so,
// never silently dropped. A filter that matches nothing (`year > 2100`,
// `pem = required AND pem = unclear`) is valid: apply_filter() returns false.
#include <nlohmann/json.hpp>

#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

#include "studysearch/studysearch.hpp"

namespace studysearch::app::meili {

/// An error in Meilisearch's shape: {message, code, type, link}.
struct ApiError : std::runtime_error {
  int status;
  std::string code, type;
  ApiError(int status_, std::string code_, std::string type_, const std::string& message)
      : std::runtime_error(message), status(status_), code(std::move(code_)), type(std::move(type_)) {}
};

/// 400 invalid_request with `code` (e.g. "invalid_search_filter").
ApiError bad_request(std::string code, const std::string& message);

/// The filterable (and facetable) attributes: the facet fields of the record.
const std::vector<std::string>& filterable_attributes();

/// Sets request.filters / year_from / year_to / year_unknown
/// from a Meilisearch filter (null = none). Returns false when the filter can
/// match no study. Throws ApiError{invalid_search_filter}.
bool apply_filter(const nlohmann::json& filter, SearchRequest& request);

}  // namespace studysearch::app::meili
