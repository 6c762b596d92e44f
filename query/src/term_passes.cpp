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
  auto scaled = [&](const Xapian::Query& q, double k1) {
    return Xapian::Query(Xapian::Query::OP_SCALE_WEIGHT, q, leaf.factor * params.xapian_scale(k1));
  };
  auto term_k1 = [&](const std::string& t) {
    return params.k1_for(static_cast<double>(db.get_collection_freq(t)), db.get_termfreq(t));
  };
  if (leaf.terms.empty()) return out;
  if (leaf.terms.size() == 1) {
    const double k1 = term_k1(leaf.terms.front());
    out.push_back({restricted(scaled(Xapian::Query(leaf.terms.front()), k1), within), k1});
  } else if (leaf.phrase) {
    const Xapian::Query phrase(Xapian::Query::OP_PHRASE, leaf.terms.begin(), leaf.terms.end(),
                               static_cast<Xapian::termcount>(leaf.terms.size()));
    const Xapian::Query where = within.empty() ? phrase : Xapian::Query(Xapian::Query::OP_AND, phrase, within);
    for (const auto& t : leaf.terms) {
      const double k1 = term_k1(t);
      out.push_back({restricted(scaled(Xapian::Query(t), k1), where), k1});
    }
  } else {
    double collection_freq = 0;
    for (const auto& t : leaf.terms) collection_freq += static_cast<double>(db.get_collection_freq(t));
    const double k1 = params.k1_for(collection_freq, synonym_termfreq(db, leaf.terms));
    const Xapian::Query synonym(Xapian::Query::OP_SYNONYM, leaf.terms.begin(), leaf.terms.end());
    out.push_back({restricted(scaled(synonym, k1), within), k1});
  }
  return out;
}

}  // namespace studysearch
