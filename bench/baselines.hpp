#pragma once
// The two baselines our engine is measured against, on the same JSONL corpus
// and query set:
//  - "Xapian used directly": the loop anyone writes from the Xapian docs
//    (TermGenerator, English stemmer, STEM_SOME, QueryParser defaults: OR,
//    no stopwords), BM25, exact facets by ValueCountMatchSpy over the whole
//    match set (check_at_least = document count).
//  - SQLite FTS5 (porter unicode61), bm25() ranking, facets by GROUP BY.
// Both return the top 20 and, on request, counts per pem, journal and year.
#include <cstddef>
#include <memory>
#include <string>
#include <vector>

#include "bench_common.hpp"

namespace studysearch::bench {

struct BaselineHit {
  std::string id;
  double score = 0;
};

struct BaselineFacet {
  std::string value;
  std::size_t count = 0;
};

struct BaselineResult {
  std::size_t total = 0;  ///< exact with facets; Xapian's estimate / hits returned without
  std::vector<BaselineHit> hits;
  std::vector<BaselineFacet> pem, journal, year;  ///< journal: top 10 by count
};

struct BuildStats {
  std::size_t documents = 0;
  double seconds = 0;
};

class XapianBaseline {
 public:
  /// Indexes every line of `jsonl` into a new database at `dir` (overwritten), one commit at the end.
  static BuildStats build(const std::string& jsonl, const std::string& dir);

  explicit XapianBaseline(const std::string& dir);
  XapianBaseline(XapianBaseline&&) noexcept;
  ~XapianBaseline();

  BaselineResult search(const std::string& text, const Filters& filters, bool facets,
                        std::size_t limit = 20) const;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

class Fts5Baseline {
 public:
  /// Loads every line of `jsonl` into a new FTS5 table in `db_file` (overwritten), one transaction.
  static BuildStats build(const std::string& jsonl, const std::string& db_file);

  explicit Fts5Baseline(const std::string& db_file);
  Fts5Baseline(Fts5Baseline&&) noexcept;
  ~Fts5Baseline();

  BaselineResult search(const std::string& text, const Filters& filters, bool facets,
                        std::size_t limit = 20) const;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

/// FTS5 MATCH expression for a user query: every word quoted ("x-ray" -> "x-ray"),
/// "quoted phrases" kept as phrases, all joined by OR (the Xapian QueryParser default).
/// Returns "" when the text holds no word.
std::string to_fts5_query(const std::string& text);

}  // namespace studysearch::bench
