#pragma once
// Snippets: the best passage of a study for a query, as spans: the matched
// words (any form with a matching stem) are the matched spans. Data, not
// markup: front ends render them (app/ escapes them into <mark> HTML).
#include <set>
#include <string>

#include "studysearch/analyzer.hpp"
#include "studysearch/studysearch.hpp"

namespace studysearch {

/// Picks the best window of about `max_chars` bytes from summary, relevance
/// or limitations (the first part of the summary when nothing matches).
std::vector<TextSpan> make_snippet(const Study& study, const std::set<std::string>& stems, const Analyzer& analyzer,
                         std::size_t max_chars);

}  // namespace studysearch
