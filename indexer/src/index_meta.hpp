#pragma once
// Reading and checking the metadata every index carries (schema version,
// analyzer settings, index settings). Shared by the writer and the engine.
#include <xapian.h>

#include <string>
#include <vector>

#include "studysearch/analyzer.hpp"
#include "studysearch/index_writer.hpp"

namespace studysearch::meta {

/// "normaliser/stemmer" as stored in the index.
std::string describe(const AnalyzerSettings& settings);

std::string serialize(const IndexSettings& settings);
IndexSettings parse_settings(const std::string& text, const std::string& path);

/// Writes version, analyzer and settings (new, empty index only).
void write(Xapian::WritableDatabase& db, const AnalyzerSettings& analyzer, const IndexSettings& settings);

/// Throws Error{index_incompatible} naming what differs. Returns the stored settings.
IndexSettings check(const Xapian::Database& db, const AnalyzerSettings& analyzer, const std::string& path);

/// True when the database has never been given metadata (fresh index).
bool is_fresh(const Xapian::Database& db);

/// The ledger of applied files: one metadata key per file
/// ("studysearch.applied/<name>" = "<size> <sha256> <modified_ns>"), written in the
/// transaction of the file's changes. Names longer than 200 bytes or holding
/// '/' or control characters are refused (Error{invalid_input}).
void record_applied(Xapian::WritableDatabase& db, const AppliedFile& entry);
std::vector<AppliedFile> applied_files(const Xapian::Database& db);

}  // namespace studysearch::meta
