#pragma once
// The index layout shared by the writer (indexer/) and the engine (query/).
// Changing anything here that alters terms, values or metadata means bumping
// kSchemaVersion: an engine refuses an index of another version.
#include <string>
#include <string_view>

#include "studysearch/fields.hpp"

namespace studysearch::schema {

inline constexpr int kSchemaVersion = 5;  // 5: abbreviation expansion (IndexSettings::abbreviation_weight)

// Term prefixes. Unprefixed terms are the free text of all fields (stemmed,
// with positions; title words get more wdf than summary words).
inline constexpr std::string_view kId = "Q";           // unique id term
inline constexpr std::string_view kTitle = "S";        // stemmed, positional
inline constexpr std::string_view kAuthor = "A";       // normalised name words
inline constexpr std::string_view kJournalText = "J";  // stemmed journal words

// Keyword and enumeration filter fields (pem, journal, ...) take their boolean
// term prefix and value slot from the field table (studysearch/fields.hpp):
// term = prefix + value_key(value), slot = display values. The year's:
inline constexpr std::string_view kYearFilter = "Y";  // + decimal year
inline constexpr unsigned kYearSlot = 0;              // sortable_serialise(year)
// Sort keys: ascending order of these slots is oldest-first / newest-first,
// and a yearless study gets "\xff", which sorts after every year.
inline constexpr unsigned kOldestFirstSlot = 5;  // sortable_serialise(year)
inline constexpr unsigned kNewestFirstSlot = 6;  // sortable_serialise(-year)
inline constexpr std::string_view kNoYearKey = "\xff";
// The study id as stored: ties in every order are broken by it (so one index
// and any split of it into shards give the same order), and it travels with
// a remote match set as its collapse key (no round trip per hit).
inline constexpr unsigned kIdSlot = 100;
// The document's columns in one value, for shards searched over the remote
// protocol (query/src/remote_matches.hpp): it travels with each match as its
// sort key, so one pass brings every column. Fields separated by kRowSeparator:
// id, sortable_serialise(year) or "", then each keyword filter field's slot
// value in keyword_filters() order.
inline constexpr unsigned kRowSlot = 101;
inline constexpr char kRowSeparator = '\x1e';

// Index metadata keys.
inline constexpr std::string_view kMetaSchemaVersion = "studysearch.schema_version";
inline constexpr std::string_view kMetaAnalyzer = "studysearch.analyzer";
inline constexpr std::string_view kMetaSettings = "studysearch.index_settings";
inline constexpr std::string_view kMetaFields = "studysearch.fields";  // fields_fingerprint()
inline constexpr std::string_view kMetaBulkLoad = "studysearch.bulk_loaded";  // records of the bulk load that made it

// Positions: each text field has its own range of word positions, so phrases
// never span two fields, and summary:/relevance:/limitations: searches are a
// free-text term with a position in the field's range (no per-field terms:
// they doubled the postings, and the indexing time with them).
struct PositionRange {
  unsigned first, end;  // [first, end)
};
inline constexpr unsigned kFieldSpan = 1u << 20;  // words per field; later words keep no position
inline constexpr PositionRange kTitlePositions{1, kFieldSpan};
inline constexpr PositionRange kSummaryPositions{1 * kFieldSpan, 2 * kFieldSpan};
inline constexpr PositionRange kRelevancePositions{2 * kFieldSpan, 3 * kFieldSpan};
inline constexpr PositionRange kLimitationsPositions{3 * kFieldSpan, 4 * kFieldSpan};

// Longest term (bytes) we index; Xapian's hard limit is 245.
inline constexpr std::size_t kMaxWordBytes = 64;

inline std::string term(std::string_view prefix, std::string_view word) {
  std::string t;
  t.reserve(prefix.size() + word.size());
  t.append(prefix);
  t.append(word);
  return t;
}

/// Boolean term for a keyword value: prefix + value_key(value), capped so
/// that it always fits Xapian's term length limit.
inline std::string key_term(std::string_view prefix, std::string_view value) {
  std::string key = value_key(value);
  if (key.size() > 200) key.resize(200);
  return term(prefix, key);
}

}  // namespace studysearch::schema
