#pragma once
// Reading and checking the metadata every index carries (schema version,
// analyzer settings, index settings). Shared by the writer and the engine.
#include <xapian.h>

#include <string>

#include "studysearch/analyzer.hpp"
#include "studysearch/index_format.hpp"

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

}  // namespace studysearch::meta
