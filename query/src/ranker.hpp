#pragma once
// Exact ranking from posting lists for queries made of terms and synonyms
// (ParsedQuery::plan): Xapian's BM25Weight formula applied to every match in
// a tight loop over posting lists and the snapshot's document lengths. The
// weights equal Xapian's (tests/oracle.cpp checks), several times faster than
// Xapian's matcher weighing every match, and exact, which Xapian 1.4.22's
// pruned top-k is not (see "Exact pages" in bench/RESULTS.md).
#include <xapian.h>

#include <cstdint>
#include <string>
#include <utility>
#include <vector>

#include "match_set.hpp"
#include "query_parser.hpp"
#include "snapshot.hpp"

namespace studysearch {

/// Xapian::BM25Weight's parameters (k2 = 0, k3 = 1, as the engine uses it).
struct Bm25Params {
  double k1 = 1.2;
  double b = 0.75;
  double min_normlen = 0.5;
};

/// Per-reader scratch space, reused between searches; all zero between uses.
struct RankScratch {
  std::vector<double> score;
  std::vector<std::uint32_t> wdf;
};

class Ranker {
 public:
  Ranker(const Xapian::Database& db, const Snapshot& snapshot, const Bm25Params& params, RankScratch& scratch);
  ~Ranker();  // leaves the scratch zeroed
  Ranker(const Ranker&) = delete;
  Ranker& operator=(const Ranker&) = delete;

  /// Adds the leaf's BM25 weight (times its factor and `scale`) to every
  /// document it matches, and returns those documents.
  DocSet add(const ScoredLeaf& leaf, double scale = 1.0);
  /// For each pair (a, b): adds `factor` times the BM25 weights of a and b to
  /// every document of `candidates` where a is followed by b within `window`
  /// positions (as Xapian's OP_PHRASE with that window). Each term's
  /// positions are read once per document.
  void add_near(const std::vector<std::pair<std::string, std::string>>& pairs, double factor,
                Xapian::termcount window, const DocSet& candidates);
  double score(Xapian::docid id) const { return scratch_.score[id]; }
  Xapian::docid last_docid() const { return last_; }

 private:
  /// The term frequency Xapian uses to weigh OP_SYNONYM(terms): its estimate
  /// for an OR of the terms, combined pairwise from the rarest up.
  double synonym_termfreq(const std::vector<std::string>& terms) const;
  double termweight(double termfreq, double factor) const;
  void add_positional(const DocSet& where, const std::vector<std::string>& terms, double factor);
  double sumpart(double termweight, std::uint32_t wdf, std::uint32_t length) const {
    const double normlen = std::max(length * len_factor_, params_.min_normlen);
    const double w = wdf;
    return termweight * (w / (params_.k1 * (normlen * params_.b + (1 - params_.b)) + w));
  }

  const Xapian::Database& db_;
  const Snapshot& snapshot_;
  Bm25Params params_;
  RankScratch& scratch_;
  Xapian::docid last_;
  double documents_;
  double len_factor_;
  DocSet touched_;
};

}  // namespace studysearch
