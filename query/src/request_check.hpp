#pragma once
// The request checks every front end shares: result window, query size,
// years and filter values (the record rules of study.hpp and fields.hpp).
#include "studysearch/studysearch.hpp"

namespace studysearch {

/// Throws Error{limit_exceeded | invalid_query} naming the field.
void check_request(const SearchRequest& r, const EngineOptions& o);

}  // namespace studysearch
