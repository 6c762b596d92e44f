#pragma once
// Snippets: the best passage of a study for a query, HTML-escaped, with the
// matched words (any form with a matching stem) wrapped in <mark>...</mark>.
#include <set>
#include <string>

#include "studysearch/analyzer.hpp"
#include "studysearch/study.hpp"

namespace studysearch {

/// Escapes &, <, >, " and ' for HTML text and attribute values.
std::string html_escape(std::string_view text);

/// Picks the best window of about `max_chars` bytes from summary, relevance
/// or limitations (the first part of the summary when nothing matches).
std::string make_snippet(const Study& study, const std::set<std::string>& stems, const Analyzer& analyzer,
                         std::size_t max_chars);

}  // namespace studysearch
