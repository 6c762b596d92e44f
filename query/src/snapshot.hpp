#pragma once
// Per-document columns of one committed revision, held in memory so that
// facet counting and filtering read a few bytes per match instead of values
// from disk.
#include <xapian.h>

#include <cstdint>
#include <memory>
#include <mutex>
#include <string>
#include <unordered_map>
#include <vector>

#include "studysearch/fields.hpp"

namespace studysearch {

/// Interned display values keyed by value_key().
struct Dictionary {
  std::vector<std::string> display;
  std::vector<std::string> keys;  // value_key(display[i])
  std::unordered_map<std::string, std::uint32_t> by_key;
  std::unordered_map<std::string, std::uint32_t> by_display;  // exact spellings: no folding for them
  std::size_t vocabulary_size = 0;  // ids below it are an enumeration's values, shown as written
  std::uint32_t intern(const std::string& display_form);
  /// Id for a user-supplied value, or kNone when no document has it.
  std::uint32_t find(const std::string& value) const;
  static constexpr std::uint32_t kNone = UINT32_MAX;
};

/// The value ids a filter group lets through: a bitmask for dictionaries of at
/// most 64 values (every enumeration; no allocation per request), else a byte per id.
struct AllowedIds {
  std::uint64_t mask = 0;
  std::vector<char> bytes;  // used when the dictionary is larger
  bool contains(std::uint32_t id) const {
    return bytes.empty() ? id < 64 && (mask >> id & 1) : id < bytes.size() && bytes[id];
  }
};

/// The values of one keyword filter field per document: value ids of the
/// field's dictionary (an enumeration's ids are its vocabulary order).
struct KeywordColumn {
  const Field* field = nullptr;
  bool multi = false;  // field->multi(), kept here for the per-document loops
  Dictionary values;
  // Single-valued: one id per docid (kNone = none).
  std::vector<std::uint32_t> single;
  // Multi-valued: the ids of docid d are ids[start[d] .. start[d + 1]).
  std::vector<std::uint32_t> start, ids;

  template <typename Fn>
  void for_each(Xapian::docid d, Fn&& fn) const {
    if (!multi) {
      if (single[d] != Dictionary::kNone) fn(single[d]);
      return;
    }
    for (std::uint32_t i = start[d]; i < start[d + 1]; ++i) fn(ids[i]);
  }
  /// True when the document has a value in `allowed`.
  bool any_in(Xapian::docid d, const AllowedIds& allowed) const {
    if (!multi) return single[d] != Dictionary::kNone && allowed.contains(single[d]);
    for (std::uint32_t i = start[d]; i < start[d + 1]; ++i)
      if (allowed.contains(ids[i])) return true;
    return false;
  }
};

/// A column from each document's slot value, by docid ("" = none).
KeywordColumn column_of(const Field& field, const std::vector<std::string>& by_docid);

struct Snapshot {
  Xapian::rev revision = 0;  // one index: its revision; shards: the sum of theirs
  std::string state;         // names the committed state of every shard (ReaderPool::state_of)
  std::size_t documents = 0;
  std::size_t shards = 1;  // databases combined (each_match: spies see their own docids)
  // Indexed by docid.
  std::vector<std::uint8_t> present;     // 1 for a docid with a document
  std::vector<std::int16_t> year;        // 0 = unknown
  std::vector<KeywordColumn> keywords;   // one per keyword_filters() field, in that order
  std::vector<std::uint32_t> doclength;  // Xapian's document length (sum of wdf)
  // Study ids: the rank of each document's id among all ids (ties in every
  // order go to the smaller id), and the docids in id order (browsing).
  std::vector<std::uint32_t> id_rank;
  std::vector<Xapian::docid> in_id_order;
  double average_length = 0;

  static std::shared_ptr<const Snapshot> load(const Xapian::Database& db, std::string state, Xapian::rev revision,
                                              std::size_t shards = 1);
  /// Fills id_rank and in_id_order from each document's id (by docid; "" = none).
  void rank_ids(const std::vector<std::string>& ids);
  /// The highest docid the columns cover.
  Xapian::docid last_docid() const { return present.empty() ? 0 : static_cast<Xapian::docid>(present.size() - 1); }

  /// Unstemmed words of the index with frequencies, sorted by word; loaded on first use.
  const std::vector<std::pair<std::string, unsigned>>& words(const Xapian::Database& db) const;

 private:
  mutable std::once_flag words_once_;
  mutable std::vector<std::pair<std::string, unsigned>> words_;
};

}  // namespace studysearch
