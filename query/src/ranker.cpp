#include "ranker.hpp"

#include <algorithm>
#include <cmath>
#include <functional>
#include <iterator>
#include <queue>

namespace studysearch {

Ranker::Ranker(const Xapian::Database& db, const Snapshot& snapshot, const Bm25Params& params, RankScratch& scratch)
    : db_(db),
      snapshot_(snapshot),
      params_(params),
      scratch_(scratch),
      last_(static_cast<Xapian::docid>(snapshot.doclength.empty() ? 0 : snapshot.doclength.size() - 1)),
      documents_(static_cast<double>(snapshot.documents)),
      len_factor_(params.b == 0 || params.k1 == 0 || snapshot.average_length == 0 ? 0 : 1 / snapshot.average_length),
      touched_(last_) {
  if (scratch_.score.size() < last_ + std::size_t{1}) scratch_.score.resize(last_ + std::size_t{1}, 0.0);
  if (scratch_.wdf.size() < last_ + std::size_t{1}) scratch_.wdf.resize(last_ + std::size_t{1}, 0);
}

Ranker::~Ranker() {
  touched_.for_each([&](Xapian::docid id) { scratch_.score[id] = 0; });
}

// Xapian 1.4 BM25Weight::init without an RSet: the idf-like part, lifted for
// terms in more than a third of the documents, then (k3 + 1) wqf / (k3 + wqf)
// (= 1 for k3 = 1, wqf = 1) and (k1 + 1).
double Ranker::termweight(double termfreq, double factor) const {
  double tw = (documents_ - termfreq + 0.5) / (termfreq + 0.5);
  if (tw < 2) tw = tw * 0.5 + 1;
  return std::log(tw) * factor * (params_.k1 + 1);
}

TermStats TermStats::of(const Xapian::Database& db, const std::string& term) {
  return {static_cast<double>(db.get_collection_freq(term)), static_cast<double>(db.get_termfreq(term))};
}

TermStats TermStats::of(const Xapian::Database& db, const std::vector<std::string>& synonyms) {
  const double documents = db.get_doccount();
  TermStats out;
  std::priority_queue<Xapian::doccount, std::vector<Xapian::doccount>, std::greater<>> rarest;
  for (const auto& t : synonyms) {
    rarest.push(db.get_termfreq(t));
    out.collection_freq += static_cast<double>(db.get_collection_freq(t));
  }
  if (rarest.empty()) return out;
  while (rarest.size() > 1) {
    const double r = rarest.top();
    rarest.pop();
    const double l = rarest.top();
    rarest.pop();
    // Independence: P(l or r) = P(l) + P(r) - P(l) P(r), rounded per pair.
    rarest.push(static_cast<Xapian::doccount>(l + r - l * r / documents + 0.5));
  }
  out.termfreq = rarest.top();
  return out;
}

DocSet Ranker::add(const ScoredLeaf& leaf, double scale) {
  DocSet out(last_);
  const double factor = leaf.factor * scale;
  if (leaf.terms.size() == 1) {
    const std::string& term = leaf.terms.front();
    const TermWeight weight = term_weight(TermStats::of(db_, term), factor);
    for (auto it = db_.postlist_begin(term), end = db_.postlist_end(term); it != end; ++it) {
      const Xapian::docid id = *it;
      if (id > last_) continue;  // newer than the snapshot (cannot happen: one revision)
      out.insert(id);
      scratch_.score[id] += sumpart(weight, it.get_wdf(), snapshot_.doclength[id]);
    }
  } else if (leaf.phrase) {
    // Positions decide the match (Xapian); the weight is each term's, as in
    // Xapian's OP_PHRASE, read only for the documents with the phrase.
    const Xapian::Query phrase(Xapian::Query::OP_PHRASE, leaf.terms.begin(), leaf.terms.end(),
                               static_cast<Xapian::termcount>(leaf.terms.size()));
    out = match_set(db_, snapshot_, phrase);
    add_positional(out, leaf.terms, factor);
  } else if (!leaf.terms.empty()) {
    // One synonym: the wdf of all its terms together, weighed once.
    const TermWeight weight = term_weight(TermStats::of(db_, leaf.terms), factor);
    for (const auto& term : leaf.terms)
      for (auto it = db_.postlist_begin(term), end = db_.postlist_end(term); it != end; ++it) {
        const Xapian::docid id = *it;
        if (id > last_) continue;
        out.insert(id);
        scratch_.wdf[id] += it.get_wdf();
      }
    out.for_each([&](Xapian::docid id) {
      scratch_.score[id] += sumpart(weight, scratch_.wdf[id], snapshot_.doclength[id]);
      scratch_.wdf[id] = 0;
    });
  }
  touched_ |= out;
  return out;
}

void Ranker::add_positional(const DocSet& where, const std::vector<std::string>& terms, double factor) {
  for (const auto& term : terms) {
    const TermWeight weight = term_weight(TermStats::of(db_, term), factor);
    Xapian::PostingIterator it = db_.postlist_begin(term);
    const Xapian::PostingIterator end = db_.postlist_end(term);
    where.for_each([&](Xapian::docid id) {
      if (it == end) return;
      it.skip_to(id);
      if (it != end && *it == id) scratch_.score[id] += sumpart(weight, it.get_wdf(), snapshot_.doclength[id]);
    });
  }
}

void Ranker::add_near(const std::vector<std::pair<std::string, std::string>>& pairs, double factor,
                      Xapian::termcount window, const DocSet& candidates) {
  std::vector<std::string> terms;
  for (const auto& [a, b] : pairs) terms.insert(terms.end(), {a, b});
  std::sort(terms.begin(), terms.end());
  terms.erase(std::unique(terms.begin(), terms.end()), terms.end());
  auto index_of = [&](const std::string& t) {
    return static_cast<std::size_t>(std::lower_bound(terms.begin(), terms.end(), t) - terms.begin());
  };
  std::vector<DocSet> near(pairs.size(), DocSet(last_));
  std::vector<std::vector<Xapian::termpos>> positions(terms.size());
  candidates.for_each([&](Xapian::docid id) {
    for (std::size_t t = 0; t < terms.size(); ++t)
      positions[t].assign(db_.positionlist_begin(id, terms[t]), db_.positionlist_end(id, terms[t]));
    for (std::size_t i = 0; i < pairs.size(); ++i) {
      const auto& first = positions[index_of(pairs[i].first)];
      const auto& second = positions[index_of(pairs[i].second)];
      // Positions ascend: for each position of the second term, the last
      // position of the first term before it.
      auto it = first.begin();
      for (Xapian::termpos p : second) {
        if (it == first.end()) break;
        while (std::next(it) != first.end() && *std::next(it) < p) ++it;
        if (*it < p && p - *it < window) {
          near[i].insert(id);
          break;
        }
      }
    }
  });
  for (std::size_t i = 0; i < pairs.size(); ++i) {
    add_positional(near[i], {pairs[i].first, pairs[i].second}, factor);
    touched_ |= near[i];
  }
}

}  // namespace studysearch
