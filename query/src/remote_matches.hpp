#pragma once
// The match set of a query over a shard set with remote shards, where the
// snapshot's columns cannot be read (a value stream over the remote protocol
// costs a round trip per chunk): Xapian's matcher finds every match, and the
// columns the collectors need travel with each match as its sort key: one
// value slot holds them all (schema.hpp kRowSlot), so one pass brings the
// weights and every column (the stock remote server runs neither custom match
// spies nor key makers). The matches are numbered 1..M in docid order, and `columns` is a
// snapshot of just them, so the same collectors (facets, filters, page) run
// on it as on a local index.
#include <xapian.h>

#include <cstddef>
#include <unordered_map>
#include <vector>

#include "match_set.hpp"
#include "snapshot.hpp"

namespace studysearch {

class RemoteMatches {
 public:
  /// Columns beyond the id to fill in (they come anyway; filling costs time).
  struct Needs {
    bool years = false;     // date sorts, year filters, facets
    bool keywords = false;  // keyword filters, facets
  };
  /// Every match of `weighted` (weighed by `scheme`) with its id, and the columns `needs` asks for.
  RemoteMatches(const Xapian::Database& db, const Xapian::Weight& scheme, const Xapian::Query& weighted, Needs needs);

  const Snapshot& columns() const { return columns_; }
  std::size_t size() const { return docid_.size() - 1; }
  double score(Xapian::docid local) const { return score_[local]; }
  /// Every match, as local ids.
  DocSet all() const;
  /// The local ids of the matches that `query` also matches.
  DocSet subset(const Xapian::Query& query) const;
  /// Adds the weights of `query` (under the scheme) to the matches it matches.
  void add_weights(const Xapian::Weight& scheme, const Xapian::Query& query);
  /// The documents of some matches (local ids), fetched in one pipelined batch.
  std::vector<Xapian::Document> documents(const std::vector<Xapian::docid>& locals);
  /// The docid in the shard set's database.
  Xapian::docid docid(Xapian::docid local) const { return docid_[local]; }
  /// The study id of a match.
  const std::string& id(Xapian::docid local) const { return ids_[local]; }
  /// The local id of a docid (0: not a match).
  Xapian::docid local(Xapian::docid docid) const;

 private:
  // Runs `query` (all matches, weighed by `scheme`) with `slot` as each
  // match's sort key (-1: none; ties then go by that value).
  template <typename Fn>
  Xapian::MSet each_match(const Xapian::Weight& scheme, const Xapian::Query& query, int slot, Fn&& fn) const;

  Xapian::Database db_;
  Xapian::MSet mset_;                  // the weighted matches (for fetching documents)
  std::vector<Xapian::docid> docid_;   // by local id (0 unused)
  std::vector<Xapian::doccount> rank_;  // local id -> position in mset_
  std::unordered_map<Xapian::docid, Xapian::docid> local_;
  std::vector<double> score_;
  std::vector<std::string> ids_;       // by local id
  Snapshot columns_;
};

}  // namespace studysearch
