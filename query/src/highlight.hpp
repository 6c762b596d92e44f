#pragma once
// Match spans of a text for a set of query stems: the library's highlighting
// primitive (the Meilisearch dialect's _formatted uses it; snippets mark the
// same words). No markup: front ends render the spans.
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include "studysearch/analyzer.hpp"
#include "studysearch/studysearch.hpp"

namespace studysearch {

/// `text` as alternating unmatched / matched spans: a word is matched when its
/// stem is in `stems`. Spans concatenate to `text`; each matched word is its
/// own span, unmatched text between words is merged.
std::vector<TextSpan> highlight_spans(std::string_view text, const std::set<std::string>& stems, const Analyzer& analyzer);

}  // namespace studysearch
