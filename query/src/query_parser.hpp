#pragma once
// The query language: plain words; "exact phrase"; -word and -"phrase" to
// exclude; OR between words; field prefixes title: author: journal: summary:
// relevance: limitations:; year:2015..2020 (or year:2019, ..2020, 2015..);
// pem:required|not_required|unclear. Anything it cannot read as syntax is
// read as plain words: parsing never fails.
#include <xapian.h>

#include <functional>
#include <set>
#include <string>
#include <vector>

#include "studysearch/analyzer.hpp"
#include "synonyms.hpp"

namespace studysearch {

struct ParserOptions {
  double synonym_weight = 0.6;
  bool stopwords = true;
  std::size_t max_terms = 64;
  double field_k1 = 1.2;  ///< saturation of summary:/relevance:/limitations: matches
  /// A plain word typed n times weighs (k3 + 1) n / (k3 + n) times once
  /// (BM25's query-term saturation); below 0, n times (each repetition counts in full).
  double query_k3 = -1;
};

/// A plain word of the query as typed, for did-you-mean.
struct QueryWord {
  std::string word;  ///< normalised, unstemmed
  std::string stem;
  std::size_t begin = 0, end = 0;  ///< byte range in the query text
};

/// One weighted part of a concept as the ranker sees it: a term; several
/// terms as one OP_SYNONYM; or, with `phrase`, an OP_PHRASE of the terms
/// (matched with positions, weighed as the sum of its terms). BM25 times `factor`.
struct ScoredLeaf {
  std::vector<std::string> terms;
  double factor = 1.0;
  bool phrase = false;
};

/// A concept as a sum of leaves: it matches where any leaf matches, and a
/// document's weight is the sum of its matching leaves (as in Xapian's OR).
struct ScoredConcept {
  std::vector<ScoredLeaf> leaves;
};

struct ParsedQuery {
  /// Positive parts, one per word or synonym group (or OR group). Empty = browse.
  std::vector<Xapian::Query> concepts;
  Xapian::Query excluded;      ///< OR of excluded parts (empty query = none)
  Xapian::Query text_filters;  ///< pem:/year: written in the query (empty = none)
  bool has_or = false;
  std::size_t word_count = 0;  ///< positive words typed (stopwords included)
  std::set<std::string> highlight_stems;  ///< words and synonyms to mark in snippets
  std::vector<QueryWord> words;           ///< plain free-text words, for did-you-mean
  /// The concepts again, as plain terms and synonyms, one per concept; valid
  /// only when `plan_complete` (no concept needs positions: phrases, field
  /// ranges), and then equivalent to `concepts` for matching and weighting.
  std::vector<ScoredConcept> plan;
  bool plan_complete = true;

  bool browse() const { return concepts.empty(); }
  /// OR of the concepts (or match-all when browsing), minus exclusions, with text filters.
  Xapian::Query any_words() const;
  /// Same but every concept required.
  Xapian::Query all_words() const;
  /// Wraps a positive query with exclusions and text filters.
  Xapian::Query finish(const Xapian::Query& positive) const;
};

/// Search as you type (prefix.hpp): the stems of the indexed words that a
/// normalised word begins, most frequent first; empty when there are none.
using PrefixExpander = std::function<std::vector<std::string>(const std::string& word)>;

/// With `expand_last_word`, a plain word that ends the text (no space, quote
/// or field after it) matches as itself OR any of its expansions (one synonym
/// group), unless the thesaurus claims it; an empty expander changes nothing.
ParsedQuery parse_query(std::string_view text, const Analyzer& analyzer, const Thesaurus& thesaurus,
                        const ParserOptions& options, const PrefixExpander& expand_last_word = {});

/// True for English function words ("the", "of", ...), normalised form.
bool is_stopword(std::string_view word);

}  // namespace studysearch
