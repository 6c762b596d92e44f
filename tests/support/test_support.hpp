#pragma once
// Shared helpers of the test programs: temporary folders, fixture indexes
// built from in-memory studies (once per test process, by name), a seeded
// random study generator, and shortcuts for reading whole result lists.
#include <cstdint>
#include <functional>
#include <map>
#include <optional>
#include <random>
#include <set>
#include <string>
#include <vector>

#include "studysearch/index_writer.hpp"
#include "studysearch/study.hpp"
#include "studysearch/studysearch.hpp"

namespace studysearch::test {

/// A fresh folder under $TMPDIR (or /tmp), removed with everything in it on destruction.
class TempDir {
 public:
  TempDir();
  ~TempDir();
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;

  const std::string& path() const { return path_; }
  /// path() + "/" + name
  std::string file(const std::string& name) const;

 private:
  std::string path_;
};

std::string read_text_file(const std::string& path);
void write_text_file(const std::string& path, const std::string& content);

/// A minimal valid study; tests fill in the fields they care about.
Study make_study(std::string id, std::string title, std::string summary);

/// Studies as the writer receives them from a file "fixture" (line = position + 1).
std::vector<SourcedStudy> sourced(const std::vector<Study>& studies, const std::string& file = "fixture");

/// Creates (or extends) the index at `path` with `studies` in one commit.
IndexReport build_index(const std::string& path, const std::vector<Study>& studies,
                        std::optional<IndexSettings> settings = {});

/// A read-only index built once per test process and kept until it exits.
struct FixtureIndex {
  std::string path;
  std::vector<Study> studies;
  SearchEngine engine;
  const Study& study(const std::string& id) const;
};

/// The fixture called `name`, built from `make()` on first use.
const FixtureIndex& named_fixture(const std::string& name, const std::function<std::vector<Study>()>& make);

/// Every stored study of an index, by id (browses all ids, then find_study each).
std::map<std::string, Study> stored_studies(const SearchEngine& engine);

/// Ids of a result's hits, in order.
std::vector<std::string> ids_of(const SearchResult& result);

/// Ids of every hit of `request`, fetched page by page (`page_size` hits each)
/// until the total is reached.
std::vector<std::string> all_ids(const SearchEngine& engine, SearchRequest request, std::size_t page_size = 200);

/// Seed for randomised tests: $STUDYSEARCH_TEST_SEED if set, else `fallback`.
std::uint64_t test_seed(std::uint64_t fallback);

/// Random studies over a small vocabulary, so that words overlap heavily.
struct RandomCorpusOptions {
  std::vector<std::string> vocabulary;     ///< words for title/summary/relevance/limitations
  std::vector<std::string> journals;       ///< display forms; some studies get none
  std::vector<std::string> designs;
  std::vector<std::string> surnames;       ///< author surnames (kept out of the vocabulary)
  int min_year = 1990, max_year = 2024;
  double no_year = 0.15, no_journal = 0.1, no_evidence = 0.25, no_design = 0.3;
  std::size_t min_summary_words = 3, max_summary_words = 12;
};

class StudyGenerator {
 public:
  StudyGenerator(std::uint64_t seed, RandomCorpusOptions options);
  Study next();
  std::vector<Study> generate(std::size_t count);
  std::mt19937_64& random() { return random_; }

  /// Default options: a vocabulary of 40 plain words that are neither stopwords
  /// nor part of any thesaurus form, 12 journals, 5 designs.
  static RandomCorpusOptions default_options();

 private:
  std::string words(std::size_t min, std::size_t max);
  std::size_t below(std::size_t n);
  bool chance(double p);

  std::mt19937_64 random_;
  std::mt19937_64 multi_random_;  // multi-valued fields: their own stream, so the other fields stay as they were
  RandomCorpusOptions options_;
  std::size_t serial_ = 0;
};

}  // namespace studysearch::test
