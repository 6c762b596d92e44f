#include "term_passes.hpp"

namespace studysearch {

namespace {

Xapian::Query restricted(Xapian::Query weighted, const Xapian::Query& where) {
  if (where.empty()) return weighted;
  return Xapian::Query(Xapian::Query::OP_FILTER, weighted, where);
}

}  // namespace

std::vector<TermPass> leaf_passes(const Xapian::Database& db, const Bm25Params& params, const ScoredLeaf& leaf,
                                  const Xapian::Query& within) {
  std::vector<TermPass> out;
  // The pass for a term (or synonym group) of these statistics.
  auto pass = [&](const Xapian::Query& q, const TermStats& stats, const Xapian::Query& where) {
    const double k1 = params.k1_for(stats);
    const double scale = leaf.factor * params.scale_for(stats) * params.xapian_scale(k1);
    return TermPass{restricted(Xapian::Query(Xapian::Query::OP_SCALE_WEIGHT, q, scale), where), k1};
  };
  if (leaf.terms.empty()) return out;
  if (leaf.terms.size() == 1) {
    const std::string& t = leaf.terms.front();
    out.push_back(pass(Xapian::Query(t), TermStats::of(db, t), within));
  } else if (leaf.phrase) {
    const Xapian::Query phrase(Xapian::Query::OP_PHRASE, leaf.terms.begin(), leaf.terms.end(),
                               static_cast<Xapian::termcount>(leaf.terms.size()));
    const Xapian::Query where = within.empty() ? phrase : Xapian::Query(Xapian::Query::OP_AND, phrase, within);
    for (const auto& t : leaf.terms) out.push_back(pass(Xapian::Query(t), TermStats::of(db, t), where));
  } else {
    const Xapian::Query synonym(Xapian::Query::OP_SYNONYM, leaf.terms.begin(), leaf.terms.end());
    out.push_back(pass(synonym, TermStats::of(db, leaf.terms), within));
  }
  return out;
}

}  // namespace studysearch
