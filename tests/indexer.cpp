// Specification of the write side: records round-trip through the index,
// replace/delete by id, all-or-nothing runs, --skip-invalid, duplicate ids,
// and refusal of indexes built by another schema or analyzer.
#include <catch2/catch.hpp>
#include <xapian.h>

#include <cstdlib>
#include <filesystem>
#include <string>
#include <vector>

#include "studysearch/error.hpp"
#include "studysearch/index_writer.hpp"
#include "studysearch/studysearch.hpp"
#include "test_support.hpp"

using namespace studysearch;
using namespace studysearch::test;

namespace {

Study full_study() {
  return Study{.id = "sjogren-2021-orthostatic-tests",
               .title = "Orthostatic tests — a \"study\" of Sjögren’s <patients>",
               .authors = {"Sjögren, A", "Ørsted, B", "O'Neil, C"},
               .journal = "J. Transl. Med.",
               .year = 2021,
               .doi = "10.1000/xyz-1",
               .summary = "Summary with ünïcode, interferon-α, a\nnewline and a tab\there.",
               .relevance = "Relevant & important.",
               .limitations = "Small sample (n=12).",
               .pem = Pem::required,
               .evidence_level = "E2",
               .design = "RCT",
               .criteria = {"IOM 2015"},
               .url = "https://example.org/a?b=c&d=e"};
}

std::vector<Study> numbered(const std::string& prefix, std::size_t count, const std::string& word) {
  std::vector<Study> out;
  for (std::size_t i = 1; i <= count; ++i)
    out.push_back(make_study(prefix + "-" + std::to_string(i), "Title " + word + " " + std::to_string(i),
                             "Summary about " + word + " number " + std::to_string(i) + "."));
  return out;
}

std::string jsonl_of(const std::vector<Study>& studies) {
  std::string out;
  for (const auto& s : studies) out += to_json(s) + "\n";
  return out;
}

template <typename Fn>
ErrorKind error_kind_of(Fn&& fn, std::string* message = nullptr) {
  try {
    fn();
  } catch (const Error& e) {
    if (message) *message = e.what();
    return e.kind();
  }
  FAIL("no studysearch::Error was thrown");
  return ErrorKind::internal;
}

std::size_t count_matches(const SearchEngine& engine, const std::string& text) {
  SearchRequest r;
  r.text = text;
  r.suggest = false;
  return engine.search(r).total;
}

void set_metadata(const std::string& path, const std::string& key, const std::string& value) {
  Xapian::WritableDatabase db(path, Xapian::DB_OPEN);
  db.set_metadata(key, value);
  db.commit();
}

}  // namespace

TEST_CASE("a study round-trips: record, index, find_study returns every field as written") {
  TempDir dir;
  const Study full = full_study();
  const Study minimal = make_study("minimal-1", "", "Only a summary.");
  const auto report = build_index(dir.file("db"), {full, minimal});
  CHECK(report.added == 2);
  CHECK(report.replaced == 0);
  const auto engine = SearchEngine::open(dir.file("db"));
  const auto stored = engine.find_study(full.id);
  REQUIRE(stored.has_value());
  CHECK(*stored == full);
  const auto stored_minimal = engine.find_study("minimal-1");
  REQUIRE(stored_minimal.has_value());
  CHECK(*stored_minimal == minimal);
  CHECK(stored_minimal->pem == Pem::unclear);
  CHECK_FALSE(engine.find_study("no-such-study").has_value());
  CHECK_FALSE(engine.find_study("").has_value());
}

TEST_CASE("indexing a record whose id exists replaces it and does not duplicate it") {
  TempDir dir;
  const std::string db = dir.file("db");
  build_index(db, numbered("s", 5, "lactate"));
  Study changed = make_study("s-3", "Replaced title", "Now about cortisol instead.");
  changed.year = 2001;
  auto writer = IndexWriter::open(db);
  const auto report = writer.index_studies(sourced({changed}));
  CHECK(report.added == 0);
  CHECK(report.replaced == 1);
  CHECK(writer.document_count() == 5);
  const auto engine = SearchEngine::open(db);
  CHECK(engine.info().documents == 5);
  CHECK(engine.find_study("s-3") == changed);
  CHECK(count_matches(engine, "lactate") == 4);  // the old text of s-3 is gone
  CHECK(count_matches(engine, "cortisol") == 1);
}

TEST_CASE("deleting a study removes it from the count, from find_study and from search") {
  TempDir dir;
  const std::string db = dir.file("db");
  build_index(db, numbered("s", 4, "lactate"));
  auto writer = IndexWriter::open(db);
  const auto report = writer.delete_ids({"s-2", "s-4"});
  CHECK(report.deleted == 2);
  CHECK(writer.document_count() == 2);
  const auto engine = SearchEngine::open(db);
  CHECK_FALSE(engine.find_study("s-2").has_value());
  CHECK_FALSE(engine.find_study("s-4").has_value());
  CHECK(engine.find_study("s-1").has_value());
  SearchRequest r;
  r.text = "lactate";
  CHECK(all_ids(engine, r) == std::vector<std::string>{"s-1", "s-3"});
}

TEST_CASE("deleting an unknown id deletes nothing, even the known ids listed with it") {
  TempDir dir;
  const std::string db = dir.file("db");
  build_index(db, numbered("s", 3, "lactate"));
  auto writer = IndexWriter::open(db);
  std::string message;
  CHECK(error_kind_of([&] { writer.delete_ids({"s-1", "nope-1"}); }, &message) == ErrorKind::not_found);
  CHECK_THAT(message, Catch::Contains("nope-1"));
  CHECK(writer.document_count() == 3);
  CHECK(SearchEngine::open(db).find_study("s-1").has_value());
}

TEST_CASE("one invalid record among 100 leaves the index unchanged in count and content") {
  TempDir dir;
  const std::string db = dir.file("db");
  build_index(db, numbered("s", 50, "lactate"));
  const auto before = stored_studies(SearchEngine::open(db));
  REQUIRE(before.size() == 50);

  // 100 records: 30 would replace existing ones, 70 are new; number 57 is invalid.
  std::vector<Study> batch = numbered("s", 100, "cortisol");
  batch[56].summary = "   ";

  SECTION("records in memory") {
    auto writer = IndexWriter::open(db);
    std::string message;
    CHECK(error_kind_of([&] { writer.index_studies(sourced(batch, "batch")); }, &message) ==
          ErrorKind::invalid_input);
    CHECK_THAT(message, Catch::Contains("batch:57: summary"));
    CHECK(writer.document_count() == 50);
  }
  SECTION("records from a JSONL file") {
    const std::string file = dir.file("batch.jsonl");
    std::string text = jsonl_of(batch);
    write_text_file(file, text);
    auto writer = IndexWriter::open(db);
    std::string message;
    CHECK(error_kind_of([&] { writer.index_files({file}); }, &message) == ErrorKind::invalid_input);
    CHECK_THAT(message, Catch::Contains(file + ":57: summary"));
    CHECK_THAT(message, Catch::Contains("nothing was written"));
    CHECK(writer.document_count() == 50);
  }
  const auto engine = SearchEngine::open(db);
  CHECK(engine.info().documents == 50);
  CHECK(stored_studies(engine) == before);
  CHECK(count_matches(engine, "cortisol") == 0);
}

TEST_CASE("skip_invalid writes the valid records and lists and counts the invalid ones") {
  TempDir dir;
  const std::string db = dir.file("db");
  std::vector<Study> batch = numbered("s", 100, "cortisol");
  batch[56].summary = "";
  batch[80].id = "Not A Slug";
  const std::string file = dir.file("batch.jsonl");
  write_text_file(file, jsonl_of(batch));
  auto writer = IndexWriter::open(db);
  WriterOptions options;
  options.skip_invalid = true;
  const auto report = writer.index_files({file}, options);
  CHECK(report.added == 98);
  CHECK(report.replaced == 0);
  CHECK(report.skipped == 2);
  REQUIRE(report.issues.size() == 2);
  CHECK(report.issues[0].file == file);
  CHECK(report.issues[0].line == 57);
  CHECK(report.issues[0].field == "summary");
  CHECK(report.issues[1].line == 81);
  CHECK(report.issues[1].field == "id");
  CHECK(writer.document_count() == 98);
  const auto engine = SearchEngine::open(db);
  CHECK_FALSE(engine.find_study("s-57").has_value());
  CHECK(engine.find_study("s-58").has_value());
}

TEST_CASE("the same id twice in one run is an error naming both lines, and nothing is written") {
  TempDir dir;
  const std::string db = dir.file("db");
  std::vector<Study> batch = numbered("s", 6, "lactate");
  batch[4].id = "s-2";  // line 5 repeats the id of line 2
  const std::string file = dir.file("dup.jsonl");
  write_text_file(file, jsonl_of(batch));
  auto writer = IndexWriter::open(db);
  std::string message;
  CHECK(error_kind_of([&] { writer.index_files({file}); }, &message) == ErrorKind::invalid_input);
  CHECK_THAT(message, Catch::Contains(file + ":5: id"));
  CHECK_THAT(message, Catch::Contains(file + ":2"));
  CHECK_THAT(message, Catch::Contains("s-2"));
  CHECK(writer.document_count() == 0);

  SECTION("across two files as well") {
    const std::string other = dir.file("other.jsonl");
    write_text_file(other, jsonl_of({make_study("x-1", "", "One."), make_study("s-1", "", "Again.")}));
    batch[4].id = "s-5";
    write_text_file(file, jsonl_of(batch));
    CHECK(error_kind_of([&] { writer.index_files({file, other}); }, &message) == ErrorKind::invalid_input);
    CHECK_THAT(message, Catch::Contains(other + ":2: id"));
    CHECK_THAT(message, Catch::Contains(file + ":1"));
    CHECK(writer.document_count() == 0);
  }
  SECTION("with skip_invalid one of the two is written and the other is reported") {
    WriterOptions options;
    options.skip_invalid = true;
    const auto report = writer.index_files({file}, options);
    CHECK(report.added == 5);
    CHECK(report.skipped == 1);
    REQUIRE(report.issues.size() == 1);
    CHECK(report.issues[0].line == 5);
    CHECK(writer.document_count() == 5);
  }
}

TEST_CASE("an unreadable input file is an invalid run, not a crash") {
  TempDir dir;
  auto writer = IndexWriter::open(dir.file("db"));
  std::string message;
  CHECK(error_kind_of([&] { writer.index_files({dir.file("missing.jsonl")}); }, &message) ==
        ErrorKind::invalid_input);
  CHECK_THAT(message, Catch::Contains("missing.jsonl"));
  CHECK(writer.document_count() == 0);
}

TEST_CASE("an index with another schema version is refused by the writer and by the engine") {
  TempDir dir;
  const std::string db = dir.file("db");
  build_index(db, numbered("s", 2, "lactate"));
  set_metadata(db, "studysearch.schema_version", "999");
  std::string message;
  CHECK(error_kind_of([&] { IndexWriter::open(db); }, &message) == ErrorKind::index_incompatible);
  CHECK_THAT(message, Catch::Contains("999"));
  CHECK(error_kind_of([&] { SearchEngine::open(db); }, &message) == ErrorKind::index_incompatible);
  CHECK_THAT(message, Catch::Contains("999"));
}

TEST_CASE("an index built with another analyzer is refused by the writer and by the engine") {
  TempDir dir;
  const std::string db = dir.file("db");
  build_index(db, numbered("s", 2, "lactate"));
  set_metadata(db, "studysearch.analyzer", "icu-nfkc-v0/snowball-german");
  CHECK(error_kind_of([&] { IndexWriter::open(db); }) == ErrorKind::index_incompatible);
  CHECK(error_kind_of([&] { SearchEngine::open(db); }) == ErrorKind::index_incompatible);
}

TEST_CASE("a Xapian database that is not a studysearch index is refused") {
  TempDir dir;
  const std::string db = dir.file("db");
  {
    Xapian::WritableDatabase plain(db, Xapian::DB_CREATE);
    Xapian::Document doc;
    doc.add_term("hello");
    plain.add_document(doc);
    plain.commit();
  }
  CHECK(error_kind_of([&] { SearchEngine::open(db); }) == ErrorKind::index_incompatible);
  CHECK(error_kind_of([&] { IndexWriter::open(db); }) == ErrorKind::index_incompatible);
}

TEST_CASE("an existing index keeps its settings; asking for other settings is refused") {
  TempDir dir;
  const std::string db = dir.file("db");
  { IndexWriter::open(db, IndexSettings{.title_weight = 5}); }
  CHECK(IndexWriter::open(db).settings().title_weight == 5);
  CHECK(IndexWriter::open(db, IndexSettings{.title_weight = 5}).settings().title_weight == 5);
  CHECK(error_kind_of([&] { IndexWriter::open(db, IndexSettings{}); }) == ErrorKind::index_incompatible);
}

TEST_CASE("a second writer on an open index is refused as busy (retry later), not as an internal error") {
  TempDir dir;
  auto first = IndexWriter::open(dir.file("db"));
  std::string message;
  CHECK(error_kind_of([&] { IndexWriter::open(dir.file("db")); }, &message) == ErrorKind::busy);
  CHECK_THAT(message, Catch::Contains("locked"));
  CHECK(to_string(ErrorKind::busy) == "busy");
}

TEST_CASE("opening a writer sets no process-wide state (Xapian's flush threshold is the program's choice)") {
  TempDir dir;
  const char* before = std::getenv("XAPIAN_FLUSH_THRESHOLD");
  const std::string saved = before ? before : "";
  unsetenv("XAPIAN_FLUSH_THRESHOLD");
  IndexWriter::open(dir.file("db")).index_studies(sourced({make_study("a", "A", "Summary.")}));
  CHECK(std::getenv("XAPIAN_FLUSH_THRESHOLD") == nullptr);
  if (before) setenv("XAPIAN_FLUSH_THRESHOLD", saved.c_str(), 1);
}

TEST_CASE("searching where there is no index is index_missing") {
  TempDir dir;
  CHECK(error_kind_of([&] { SearchEngine::open(dir.file("nowhere")); }) == ErrorKind::index_missing);
  std::filesystem::create_directories(dir.file("empty"));
  CHECK(error_kind_of([&] { SearchEngine::open(dir.file("empty")); }) == ErrorKind::index_missing);
}

TEST_CASE("the atlas seed entry indexes as-is and only its own words find it") {
  TempDir dir;
  const std::string db = dir.file("db");
  auto writer = IndexWriter::open(db);
  const auto report = writer.index_files({std::string(STUDYSEARCH_DATA_DIR) + "/seeds/atlas-entry-example.txt"});
  CHECK(report.added == 1);
  CHECK(report.issues.empty());
  const auto engine = SearchEngine::open(db);
  SearchRequest r;
  r.text = "interferon fibromyalgia";
  const auto result = engine.search(r);
  REQUIRE(result.total == 1);
  const auto study = engine.find_study(result.hits[0].id);
  REQUIRE(study.has_value());
  CHECK(study->year == 1999);
  CHECK_THAT(study->summary, Catch::StartsWith("This study examined immune system cells"));
  // The page boilerplate is not part of the record, so its words find nothing.
  for (std::string boilerplate : {"Spotted", "atlas works", "explicit required diagnostic criterion",
                                  "\"Report it\"", "badge"}) {
    INFO("query: " << boilerplate);
    CHECK(count_matches(engine, boilerplate) == 0);
  }
}

TEST_CASE("a compacted copy is smaller and answers every request exactly like the original") {
  TempDir dir;
  const std::string db = dir.file("db"), copy = dir.file("copy");
  const auto studies = StudyGenerator(77, StudyGenerator::default_options()).generate(800);
  build_index(db, studies);
  // A second run replaces a quarter, leaving half-empty blocks behind.
  build_index(db, std::vector<Study>(studies.begin(), studies.begin() + 200));
  compact_index(db, copy);
  auto bytes = [](const std::string& folder) {
    std::uintmax_t total = 0;
    for (const auto& f : std::filesystem::directory_iterator(folder)) total += f.is_regular_file() ? f.file_size() : 0;
    return total;
  };
  CHECK(bytes(copy) < bytes(db));
  const auto original = SearchEngine::open(db), compacted = SearchEngine::open(copy);
  CHECK(compacted.info().documents == 800);
  for (const std::string text : {"", "mitochondria", "sleep blood", "\"plasma lactate\"", "cortisol -gut"}) {
    SearchRequest r;
    r.text = text;
    r.limit = 50;
    r.filters["pem"] = {"required", "unclear"};
    const SearchResult a = original.search(r), b = compacted.search(r);
    INFO("query '" << text << "'");
    CHECK(a.total == b.total);
    CHECK(ids_of(a) == ids_of(b));
    CHECK(a.facets["journal"].size() == b.facets["journal"].size());
  }
  CHECK(stored_studies(compacted) == stored_studies(original));
}

TEST_CASE("compacting refuses an existing target and a missing source, and leaves no partial folder") {
  TempDir dir;
  const std::string db = dir.file("db");
  build_index(db, numbered("s", 5, "lactate"));
  std::filesystem::create_directories(dir.file("taken"));
  try {
    compact_index(db, dir.file("taken"));
    FAIL("compacting into an existing folder succeeded");
  } catch (const Error& e) {
    CHECK(e.kind() == ErrorKind::invalid_input);
  }
  try {
    compact_index(dir.file("nothing"), dir.file("out"));
    FAIL("compacting a missing index succeeded");
  } catch (const Error& e) {
    CHECK(e.kind() == ErrorKind::index_missing);
  }
  std::size_t entries = 0;
  for (const auto& f : std::filesystem::directory_iterator(dir.path())) entries += (void(f), 1);
  CHECK(entries == 2);  // db and taken: no half-written copy
}

TEST_CASE("a bulk load in parallel parts gives the same index as one writer, and readers see it at once") {
  TempDir dir;
  const std::string bulk = dir.file("bulk"), single = dir.file("single");
  const auto studies = StudyGenerator(4242, StudyGenerator::default_options()).generate(700);
  // A reader on the empty index before the load must see the load afterwards.
  IndexWriter::open(bulk);
  const auto early = SearchEngine::open(bulk);
  CHECK(early.info().documents == 0);
  {
    WriterOptions options;
    options.bulk_min_records = 1;
    options.shards = 3;
    std::vector<std::size_t> progress;
    options.progress = [&](IndexPhase phase, std::size_t done, std::size_t) {
      if (phase == IndexPhase::writing) progress.push_back(done);
    };
    const auto report = IndexWriter::open(bulk).index_studies(sourced(studies), options);
    CHECK(report.added == 700);
    REQUIRE_FALSE(progress.empty());
    CHECK(progress.back() == 700);
    CHECK(std::is_sorted(progress.begin(), progress.end()));
  }
  {
    WriterOptions options;
    options.bulk_min_records = 0;  // one writer
    IndexWriter::open(single).index_studies(sourced(studies), options);
  }
  // Same documents under the same docids.
  const Xapian::Database a(bulk), b(single);
  REQUIRE(a.get_doccount() == 700);
  REQUIRE(a.get_lastdocid() == b.get_lastdocid());
  for (Xapian::docid id = 1; id <= a.get_lastdocid(); id += 37) CHECK(a.get_document(id).get_data() == b.get_document(id).get_data());
  // Same answers: results with their scores, facets, completion.
  const auto from_bulk = SearchEngine::open(bulk), from_single = SearchEngine::open(single);
  for (const std::string text : {"", "mitochondria", "sleep blood", "\"plasma lactate\"", "cortisol -gut", "title:brain"}) {
    SearchRequest r;
    r.text = text;
    r.limit = 40;
    const SearchResult x = from_bulk.search(r), y = from_single.search(r), z = early.search(r);
    INFO("query '" << text << "'");
    CHECK(x.total == y.total);
    CHECK(z.total == y.total);
    CHECK(ids_of(x) == ids_of(y));
    CHECK(ids_of(z) == ids_of(y));
    for (std::size_t i = 0; i < std::min(x.hits.size(), y.hits.size()); ++i) CHECK(x.hits[i].score == y.hits[i].score);
    CHECK(x.facets["journal"].size() == y.facets["journal"].size());
  }
  CHECK(from_bulk.complete("mi", 5) == from_single.complete("mi", 5));
  // No work folder is left beside the index, and later runs add as usual.
  std::size_t entries = 0;
  for (const auto& f : std::filesystem::directory_iterator(dir.path())) entries += (void(f), 1);
  CHECK(entries == 2);
  const auto more = StudyGenerator(99, StudyGenerator::default_options()).generate(5);
  std::vector<Study> renamed;
  for (auto s : more) {
    s.id = "later-" + s.id;
    renamed.push_back(s);
  }
  IndexWriter::open(bulk).index_studies(sourced(renamed));
  CHECK(SearchEngine::open(bulk).info().documents == 705);
}

TEST_CASE("a bulk load with an invalid record writes nothing, and a dead load's work folder is removed") {
  TempDir dir;
  const std::string db = dir.file("db");
  auto studies = StudyGenerator(5, StudyGenerator::default_options()).generate(50);
  studies[30].summary.clear();
  WriterOptions options;
  options.bulk_min_records = 1;
  options.shards = 2;
  CHECK_THROWS_AS(IndexWriter::open(db).index_studies(sourced(studies), options), Error);
  CHECK(SearchEngine::open(db).info().documents == 0);
  std::filesystem::create_directories(dir.file(".db.bulk-12345/part-0"));
  IndexWriter::open(db);
  CHECK_FALSE(std::filesystem::exists(dir.file(".db.bulk-12345")));
}

TEST_CASE("progress names its phase: reading while validating, then writing up to the total") {
  TempDir dir;
  const auto studies = StudyGenerator(77, StudyGenerator::default_options()).generate(2500);
  std::string lines;
  for (const auto& s : studies) lines += to_json(s) + "\n";
  write_text_file(dir.file("in.jsonl"), lines);
  std::vector<std::pair<IndexPhase, std::size_t>> calls;
  WriterOptions options;
  options.bulk_min_records = 0;
  options.progress = [&](IndexPhase phase, std::size_t done, std::size_t total) {
    calls.emplace_back(phase, done);
    if (phase == IndexPhase::reading) CHECK(total == 0);
    if (phase == IndexPhase::writing) CHECK(total == 2500);
  };
  IndexWriter::open(dir.file("db")).index_files({dir.file("in.jsonl")}, options);
  const std::vector<std::pair<IndexPhase, std::size_t>> reading(calls.begin(), calls.begin() + 2);
  CHECK(reading == std::vector<std::pair<IndexPhase, std::size_t>>{{IndexPhase::reading, 1000}, {IndexPhase::reading, 2000}});
  REQUIRE(calls.size() > 2);
  CHECK(calls[2].first == IndexPhase::writing);
  CHECK(calls.back() == std::pair{IndexPhase::writing, std::size_t{2500}});
  CHECK(std::string(to_string(IndexPhase::merging)) == "merging");
}
