#pragma once
// Search as you type (SearchRequest::prefix_last_word): which indexed words
// an unfinished last word stands for.
#include <xapian.h>

#include <cstddef>

#include "query_parser.hpp"
#include "snapshot.hpp"
#include "studysearch/analyzer.hpp"

namespace studysearch {

/// The stems of the index's words that begin with a normalised word, most
/// frequent first, at most `max`: the words of titles and summaries (the
/// snapshot's word list, which completion reads) and every free-text stem that
/// begins with it (so words only in relevance, limitations, authors or
/// journals count too). Stopwords are left out when `drop_stopwords`. The
/// expander refers to its arguments: use it only while they live.
PrefixExpander prefix_expander(const Xapian::Database& db, const Snapshot& snapshot, const Analyzer& analyzer,
                               std::size_t max, bool drop_stopwords);

}  // namespace studysearch
