#include "test_support.hpp"

#include <stdlib.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <memory>
#include <sstream>
#include <stdexcept>

namespace studysearch::test {

namespace fs = std::filesystem;

TempDir::TempDir() {
  std::string pattern = (fs::temp_directory_path() / "studysearch-test-XXXXXX").string();
  if (!mkdtemp(pattern.data())) throw std::runtime_error("mkdtemp failed for " + pattern);
  path_ = pattern;
}

TempDir::~TempDir() {
  std::error_code ec;
  fs::remove_all(path_, ec);
}

std::string TempDir::file(const std::string& name) const { return path_ + "/" + name; }

std::string read_text_file(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw std::runtime_error("cannot read " + path);
  std::ostringstream out;
  out << in.rdbuf();
  return out.str();
}

void write_text_file(const std::string& path, const std::string& content) {
  std::ofstream out(path, std::ios::binary);
  out << content;
  if (!out) throw std::runtime_error("cannot write " + path);
}

Study make_study(std::string id, std::string title, std::string summary) {
  Study s;
  s.id = std::move(id);
  s.title = std::move(title);
  s.summary = std::move(summary);
  return s;
}

std::vector<SourcedStudy> sourced(const std::vector<Study>& studies, const std::string& file) {
  std::vector<SourcedStudy> out;
  out.reserve(studies.size());
  for (std::size_t i = 0; i < studies.size(); ++i) out.push_back({studies[i], file, i + 1});
  return out;
}

IndexReport build_index(const std::string& path, const std::vector<Study>& studies,
                        std::optional<IndexSettings> settings) {
  auto writer = IndexWriter::open(path, settings);
  return writer.index_studies(sourced(studies));
}

const Study& FixtureIndex::study(const std::string& id) const {
  for (const auto& s : studies)
    if (s.id == id) return s;
  throw std::out_of_range("fixture has no study '" + id + "'");
}

namespace {
struct OwnedFixture {
  TempDir dir;
  std::unique_ptr<FixtureIndex> index;
};
}  // namespace

const FixtureIndex& named_fixture(const std::string& name, const std::function<std::vector<Study>()>& make) {
  // Built once per test process; Catch2 runs test cases one at a time, and
  // the map lives until exit so the folders are removed at the end.
  static std::map<std::string, std::unique_ptr<OwnedFixture>> fixtures;
  auto& slot = fixtures[name];
  if (!slot) {
    auto owned = std::make_unique<OwnedFixture>();
    const std::string path = owned->dir.file(name);
    std::vector<Study> studies = make();
    build_index(path, studies);
    owned->index = std::make_unique<FixtureIndex>(FixtureIndex{path, std::move(studies), SearchEngine::open(path)});
    slot = std::move(owned);
  }
  return *slot->index;
}

std::vector<std::string> ids_of(const SearchResult& result) {
  std::vector<std::string> ids;
  for (const auto& h : result.hits) ids.push_back(h.id);
  return ids;
}

std::vector<std::string> all_ids(const SearchEngine& engine, SearchRequest request, std::size_t page_size) {
  request.offset = 0;
  request.limit = page_size;
  request.facets = false;
  request.snippets = false;
  request.suggest = false;
  std::vector<std::string> ids;
  for (;;) {
    const SearchResult page = engine.search(request);
    for (const auto& h : page.hits) ids.push_back(h.id);
    request.offset += page_size;
    if (page.hits.empty() || request.offset >= page.total) break;
  }
  return ids;
}

std::map<std::string, Study> stored_studies(const SearchEngine& engine) {
  std::map<std::string, Study> out;
  for (const auto& id : all_ids(engine, SearchRequest{}, 1000)) {
    auto study = engine.find_study(id);
    if (!study) throw std::runtime_error("listed id '" + id + "' has no stored study");
    out.emplace(id, std::move(*study));
  }
  return out;
}

std::uint64_t test_seed(std::uint64_t fallback) {
  if (const char* env = std::getenv("STUDYSEARCH_TEST_SEED"); env && *env) return std::stoull(env);
  return fallback;
}

// ---- random studies ---------------------------------------------------------

RandomCorpusOptions StudyGenerator::default_options() {
  RandomCorpusOptions o;
  // No stopwords, no word of any thesaurus form (query/data/synonyms.txt).
  o.vocabulary = {"mitochondria", "microbiome", "lactate",   "cortisol",    "serotonin", "metabolism", "plasma",
                  "antibody",     "cytokine",   "lymphocyte", "gut",        "sleep",     "memory",     "cognition",
                  "brain",        "muscle",     "vascular",  "endothelial", "oxygen",    "glucose",    "insulin",
                  "thyroid",      "hormone",    "inflammation", "marker",   "biopsy",    "genome",     "protein",
                  "enzyme",       "receptor",   "neuron",    "spinal",      "fluid",     "blood",      "pressure",
                  "volume",       "energy",     "pain",      "questionnaire", "recovery"};
  o.journals = {"Annals of Kelvora", "Brantwell Medical Journal", "Corvane Reports", "Dalmore Review",
                "Eskeld Medicine",   "Fennic Letters",            "Gorsay Science",  "Harlow Clinical",
                "Istrel Journal",    "J. Quorran Med.",           "Lunden Health",   "Morvath Research"};
  o.designs = {"cohort", "case-control", "cross-sectional", "case series", "crossover"};
  o.surnames = {"Anders", "Brookfield", "Castellan", "Duvalier", "Eriksen", "Falkner", "Gomez", "Hallström"};
  return o;
}

StudyGenerator::StudyGenerator(std::uint64_t seed, RandomCorpusOptions options)
    : random_(seed), multi_random_(seed ^ 0x6d756c7469ull), options_(std::move(options)) {}

std::size_t StudyGenerator::below(std::size_t n) { return static_cast<std::size_t>(random_() % n); }

bool StudyGenerator::chance(double p) { return static_cast<double>(random_() % 1000000) < p * 1000000.0; }

std::string StudyGenerator::words(std::size_t min, std::size_t max) {
  const std::size_t n = min + below(max - min + 1);
  std::string out;
  for (std::size_t i = 0; i < n; ++i) {
    if (!out.empty()) out += ' ';
    out += options_.vocabulary[below(options_.vocabulary.size())];
  }
  return out;
}

Study StudyGenerator::next() {
  Study s;
  s.id = "study-" + std::to_string(++serial_);
  s.title = chance(0.9) ? words(1, 4) : "";
  s.summary = words(options_.min_summary_words, options_.max_summary_words) + ".";
  if (chance(0.5)) s.relevance = words(1, 6);
  if (chance(0.4)) s.limitations = words(1, 5);
  const std::size_t authors = below(3);
  for (std::size_t i = 0; i < authors; ++i) s.authors.push_back(options_.surnames[below(options_.surnames.size())] + ", A");
  if (!options_.journals.empty() && !chance(options_.no_journal))
    s.journal = options_.journals[below(options_.journals.size())];
  if (!chance(options_.no_year))
    s.year = options_.min_year + static_cast<int>(below(static_cast<std::size_t>(options_.max_year - options_.min_year + 1)));
  s.pem = static_cast<Pem>(below(3));
  if (!chance(options_.no_evidence)) s.evidence_level = "E" + std::to_string(below(4));
  if (!options_.designs.empty() && !chance(options_.no_design)) s.design = options_.designs[below(options_.designs.size())];
  // Multi-valued enumeration fields (criteria): 0 to 3 distinct values of the vocabulary.
  for (const Field* field : keyword_filters()) {
    if (!field->multi() || field->vocabulary.empty()) continue;
    auto& values = s.*std::get<std::vector<std::string> Study::*>(field->member);
    const std::size_t n = multi_random_() % 4;
    while (values.size() < n) {
      const std::string v(field->vocabulary[multi_random_() % field->vocabulary.size()]);
      if (std::find(values.begin(), values.end(), v) == values.end()) values.push_back(v);
    }
  }
  return s;
}

std::vector<Study> StudyGenerator::generate(std::size_t count) {
  std::vector<Study> out;
  out.reserve(count);
  for (std::size_t i = 0; i < count; ++i) out.push_back(next());
  return out;
}

}  // namespace studysearch::test
