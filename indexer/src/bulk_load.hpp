#pragma once
// Bulk load (WriterOptions::bulk_min_records): a fresh index written as parts
// in parallel, merged by compaction and swapped in atomically.
#include <xapian.h>

#include <chrono>
#include <cstddef>
#include <filesystem>
#include <functional>
#include <optional>
#include <string>

#include "document_queue.hpp"
#include "studysearch/analyzer.hpp"
#include "studysearch/index_writer.hpp"
#include "write_input.hpp"

namespace studysearch {

/// The index a bulk load writes, and how records become documents.
struct BulkTarget {
  const std::string& path;
  Xapian::WritableDatabase& db;  // the writer's handle: reopened on the new index
  const AnalyzerSettings& analyzer;
  const IndexSettings& settings;
  /// Analyses the records numbered [first, end) among those to write into `queue`.
  std::function<void(DocumentQueue& queue, std::size_t& reader_issues, std::size_t first, std::size_t end)> produce;
};

// Bulk load (WriterOptions::bulk_min_records): a fresh index is written as
// parts in parallel, each part a contiguous range of the records (one
// thread analysing, one writing), merged in order by compaction (so docids
// follow the input, as with one writer), then swapped in with one atomic
// exchange of two folders. Until that exchange the index is untouched; a
// crash leaves only a hidden work folder, removed by the next writer.
// Returns nullopt, having written nothing, when bulk loading does not apply.
std::optional<IndexReport> bulk_write(const BulkTarget& target, const Validation& validation, const WriterOptions& options,
                                      IndexReport& report, std::chrono::steady_clock::time_point start);

// The hidden work folder of a bulk load into `target`, beside it (same file
// system, so that the two can be swapped).
std::filesystem::path bulk_folder(const std::filesystem::path& target, const std::string& tag);

}  // namespace studysearch
