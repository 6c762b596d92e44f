#pragma once
// Keeping an index in step with a folder of PubMed/MEDLINE files (NLM's
// baseline and daily updates): which files are new, in which order, and
// whether an applied file has changed. Applying one is IndexWriter::apply_file.
#include <cstdint>
#include <string>
#include <vector>

#include "studysearch/index_writer.hpp"

namespace studysearch {

/// One file of a folder to apply, with its ledger entry.
struct SyncFile {
  std::string path;
  AppliedFile entry;
};

struct SyncPlan {
  std::vector<SyncFile> pending;     ///< not yet applied, in file-name order (byte order)
  std::size_t already_applied = 0;   ///< files of the folder already in the ledger, unchanged
  std::uintmax_t pending_bytes = 0;
};

/// The `*.xml` and `*.xml.gz` files directly in `folder` (case-insensitive
/// extension; hidden files skipped) that the index's ledger does not have yet,
/// in file-name order. A file the ledger has under the same name must have the
/// same size and SHA-256, else Error{invalid_input} names it and nothing is
/// planned (a changed file is never silently re-applied); its hash is only
/// computed again when its modification time differs from the recorded one.
/// New files are hashed. A folder that is missing or unreadable is
/// Error{invalid_input}.
SyncPlan plan_sync(const IndexWriter& writer, const std::string& folder);

/// SHA-256 of a file's bytes as lowercase hex. Throws Error{invalid_input} if unreadable.
std::string sha256_file(const std::string& path);

}  // namespace studysearch
