#pragma once
// The write side of shard sets (issue 17; the stub file format and the
// routing rule are in indexer/src/shard_set.hpp; docs/routed-writes.md).
//
// Routing: a study lives on shard owner_shard(id, N) = FNV-1a 64 of the id's
// bytes mod N, N = the number of shards the stub lists, in stub order. Every
// shard carries the label "studysearch.shard" = "i/N" in its metadata, written
// by split_index or by the first routed write into an empty shard; a routed
// writer refuses a shard whose label is not its place in the stub (the stub
// was reordered, or N changed: the ids would be on the wrong shards).
//
// Atomicity: validation is all-or-nothing for the whole run (an invalid record
// anywhere writes nothing anywhere), but each shard commits on its own, one
// after the other, in stub order. A crash, kill or dead shard between two
// shard commits leaves shards 0..k-1 with the run's records and k..N-1
// without. Rerunning the same command repairs it: records replace by id, so
// a rerun converges; sync's ledger is per shard (a file counts as applied to
// the set only when every shard has its entry, and is applied again only to
// the shards without one). Remote shards are written without a client-side
// transaction guarantee: xapian-tcpsrv commits on its own every
// XAPIAN_FLUSH_THRESHOLD changes (default 10000), so a remote shard can also
// hold part of a failed run; the rerun repairs that too.
#include <chrono>
#include <cstddef>
#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "studysearch/index_writer.hpp"
#include "studysearch/sync.hpp"

namespace studysearch {

/// Metadata key of a shard's place in its set: "i/N".
inline constexpr std::string_view kMetaShard = "studysearch.shard";

/// Default timeout of routed writes for connecting to a remote shard and for
/// each of its replies (a commit of a large batch is one reply).
inline constexpr unsigned kShardWriteTimeoutMs = 60000;

/// True when `path` names a shard-set stub file rather than an index folder.
bool is_shard_stub(const std::string& path);

struct SplitReport {
  std::size_t documents = 0;
  std::vector<std::size_t> per_shard;  ///< documents on each shard
  double seconds = 0;
};

/// Splits the index at `from` into `shards` new indexes out/shard_0 ..
/// out/shard_{N-1} plus the stub out/shards.stub ("auto shard_i" lines), each
/// study on owner_shard(id, N). Documents are copied as stored (terms,
/// positions, values, data), in source docid order. Each shard gets every
/// metadata key of the source (schema version, analyzer, settings, fields,
/// the PubMed sync ledger: each shard holds its part of every applied file)
/// except "studysearch.bulk_loaded" (how the source folder was made, not
/// true of a shard), plus its label. Spelling: each shard gets the source's
/// whole table (the remote protocol serves none, so did-you-mean and
/// completion read it from the local shards; summed over N local shards it is
/// the same words N times over, which suggests exactly as one index). Routed
/// writes afterwards add a study's words to its owner shard only (README
/// "Scaling out"). `out` must not exist; it is built as
/// `out.tmp-PID` and renamed into place, complete or not at all.
/// Throws Error{invalid_input} (bad N, `out` exists, `from` is a stub),
/// Error{index_missing | index_incompatible} for `from`.
SplitReport split_index(const std::string& from, std::size_t shards, const std::string& out,
                        const std::function<void(std::size_t done, std::size_t total)>& progress = {});

/// One pending PubMed file of a routed sync and the shards still without it.
struct RoutedSyncFile {
  SyncFile file;
  std::vector<std::size_t> shards;
};

struct RoutedSyncPlan {
  std::vector<RoutedSyncFile> pending;  ///< in file-name order
  std::size_t already_applied = 0;      ///< files every shard has applied
  std::uintmax_t pending_bytes = 0;
};

/// Progress of a routed run: the shard being written, then as WriterOptions::progress.
using ShardProgress = std::function<void(std::size_t shard, IndexPhase phase, std::size_t done, std::size_t total)>;

/// Writes to every shard of a stub, each record to its owner. Opening connects
/// to every shard, takes every local shard's writer lock and checks every
/// label, so a shard that is down, busy or mislabelled fails the run before
/// anything is written. Errors name the shard ("shard 2 (remote host:port)").
class RoutedWriter {
 public:
  static RoutedWriter open(const std::string& stub, unsigned timeout_ms = kShardWriteTimeoutMs);
  RoutedWriter(RoutedWriter&&) noexcept;
  RoutedWriter& operator=(RoutedWriter&&) noexcept;
  ~RoutedWriter();

  std::size_t shards() const;
  /// "shard 1 (/srv/idx/shard_1)", "shard 2 (remote 10.0.0.2:7002)".
  std::string shard_name(std::size_t shard) const;
  /// Studies on all shards (one call per shard).
  std::size_t document_count() const;

  /// IndexWriter::index_files for every shard in stub order, each taking the
  /// records it owns (never a bulk load). The first shard's pass validates
  /// every record of the run: an invalid record writes nothing anywhere.
  /// The report sums the shards' (issues: once, from the first pass).
  IndexReport index_files(const std::vector<std::string>& paths, WriterOptions options,
                          const ShardProgress& progress = {});

  /// IndexWriter::index_studies for each shard with the studies it owns
  /// (already read and validated: the server's POST body).
  IndexReport index_studies(const std::vector<SourcedStudy>& studies, WriterOptions options = {});

  /// Deletes by id, each on its owner shard, one commit per shard. An unknown
  /// id is Error{not_found} before anything is deleted, unless
  /// `ignore_missing` (a rerun after an interrupted delete).
  IndexReport delete_ids(const std::vector<std::string>& ids, bool ignore_missing = false);

  /// plan_sync against every shard's ledger: a file is pending for the shards
  /// that have not applied it; a changed file is an error as for one index.
  RoutedSyncPlan plan_sync(const std::string& folder) const;
  /// Applies one planned file to its shards (IndexWriter::apply_file each,
  /// the ledger entry in each shard's commit).
  IndexReport apply_file(const RoutedSyncFile& file, WriterOptions options, const ShardProgress& progress = {});

 private:
  struct Impl;
  explicit RoutedWriter(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

}  // namespace studysearch
