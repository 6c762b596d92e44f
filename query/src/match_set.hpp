#pragma once
// Exact match sets as bitmaps over docids: the unweighted pass behind totals,
// facet counts and the all-words tier. Boolean structure (OR, AND, AND_NOT,
// FILTER, SYNONYM, weight scaling) is evaluated straight from posting lists;
// only the parts that need positions or values (phrases, field ranges, value
// ranges) go through Xapian's matcher.
#include <xapian.h>

#include <algorithm>
#include <bit>
#include <cstdint>
#include <vector>

#include "snapshot.hpp"

namespace studysearch {

class DocSet {
 public:
  /// An empty set able to hold docids 1..last.
  explicit DocSet(Xapian::docid last = 0) : words_(last / 64 + 1, 0) {}

  void insert(Xapian::docid id) { words_[id >> 6] |= std::uint64_t{1} << (id & 63); }
  bool contains(Xapian::docid id) const {
    return (id >> 6) < words_.size() && (words_[id >> 6] >> (id & 63) & 1);
  }
  DocSet& operator|=(const DocSet& other);
  DocSet& operator&=(const DocSet& other);
  DocSet& subtract(const DocSet& other);
  std::size_t size() const;

  /// Calls fn(docid) in ascending docid order.
  template <typename Fn>
  void for_each(Fn&& fn) const {
    for_each_while([&](Xapian::docid id) {
      fn(id);
      return true;
    });
  }
  /// Same, until fn returns false.
  template <typename Fn>
  void for_each_while(Fn&& fn) const {
    for (std::size_t w = 0; w < words_.size(); ++w)
      for (std::uint64_t bits = words_[w]; bits; bits &= bits - 1)
        if (!fn(static_cast<Xapian::docid>(w * 64 + static_cast<std::size_t>(std::countr_zero(bits))))) return;
  }

 private:
  std::vector<std::uint64_t> words_;
};

/// Runs `e` over every match of its query, calling fn(docid, weight). One
/// shard: a match spy (no sorting, no MSet). Several: the whole MSet, because
/// a spy sees each shard's own docids, not the combined database's.
template <typename Fn>
void each_match(Xapian::Enquire& e, const Xapian::Database& db, std::size_t shards, Fn&& fn) {
  const Xapian::doccount all = std::max<Xapian::doccount>(db.get_doccount(), 1);
  if (shards > 1) {
    const Xapian::MSet m = e.get_mset(0, all, all);
    for (auto it = m.begin(); it != m.end(); ++it) fn(*it, it.get_weight());
    return;
  }
  struct Spy : Xapian::MatchSpy {
    Fn* fn;
    void operator()(const Xapian::Document& doc, double wt) override { (*fn)(doc.get_docid(), wt); }
  } spy;
  spy.fn = &fn;
  e.add_matchspy(&spy);
  e.get_mset(0, 0, all);
  e.clear_matchspies();
}

/// Every document of the snapshot.
DocSet all_documents(const Snapshot& snapshot);

/// Every document of `query` in `db` (whose revision `snapshot` describes).
DocSet match_set(const Xapian::Database& db, const Snapshot& snapshot, const Xapian::Query& query);

}  // namespace studysearch
