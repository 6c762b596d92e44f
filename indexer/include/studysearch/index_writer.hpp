#pragma once
// The write side of an index. One IndexWriter per index at a time (the index
// is locked while it is open). Every public call is all-or-nothing: either all
// of its changes are committed together, or none is and the index is exactly
// as before, even after a crash or kill mid-call.
#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "studysearch/index_format.hpp"
#include "studysearch/readers.hpp"
#include "studysearch/study.hpp"

namespace studysearch {

/// Phases of an indexing run, as reported to WriterOptions::progress.
enum class IndexPhase { reading, writing, merging };
const char* to_string(IndexPhase phase);

/// The first `max_shown` issues, one "file:line: field: reason" line each,
/// then "... and N more" when there are more (a huge bad file must not print
/// a line per record).
std::string list_issues(const std::vector<RecordIssue>& issues, std::size_t max_shown = 100);

struct WriterOptions {
  bool skip_invalid = false;      ///< write valid records even if some are invalid
  ReaderOptions reader;
  /// Bulk load: a run of at least this many records into an empty index is
  /// written as `shards` parts in parallel, merged by compaction into a
  /// compact index, and swapped in atomically (same documents, same docids,
  /// same results as one writer). 0 turns bulk loading off.
  std::size_t bulk_min_records = 20000;
  /// Parts of a bulk load; 0 = one per hardware thread, at most 4.
  unsigned shards = 0;
  /// Called now and then: while the input is read and validated (reading:
  /// records read so far, total 0 = not known yet), while it is written
  /// (writing: records written of total) and while bulk-load parts are merged
  /// (merging: 0 of total, then total of total).
  std::function<void(IndexPhase phase, std::size_t done, std::size_t total)> progress;
  /// Routed writes (shard sets, studysearch/shards.hpp): when set, only studies
  /// and deletions whose id it accepts are written (and counted); every record
  /// is still read and validated, so an invalid record anywhere fails the run.
  std::function<bool(std::string_view id)> owns;
  /// Metadata written in the same commit as the records (not by bulk loads:
  /// a run with metadata never bulk-loads).
  std::vector<std::pair<std::string, std::string>> metadata;
};

struct IndexReport {
  std::size_t added = 0;
  std::size_t replaced = 0;
  std::size_t deleted = 0;                  ///< studies removed (delete_ids; reader deletions that found one)
  /// Records left out: invalid ones (only with skip_invalid) and citations without an abstract.
  std::size_t skipped = 0;
  std::size_t without_abstract = 0;         ///< PubMed citations without an abstract (also in skipped)
  std::size_t delete_requests = 0;          ///< DeleteCitation entries read (found or not)
  std::vector<RecordIssue> issues;          ///< every invalid record, in input order
  double seconds = 0;
};

/// One file applied by IndexWriter::apply_file: an entry of the ledger kept in
/// the index metadata (PubMed sync).
struct AppliedFile {
  std::string name;          ///< file name without its folder
  std::uintmax_t size = 0;   ///< bytes
  std::string sha256;        ///< lowercase hex of the file's bytes
  /// Modification time when applied (ns since the epoch): a hint only. A file
  /// whose size and time are unchanged is not read again to check its hash.
  std::int64_t modified_ns = 0;
  bool operator==(const AppliedFile&) const = default;
};

class IndexWriter {
 public:
  /// Opens the index at `path`, creating it (and its folder) if missing.
  /// A new index records `settings` (defaults when not given); an existing one
  /// keeps the settings it was built with, and passing different ones is an error.
  /// Throws Error{index_incompatible} if it was built with another schema,
  /// analyzer or settings, Error{internal} if another writer has it open.
  static IndexWriter open(const std::string& path, std::optional<IndexSettings> settings = {});

  /// Opens a remote index served by `xapian-tcpsrv --writable` (a shard of a
  /// shard set), `timeout_ms` for connecting and for each reply. Never bulk
  /// loads. Throws Error{shard_unavailable} when it does not answer,
  /// Error{busy} when another writer has it, and as open() for its metadata.
  static IndexWriter open_remote(const std::string& host, unsigned port, unsigned timeout_ms);

  /// A metadata value of the last commit ("" when absent).
  std::string metadata(const std::string& key) const;

  /// True when a study with this id is in the index.
  bool contains(const std::string& id) const;

  const IndexSettings& settings() const;

  IndexWriter(IndexWriter&&) noexcept;
  IndexWriter& operator=(IndexWriter&&) noexcept;
  ~IndexWriter();

  /// Reads, validates and indexes files (see read_file). All records are
  /// validated before anything is written; duplicate ids in one run are issues
  /// naming both places, except revisions (SourcedStudy::revision, PubMed
  /// citations), where the later record replaces the earlier one. Without
  /// skip_invalid, any issue means nothing is written and Error{invalid_input} is thrown; its message is one line per
  /// issue ("file:line: field: reason") after a summary line. Replaces studies by id.
  /// Deletions from readers (PubMed DeleteCitation, citations without an
  /// abstract) are part of the same commit: for each id the last word in input
  /// order wins (a study, or its removal), whatever the order within the run.
  IndexReport index_files(const std::vector<std::string>& paths, const WriterOptions& options = {});

  /// Same, for records already in memory (e.g. an HTTP body): validated, then one commit.
  IndexReport index_studies(const std::vector<SourcedStudy>& studies, const WriterOptions& options = {});

  /// Deletes by id in one commit. If any id is unknown, nothing is deleted
  /// and Error{not_found} names the unknown ids.
  IndexReport delete_ids(const std::vector<std::string>& ids);

  std::size_t document_count() const;

  /// index_files for one file, never as a bulk load, with `entry` added to the
  /// ledger in the same commit: after a crash the file's changes and its entry
  /// are both there or both absent. Throws Error{invalid_input} if the ledger
  /// already has a file of that name (and as index_files for bad records).
  IndexReport apply_file(const std::string& path, const AppliedFile& entry, WriterOptions options = {});

  /// The ledger: every file apply_file has committed, by name.
  std::vector<AppliedFile> applied_files() const;

 private:
  struct Impl;
  explicit IndexWriter(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

/// Writes a compacted copy of the index at `from` to the new folder `to`:
/// full B-tree blocks, typically 15-20% smaller after a bulk load, and no
/// slower to search. Reads one committed revision, so writers may keep going
/// meanwhile (their later commits are not in the copy). `to` must not exist;
/// it appears complete or not at all (built beside it, then renamed).
/// Throws Error{index_missing} or Error{index_incompatible} for `from`,
/// Error{invalid_input} if `to` exists, Error{internal} if writing fails.
void compact_index(const std::string& from, const std::string& to);

}  // namespace studysearch
