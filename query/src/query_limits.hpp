#pragma once
// The one check of EngineOptions::max_query_bytes, for every engine call that
// takes query text (search, highlight, complete, facet_values).
#include <string>
#include <string_view>

#include "studysearch/studysearch.hpp"

namespace studysearch {

/// Throws Error{limit_exceeded} naming `what` when `text` is too long.
inline void check_query_bytes(std::string_view text, const EngineOptions& options, std::string_view what = "query") {
  if (text.size() > options.max_query_bytes)
    throw Error(ErrorKind::limit_exceeded, std::string(what) + " of " + std::to_string(text.size()) +
                                               " bytes is longer than the maximum of " +
                                               std::to_string(options.max_query_bytes));
}

}  // namespace studysearch
