#include "match_set.hpp"

#include <algorithm>

namespace studysearch {

DocSet& DocSet::operator|=(const DocSet& other) {
  if (other.words_.size() > words_.size()) words_.resize(other.words_.size(), 0);
  for (std::size_t i = 0; i < other.words_.size(); ++i) words_[i] |= other.words_[i];
  return *this;
}

DocSet& DocSet::operator&=(const DocSet& other) {
  for (std::size_t i = 0; i < words_.size(); ++i) words_[i] &= i < other.words_.size() ? other.words_[i] : 0;
  return *this;
}

DocSet& DocSet::subtract(const DocSet& other) {
  for (std::size_t i = 0; i < std::min(words_.size(), other.words_.size()); ++i) words_[i] &= ~other.words_[i];
  return *this;
}

std::size_t DocSet::size() const {
  std::size_t n = 0;
  for (std::uint64_t w : words_) n += static_cast<std::size_t>(std::popcount(w));
  return n;
}

DocSet all_documents(const Snapshot& snapshot) {
  const Xapian::docid last = snapshot.last_docid();
  DocSet out(last);
  for (Xapian::docid id = 1; id <= last; ++id)
    if (snapshot.present[id]) out.insert(id);
  return out;
}

namespace {

class Evaluator {
 public:
  Evaluator(const Xapian::Database& db, const Snapshot& snapshot)
      : db_(db), snapshot_(snapshot), last_(snapshot.last_docid()) {}

  DocSet eval(const Xapian::Query& q) const {
    using Q = Xapian::Query;
    switch (q.get_type()) {
      case Q::LEAF_TERM: {
        const std::string term = *q.get_terms_begin();
        DocSet out(last_);
        if (term.empty()) return everything();  // Query(std::string()) matches all
        for (auto it = db_.postlist_begin(term), end = db_.postlist_end(term); it != end; ++it) out.insert(*it);
        return out;
      }
      case Q::LEAF_MATCH_ALL:
        return everything();
      case Q::LEAF_MATCH_NOTHING:
        return DocSet(last_);
      case Q::OP_OR:
      case Q::OP_SYNONYM: {
        DocSet out(last_);
        for (std::size_t i = 0; i < q.get_num_subqueries(); ++i) out |= eval(q.get_subquery(i));
        return out;
      }
      case Q::OP_AND:
      case Q::OP_FILTER: {
        DocSet out = eval(q.get_subquery(0));
        for (std::size_t i = 1; i < q.get_num_subqueries(); ++i) out &= eval(q.get_subquery(i));
        return out;
      }
      case Q::OP_AND_NOT: {
        DocSet out = eval(q.get_subquery(0));
        for (std::size_t i = 1; i < q.get_num_subqueries(); ++i) out.subtract(eval(q.get_subquery(i)));
        return out;
      }
      case Q::OP_AND_MAYBE:  // the optional parts only weigh
      case Q::OP_SCALE_WEIGHT:
        return eval(q.get_subquery(0));
      default:
        return by_matcher(q);
    }
  }

 private:
  DocSet everything() const { return all_documents(snapshot_); }

  DocSet by_matcher(const Xapian::Query& q) const {
    DocSet out(last_);
    Xapian::Enquire e(db_);
    e.set_query(q);
    e.set_weighting_scheme(Xapian::BoolWeight());
    e.set_docid_order(Xapian::Enquire::ASCENDING);
    each_match(e, db_, snapshot_.shards, [&](Xapian::docid id, double) {
      if (id <= last_) out.insert(id);
    });
    return out;
  }

  const Xapian::Database& db_;
  const Snapshot& snapshot_;
  Xapian::docid last_;
};

}  // namespace

DocSet match_set(const Xapian::Database& db, const Snapshot& snapshot, const Xapian::Query& query) {
  return Evaluator(db, snapshot).eval(query);
}

}  // namespace studysearch
