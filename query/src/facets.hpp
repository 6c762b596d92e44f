#pragma once
// Exact disjunctive facet counting from the in-memory columns, in one pass
// over the match set. A document that fails exactly one filter group still
// counts for that group's facet ("all filters but mine"); a document passing
// every group counts everywhere and in the total. The groups are the filter
// fields of the field table (fields.hpp): one keyword column each, and the year.
#include <xapian.h>

#include <array>
#include <optional>
#include <span>
#include <vector>

#include "match_set.hpp"
#include "snapshot.hpp"
#include "studysearch/studysearch.hpp"

namespace studysearch {

/// The request's filters resolved against one snapshot.
struct ResolvedFilters {
  struct Keyword {
    std::size_t column;                        // index into Snapshot::keywords (also the failure bit)
    AllowedIds allowed;
    const std::vector<std::string>* values;    // as requested
  };
  std::vector<Keyword> keywords;  // the active keyword groups
  std::optional<int> year_from, year_to;
  bool year_unknown = false;       // yearless studies pass (alone: only they)

  /// Failure bit of the year group (keyword groups use their column index).
  static constexpr unsigned kYearBit = 1u << 31;

  static ResolvedFilters resolve(const SearchRequest& request, const Snapshot& snapshot);
  bool any() const { return !keywords.empty() || year_active(); }
  bool year_active() const { return year_from || year_to || year_unknown; }
  /// Bitmask of failing groups for one document (0 = passes all).
  unsigned failures(const Snapshot& s, Xapian::docid id) const;
  /// A Xapian filter query equivalent to these filters (empty = none).
  Xapian::Query as_query() const;
};

class FacetCounter {
 public:
  /// `scratch` holds the counts and must be all zeros; it is left all zeros
  /// again (facets() clears what it reads, the destructor the rest), so one
  /// vector per reader serves every request without a memset.
  FacetCounter(const Snapshot& snapshot, const ResolvedFilters& filters, bool facets,
               std::vector<std::size_t>& scratch);
  ~FacetCounter();
  FacetCounter(const FacetCounter&) = delete;
  FacetCounter& operator=(const FacetCounter&) = delete;

  void add(Xapian::docid id);
  /// Every document of a set (in docid order).
  void add_set(const DocSet& documents);

  std::size_t total() const { return total_; }
  /// The facets (once: the counts are cleared as they are read).
  Facets facets(const SearchRequest& request);

 private:
  const Snapshot& snapshot_;
  const ResolvedFilters& filters_;
  bool facets_;
  std::size_t total_ = 0;
  // The caller's scratch holds every count: keyword column c's counts (by
  // value id) are (*counts_)[offset_[c] .. offset_[c + 1]), then the years
  // (year - kMinYear; the last one is "unknown") from offset_[columns_].
  std::vector<std::size_t>* counts_;
  bool dirty_ = false;  // counts_ may hold non-zero counts
  std::array<std::size_t, 33> offset_{};
  std::size_t columns_ = 0;
  std::span<std::size_t> keyword(std::size_t c) {
    return {counts_->data() + offset_[c], offset_[c + 1] - offset_[c]};
  }
};

}  // namespace studysearch
