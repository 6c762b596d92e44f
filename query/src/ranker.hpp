#pragma once
// Exact ranking from posting lists for queries made of terms and synonyms
// (ParsedQuery::plan): Xapian's BM25Weight formula applied to every match in
// a tight loop over posting lists and the snapshot's document lengths. The
// weights equal Xapian's (tests/oracle.cpp checks), several times faster than
// Xapian's matcher weighing every match, and exact, which Xapian 1.4.22's
// pruned top-k is not (see "Exact pages" in bench/RESULTS.md). With a k1 per
// term (Bm25Params::k1_wdf) each term weighs as Xapian's BM25Weight with that
// term's k1 would (term_passes.hpp gives Xapian the same, a pass per term).
#include <xapian.h>

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <string>
#include <utility>
#include <vector>

#include "match_set.hpp"
#include "query_parser.hpp"
#include "snapshot.hpp"

namespace studysearch {

/// What the per-term parameters read of a term, or of a synonym group as
/// Xapian weighs OP_SYNONYM: its document frequency (for a group, Xapian's
/// estimate for an OR of the terms, combined pairwise from the rarest up) and
/// its collection frequency (for a group, the sum).
struct TermStats {
  double collection_freq = 0;
  double termfreq = 0;
  static TermStats of(const Xapian::Database& db, const std::string& term);
  static TermStats of(const Xapian::Database& db, const std::vector<std::string>& synonyms);
  /// Mean wdf in the documents that contain it (at least 1).
  double mean_wdf() const { return termfreq <= 0 ? 1.0 : std::max(1.0, collection_freq / termfreq); }
};

/// Xapian::BM25Weight's parameters (k2 = 0, k3 = 1, as the engine uses it),
/// and optionally a k1 per term (EngineOptions::term_k1_wdf).
struct Bm25Params {
  double k1 = 1.2;
  double b = 0.75;
  double min_normlen = 0.5;
  /// 0: one k1 for every term. Otherwise a term whose mean wdf in the
  /// documents that contain it (collection freq / termfreq) is `k1_wdf`
  /// saturates with k1, one with twice that mean with k1 / 2: words a study
  /// repeats whenever it mentions them ("vitamin D", "weight loss") saturate
  /// early, words mentioned once count each mention. The weight's scale stays
  /// k1 + 1 for every term, so only the shape of tf changes.
  double k1_wdf = 0;
  /// Each term's weight times (its mean wdf)^burstiness: words documents
  /// repeat once they mention them are content words (0: off).
  double burstiness = 0;

  double k1_for(const TermStats& t) const {
    if (k1_wdf <= 0 || t.termfreq <= 0) return k1;
    return k1 * k1_wdf / t.mean_wdf();
  }
  double scale_for(const TermStats& t) const { return burstiness == 0 ? 1.0 : std::pow(t.mean_wdf(), burstiness); }
  /// Terms do not all weigh with one k1 and scale (Xapian needs a pass per term).
  bool per_term() const { return k1_wdf > 0 || burstiness != 0; }
  /// Xapian's BM25Weight with these parameters and this k1.
  Xapian::BM25Weight weight(double k1_t) const { return Xapian::BM25Weight(k1_t, 0, 1, b, min_normlen); }
  /// The same weight as weight(k1_t) times this factor.
  double xapian_scale(double k1_t) const { return (k1 + 1) / (k1_t + 1); }
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
  double termweight(double termfreq, double factor) const;
  /// One term's (or synonym group's) weight, times a factor: its termweight
  /// and its k1 (Bm25Params::scale_for, k1_for).
  struct TermWeight {
    double termweight, k1;
  };
  TermWeight term_weight(const TermStats& stats, double factor) const {
    return {termweight(stats.termfreq, factor * params_.scale_for(stats)), params_.k1_for(stats)};
  }
  void add_positional(const DocSet& where, const std::vector<std::string>& terms, double factor);
  double sumpart(const TermWeight& t, std::uint32_t wdf, std::uint32_t length) const {
    const double normlen = std::max(length * len_factor_, params_.min_normlen);
    const double w = wdf;
    return t.termweight * (w / (t.k1 * (normlen * params_.b + (1 - params_.b)) + w));
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
