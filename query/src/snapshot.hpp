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

namespace studysearch {

/// Interned strings (journal or design display forms) keyed by journal_key().
struct Dictionary {
  std::vector<std::string> display;
  std::unordered_map<std::string, std::uint32_t> by_key;
  std::uint32_t intern(const std::string& display_form);
  /// Id for a user-supplied value, or kNone when no document has it.
  std::uint32_t find(const std::string& value) const;
  static constexpr std::uint32_t kNone = UINT32_MAX;
};

struct Snapshot {
  static constexpr std::uint8_t kNoDoc = 255;
  static constexpr std::uint8_t kNone = 254;

  Xapian::rev revision = 0;
  std::string uuid;  // with the revision, names the database state (a folder swap changes it)
  std::size_t documents = 0;
  // Indexed by docid; kNoDoc marks docids without a document.
  std::vector<std::uint8_t> pem;
  std::vector<std::int16_t> year;       // 0 = unknown
  std::vector<std::uint32_t> journal;   // Dictionary::kNone = none
  std::vector<std::uint8_t> evidence;   // 0..3 or kNone
  std::vector<std::uint32_t> design;
  std::vector<std::uint32_t> doclength;  // Xapian's document length (sum of wdf)
  double average_length = 0;
  Dictionary journals, designs;

  static std::shared_ptr<const Snapshot> load(const Xapian::Database& db);
  bool describes(const Xapian::Database& db) const { return revision == db.get_revision() && uuid == db.get_uuid(); }
  /// The highest docid the columns cover.
  Xapian::docid last_docid() const { return pem.empty() ? 0 : static_cast<Xapian::docid>(pem.size() - 1); }

  /// Unstemmed words of the index with frequencies, sorted by word; loaded on first use.
  const std::vector<std::pair<std::string, unsigned>>& words(const Xapian::Database& db) const;

 private:
  mutable std::once_flag words_once_;
  mutable std::vector<std::pair<std::string, unsigned>> words_;
};

}  // namespace studysearch
