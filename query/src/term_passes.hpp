#pragma once
// BM25 with a k1 per term (Bm25Params::k1_wdf) through Xapian's matcher.
// Xapian weighs a whole query with one scheme, and its BM25Weight has one k1,
// so each term becomes a pass of its own: BM25Weight(k1 of the term) on just
// that term, scaled to the Ranker's weight (Bm25Params::xapian_scale). The
// remote path runs these passes on stock shard servers (stock weights only);
// the Ranker computes the same weights in one loop (tests/oracle.cpp).
#include <xapian.h>

#include <vector>

#include "query_parser.hpp"
#include "ranker.hpp"

namespace studysearch {

struct TermPass {
  Xapian::Query query;  ///< weighs one term (or one synonym group), scaled
  double k1;            ///< the k1 to weigh it with
  Xapian::BM25Weight scheme(const Bm25Params& p) const { return p.weight(k1); }
};

/// The passes that weigh `leaf` where the leaf matches, and
/// only where `within` matches too (an empty query: everywhere): one per
/// term, one for a synonym group, one per term of a phrase (matching where
/// the phrase does, as OP_PHRASE weighs its terms).
std::vector<TermPass> leaf_passes(const Xapian::Database& db, const Bm25Params& params, const ScoredLeaf& leaf,
                                  const Xapian::Query& within = Xapian::Query());

}  // namespace studysearch
