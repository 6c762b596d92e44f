#pragma once
// Exact disjunctive facet counting from the in-memory columns, in one pass
// over the match set. A document that fails exactly one filter group still
// counts for that group's facet ("all filters but mine"); a document passing
// every group counts everywhere and in the total.
#include <xapian.h>

#include <array>
#include <cstdint>
#include <optional>
#include <vector>

#include "match_set.hpp"
#include "snapshot.hpp"
#include "studysearch/studysearch.hpp"

namespace studysearch {

/// The request's filters resolved against one snapshot.
struct ResolvedFilters {
  std::uint8_t pem_mask = 0;       // bit per Pem value; 0 = no filter
  std::vector<char> journal_allowed;  // by journal id; empty = no filter
  std::optional<int> year_from, year_to;
  bool year_unknown = false;       // yearless studies pass (alone: only they)
  std::uint8_t evidence_mask = 0;  // bit per level; 0 = no filter
  std::vector<char> design_allowed;

  static ResolvedFilters resolve(const SearchRequest& request, const Snapshot& snapshot);
  bool any() const;
  /// Bitmask of failing groups for one document (0 = passes all).
  unsigned failures(const Snapshot& s, Xapian::docid id) const;
  /// A Xapian filter query equivalent to these filters (empty = none).
  Xapian::Query as_query(const SearchRequest& request) const;
};

class FacetCounter {
 public:
  FacetCounter(const Snapshot& snapshot, const ResolvedFilters& filters, bool facets);

  void add(Xapian::docid id);
  /// Every document of a set (in docid order).
  void add_set(const DocSet& documents);

  std::size_t total() const { return total_; }
  Facets facets(const SearchRequest& request) const;

 private:
  const Snapshot& snapshot_;
  const ResolvedFilters& filters_;
  bool facets_;
  std::size_t total_ = 0;
  std::array<std::size_t, 3> pem_{};
  std::vector<std::size_t> journal_;
  std::vector<std::size_t> year_;  // index year - kMinYear; last = unknown
  std::array<std::size_t, 5> evidence_{};  // E0..E3, none
  std::vector<std::size_t> design_;
};

}  // namespace studysearch
