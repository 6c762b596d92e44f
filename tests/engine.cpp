// Specification of the query engine: query language, ranking promises
// (all words first, synonyms, filters never re-rank), sorting, paging,
// limits, snippets, did-you-mean, hostile queries, similar, completion and
// searching while a writer commits.
#include <catch2/catch.hpp>

#include <algorithm>
#include <atomic>
#include <mutex>
#include <random>
#include <regex>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "studysearch/analyzer.hpp"
#include "studysearch/error.hpp"
#include "studysearch/index_writer.hpp"
#include "studysearch/studysearch.hpp"
#include "test_support.hpp"

using namespace studysearch;
using namespace studysearch::test;
using Ids = std::vector<std::string>;

namespace {

Study with(Study s, Pem pem, std::optional<int> year = std::nullopt, std::string journal = "") {
  s.pem = pem;
  s.year = year;
  s.journal = std::move(journal);
  return s;
}

// Small hand-made corpus for the query language and ranking promises.
const FixtureIndex& language_fixture() {
  return named_fixture("language", [] {
    std::vector<Study> s{
        // phrase and exclusion
        with(make_study("phrase-in-order", "Exercise capacity in patients", "We measured exercise capacity twice."),
             Pem::required, 2016, "The Lancet"),
        with(make_study("phrase-reversed", "Questionnaires", "Capacity for exercise was reported, not measured."),
             Pem::not_required, 2012),
        // OR
        make_study("only-lactate", "Lactate in muscle", "Muscle lactate after effort."),
        make_study("only-cortisol", "Cortisol rhythm", "Salivary cortisol in the morning."),
        // fields
        with(make_study("lactate-in-summary", "Blood markers", "Lactate was measured in blood."), Pem::unclear,
             2019, "Journal of Translational Medicine"),
        make_study("sjogren-mentioned", "Dry eyes", "Patients resembled those described by Sjogren."),
        make_study("lancet-mentioned", "Letters", "A letter to the lancet editors about questionnaires."),
        // all words first
        make_study("both-words", "Mitochondria and the microbiome", "Mitochondria and microbiome together."),
        make_study("mito-repeated", "Mitochondria mitochondria mitochondria",
                   "Mitochondria mitochondria mitochondria mitochondria mitochondria mitochondria."),
        make_study("micro-repeated", "Microbiome microbiome microbiome",
                   "Microbiome microbiome microbiome microbiome microbiome microbiome."),
        // synonyms: equal length summaries, no title
        make_study("cfs-words", "", "Patients with chronic fatigue syndrome were studied in clinic."),
        make_study("cfs-abbrev", "", "Patients with CFS were studied in the outpatient clinic."),
        make_study("pem-abbrev", "", "Patients reported PEM after the walking test."),
        make_study("pem-words", "", "Patients reported post-exertional malaise after walking."),
    };
    s[5].authors = {"Sjögren, Anna", "Berg, B"};
    return s;
  });
}

SearchResult run(const SearchEngine& engine, const std::string& text, std::size_t limit = 50) {
  SearchRequest r;
  r.text = text;
  r.limit = limit;
  return engine.search(r);
}

Ids found(const SearchEngine& engine, const std::string& text) {
  Ids ids = ids_of(run(engine, text));
  std::sort(ids.begin(), ids.end());
  return ids;
}

// Random corpus shared by the ranking-invariance, sorting and paging tests.
const FixtureIndex& random_fixture() {
  return named_fixture("random-300", [] {
    StudyGenerator generator(test_seed(20240611), StudyGenerator::default_options());
    return generator.generate(300);
  });
}

// One filter of the request, brute force: the study's value is one of the chosen (by key).
bool passes(const SearchRequest& r, const char* field, const std::string& value) {
  const auto chosen = r.filters.find(field);
  if (chosen == r.filters.end() || chosen->second.empty()) return true;
  return !value.empty() && std::any_of(chosen->second.begin(), chosen->second.end(),
                                       [&](const std::string& c) { return journal_key(c) == journal_key(value); });
}

bool passes(const Study& s, const SearchRequest& r) {
  if (!passes(r, "pem", std::string(to_string(s.pem))) || !passes(r, "journal", s.journal) ||
      !passes(r, "evidence_level", s.evidence_level) || !passes(r, "design", s.design))
    return false;
  if ((r.year_from || r.year_to) && (!s.year || (r.year_from && *s.year < *r.year_from) || (r.year_to && *s.year > *r.year_to)))
    return false;
  return true;
}

template <typename Fn>
ErrorKind error_kind_of(Fn&& fn) {
  try {
    fn();
  } catch (const Error& e) {
    return e.kind();
  }
  FAIL("no studysearch::Error was thrown");
  return ErrorKind::internal;
}

// The matched spans of a snippet, in order.
std::vector<std::string> marked_words(const std::vector<TextSpan>& spans) {
  std::vector<std::string> out;
  for (const auto& span : spans)
    if (span.matched) out.push_back(span.text);
  return out;
}

std::string joined(const std::vector<TextSpan>& spans) {
  std::string out;
  for (const auto& span : spans) out += span.text;
  return out;
}

}  // namespace

// ---- query language ----------------------------------------------------------

TEST_CASE("a quoted phrase matches the words only in that order") {
  const auto& fx = language_fixture();
  CHECK(found(fx.engine, "\"exercise capacity\"") == Ids{"phrase-in-order"});
  CHECK(found(fx.engine, "exercise capacity") == Ids{"phrase-in-order", "phrase-reversed"});
  CHECK(found(fx.engine, "\"capacity exercise\"").empty());
}

TEST_CASE("excluding with -word, -\"phrase\" or NOT word drops those studies") {
  const auto& fx = language_fixture();
  CHECK(found(fx.engine, "exercise -twice") == Ids{"phrase-reversed"});
  CHECK(found(fx.engine, "exercise NOT questionnaires") == Ids{"phrase-in-order"});
  CHECK(found(fx.engine, "exercise -\"exercise capacity\"") == Ids{"phrase-reversed"});
  // A lone exclusion browses everything else.
  CHECK(run(fx.engine, "-lactate").total == fx.studies.size() - 2);
}

TEST_CASE("OR between words finds studies with either word") {
  const auto& fx = language_fixture();
  CHECK(found(fx.engine, "cortisol OR lactate") == Ids{"lactate-in-summary", "only-cortisol", "only-lactate"});
  // Without OR, short queries still find either word (all-words studies first).
  CHECK(found(fx.engine, "cortisol lactate") == Ids{"lactate-in-summary", "only-cortisol", "only-lactate"});
}

TEST_CASE("title:, author: and journal: search one field only") {
  const auto& fx = language_fixture();
  CHECK(found(fx.engine, "title:lactate") == Ids{"only-lactate"});
  CHECK(found(fx.engine, "lactate") == Ids{"lactate-in-summary", "only-lactate"});
  CHECK(found(fx.engine, "author:sjogren") == Ids{"sjogren-mentioned"});
  CHECK(found(fx.engine, "author:Sjögren") == Ids{"sjogren-mentioned"});
  CHECK(found(fx.engine, "journal:lancet") == Ids{"phrase-in-order"});
  CHECK(found(fx.engine, "lancet") == Ids{"lancet-mentioned", "phrase-in-order"});
  CHECK(found(fx.engine, "title:\"exercise capacity\"") == Ids{"phrase-in-order"});
  CHECK(found(fx.engine, "summary:questionnaires") == Ids{"lancet-mentioned"});
}

TEST_CASE("the summary relevance and limitations prefixes match a word only inside that text") {
  const auto& fx = named_fixture("text-fields", [] {
    auto in_summary = make_study("cortisol-summary", "", "Morning cortisol was low in patients.");
    auto in_relevance = make_study("cortisol-relevance", "", "Hormone rhythms were measured.");
    in_relevance.relevance = "Cortisol rhythms may explain unrefreshing sleep.";
    auto in_limitations = make_study("cortisol-limitations", "", "Sleep was recorded at home.");
    in_limitations.limitations = "Cortisol was not measured, and the sample was small.";
    auto phrase_split = make_study("phrase-split", "", "Sleep quality was poor.");
    phrase_split.limitations = "Unrefreshing mornings; the sleep diaries were short.";
    return std::vector<Study>{in_summary, in_relevance, in_limitations, phrase_split};
  });
  CHECK(found(fx.engine, "cortisol") == Ids{"cortisol-limitations", "cortisol-relevance", "cortisol-summary"});
  CHECK(found(fx.engine, "summary:cortisol") == Ids{"cortisol-summary"});
  CHECK(found(fx.engine, "relevance:cortisol") == Ids{"cortisol-relevance"});
  CHECK(found(fx.engine, "limitations:cortisol") == Ids{"cortisol-limitations"});
  // Stemmed like the free text, and every word of a field phrase must be in that field.
  CHECK(found(fx.engine, "relevance:rhythm") == Ids{"cortisol-relevance"});
  CHECK(found(fx.engine, "limitations:\"sleep diaries\"") == Ids{"phrase-split"});
  CHECK(found(fx.engine, "summary:\"sleep diaries\"").empty());
  // A phrase never spans two fields: "poor unrefreshing" crosses summary -> limitations.
  CHECK(found(fx.engine, "\"poor unrefreshing\"").empty());
}

TEST_CASE("year: and pem: in the query filter like the request fields") {
  const auto& fx = language_fixture();
  CHECK(found(fx.engine, "exercise year:2015..2020") == Ids{"phrase-in-order"});
  CHECK(found(fx.engine, "exercise year:2012") == Ids{"phrase-reversed"});
  CHECK(found(fx.engine, "exercise year:..2013") == Ids{"phrase-reversed"});
  CHECK(found(fx.engine, "year:2019") == Ids{"lactate-in-summary"});
  CHECK(found(fx.engine, "exercise pem:required") == Ids{"phrase-in-order"});
  CHECK(found(fx.engine, "exercise pem:not_required") == Ids{"phrase-reversed"});
  CHECK(found(fx.engine, "exercise -pem:required") == Ids{"phrase-reversed"});
}

// ---- ranking ------------------------------------------------------------------

TEST_CASE("a short query ranks the study with every word above studies that repeat one word") {
  const auto& fx = language_fixture();
  const Ids ranked = ids_of(run(fx.engine, "mitochondria microbiome"));
  REQUIRE(ranked.size() == 3);
  CHECK(ranked[0] == "both-words");
  const Ids ranked_reversed = ids_of(run(fx.engine, "microbiome mitochondria"));
  CHECK(ranked_reversed.at(0) == "both-words");
}

TEST_CASE("synonyms work both ways: CFS and chronic fatigue syndrome") {
  const auto& fx = language_fixture();
  CHECK(found(fx.engine, "CFS") == Ids{"cfs-abbrev", "cfs-words"});
  CHECK(found(fx.engine, "cfs") == Ids{"cfs-abbrev", "cfs-words"});
  CHECK(found(fx.engine, "chronic fatigue syndrome") == Ids{"cfs-abbrev", "cfs-words"});
  CHECK(found(fx.engine, "myalgic encephalomyelitis") == Ids{"cfs-abbrev", "cfs-words"});
  CHECK(found(fx.engine, "ME/CFS") == Ids{"cfs-abbrev", "cfs-words"});
}

TEST_CASE("synonyms work both ways: PEM and post-exertional malaise") {
  const auto& fx = language_fixture();
  CHECK(found(fx.engine, "PEM") == Ids{"pem-abbrev", "pem-words"});
  CHECK(found(fx.engine, "post-exertional malaise") == Ids{"pem-abbrev", "pem-words"});
  CHECK(found(fx.engine, "post exertional malaise") == Ids{"pem-abbrev", "pem-words"});
  CHECK(found(fx.engine, "PENE") == Ids{"pem-abbrev", "pem-words"});
}

TEST_CASE("the form typed ranks at least as high as a study with only its synonym") {
  const auto& fx = language_fixture();
  auto score_of = [&](const std::string& query, const std::string& id) {
    for (const auto& h : run(fx.engine, query).hits)
      if (h.id == id) return h.score;
    FAIL("no hit " << id << " for " << query);
    return 0.0;
  };
  CHECK(score_of("CFS", "cfs-abbrev") >= score_of("CFS", "cfs-words"));
  CHECK(score_of("chronic fatigue syndrome", "cfs-words") >= score_of("chronic fatigue syndrome", "cfs-abbrev"));
  CHECK(ids_of(run(fx.engine, "CFS")).at(0) == "cfs-abbrev");
  CHECK(ids_of(run(fx.engine, "chronic fatigue syndrome")).at(0) == "cfs-words");
}

TEST_CASE("a capitals-only thesaurus form (ME!, GET!) is not matched as an everyday word") {
  const auto& fx = named_fixture("capitals", [] {
    return std::vector<Study>{
        make_study("everyday-words", "", "Patients told me they get tired after walking."),
        make_study("get-words", "", "Graded exercise therapy was compared with pacing."),
        make_study("cfs-words", "", "Chronic fatigue syndrome patients were walking."),
    };
  });
  // Lowercase "me" and "get" are everyday words: typing them is no synonym.
  CHECK(found(fx.engine, "get tired") == Ids{"everyday-words"});
  // Typed in capitals they are the abbreviations.
  CHECK(found(fx.engine, "GET") == Ids{"everyday-words", "get-words"});
  // Another form of the group must not reach the everyday word "get" or "me".
  CHECK(found(fx.engine, "graded exercise therapy") == Ids{"get-words"});
  CHECK(found(fx.engine, "chronic fatigue syndrome") == Ids{"cfs-words"});
}

TEST_CASE("filters never change the ranking, only drop studies") {
  const auto& fx = random_fixture();
  const std::vector<std::string> queries = {"", "mitochondria", "lactate cortisol", "sleep memory brain",
                                            "blood OR plasma", "muscle -pain", "\"blood pressure\"",
                                            "sleep memory brain muscle blood cortisol"};  // long: feedback expansion
  std::vector<SearchRequest> filters(5);
  filters[0].filters["pem"] = {"required"};
  filters[1].filters["journal"] = {"corvane reports", "DALMORE REVIEW"};
  filters[2].year_from = 2000;
  filters[2].year_to = 2015;
  filters[3].filters["evidence_level"] = {"E1", "E3"};
  filters[4].filters["pem"] = {"unclear", "not_required"};
  filters[4].year_from = 2010;
  for (const auto& query : queries) {
    for (Sort sort : {Sort::relevance, Sort::newest}) {
      SearchRequest plain;
      plain.text = query;
      plain.sort = sort;
      const Ids unfiltered = all_ids(fx.engine, plain, 1000);
      for (std::size_t f = 0; f < filters.size(); ++f) {
        SearchRequest filtered = filters[f];
        filtered.text = query;
        filtered.sort = sort;
        Ids expected;
        for (const auto& id : unfiltered)
          if (passes(fx.study(id), filtered)) expected.push_back(id);
        INFO("query '" << query << "', filter " << f << ", sort " << static_cast<int>(sort));
        CHECK(all_ids(fx.engine, filtered, 1000) == expected);
      }
    }
  }
}

// ---- sorting and paging -----------------------------------------------------------

TEST_CASE("sorting newest or oldest orders by year and puts yearless studies last in both") {
  const auto& fx = random_fixture();
  for (const std::string query : {"", "blood", "sleep memory"}) {
    for (Sort sort : {Sort::newest, Sort::oldest}) {
      SearchRequest r;
      r.text = query;
      r.sort = sort;
      const Ids ids = all_ids(fx.engine, r, 1000);
      INFO("query '" << query << "', sort " << (sort == Sort::newest ? "newest" : "oldest"));
      REQUIRE_FALSE(ids.empty());
      bool seen_yearless = false;
      std::optional<int> previous;
      std::size_t yearless = 0;
      for (const auto& id : ids) {
        const auto year = fx.study(id).year;
        if (!year) {
          seen_yearless = true;
          ++yearless;
          continue;
        }
        CHECK_FALSE(seen_yearless);  // a dated study after a yearless one
        if (previous) CHECK((sort == Sort::newest ? *year <= *previous : *year >= *previous));
        previous = year;
      }
      CHECK(yearless > 0);
    }
  }
}

TEST_CASE("pages of 3 concatenated equal one page of 30") {
  const auto& fx = random_fixture();
  for (const std::string query :
       {"", "mitochondria lactate", "sleep", "blood OR plasma", "sleep memory brain muscle blood cortisol"}) {
    for (Sort sort : {Sort::relevance, Sort::newest, Sort::oldest}) {
      SearchRequest r;
      r.text = query;
      r.sort = sort;
      r.limit = 30;
      r.snippets = false;
      const SearchResult whole = fx.engine.search(r);
      Ids pages;
      std::vector<std::size_t> ranks;
      for (std::size_t offset = 0; offset < 30; offset += 3) {
        SearchRequest page = r;
        page.offset = offset;
        page.limit = 3;
        const SearchResult result = fx.engine.search(page);
        CHECK(result.total == whole.total);
        for (const auto& h : result.hits) {
          pages.push_back(h.id);
          ranks.push_back(h.rank);
        }
      }
      INFO("query '" << query << "', sort " << static_cast<int>(sort));
      CHECK(pages == ids_of(whole));
      for (std::size_t i = 0; i < ranks.size(); ++i) CHECK(ranks[i] == i + 1);
    }
  }
}

TEST_CASE("every page of a three-word query is the same slice of the whole result list") {
  // 1,500 overlapping random studies: enough for Xapian's top-k pruning to
  // matter (it once dropped a study from page 6 of "mitochondria microbiome plasma").
  const auto& fx = named_fixture("random-1500", [] {
    return StudyGenerator(0x5eedC0FFEEull, StudyGenerator::default_options()).generate(1500);
  });
  const SearchEngine classic = SearchEngine::open(fx.path, EngineOptions{.bm25_k1 = 1.2, .prf_docs = 0});
  for (const SearchEngine* engine : {&fx.engine, &classic}) {
    for (const std::string query : {"mitochondria microbiome plasma", "mitochondria lactate plasma",
                                    "mitochondria lymphocyte gut", "mitochondria microbiome sleep",
                                    "ANTIBODY receptor mitochondria"}) {
      SearchRequest r;
      r.text = query;
      r.limit = 1000;
      r.facets = r.snippets = r.suggest = false;
      const Ids whole = ids_of(engine->search(r));
      for (std::size_t offset = 0; offset < 300; offset += 10) {
        SearchRequest page = r;
        page.offset = offset;
        page.limit = 10;
        const Ids expected(whole.begin() + static_cast<long>(std::min(offset, whole.size())),
                           whole.begin() + static_cast<long>(std::min(offset + 10, whole.size())));
        INFO("query '" << query << "', offset " << offset << (engine == &classic ? ", k1=1.2" : ", default options"));
        CHECK(ids_of(engine->search(page)) == expected);
      }
    }
  }
}

TEST_CASE("a page past the end is empty but still reports the total") {
  const auto& fx = language_fixture();
  SearchRequest r;
  r.text = "lactate";
  r.offset = 5;
  const auto result = fx.engine.search(r);
  CHECK(result.total == 2);
  CHECK(result.hits.empty());
}

TEST_CASE("offset + limit above the window, or limit above 1000, is limit_exceeded") {
  const auto& fx = language_fixture();
  SearchRequest r;
  r.offset = 9995;
  r.limit = 10;
  CHECK(error_kind_of([&] { fx.engine.search(r); }) == ErrorKind::limit_exceeded);
  r.offset = 9990;
  CHECK_NOTHROW(fx.engine.search(r));
  r.offset = 0;
  r.limit = 1001;
  CHECK(error_kind_of([&] { fx.engine.search(r); }) == ErrorKind::limit_exceeded);
  r.limit = 1000;
  CHECK_NOTHROW(fx.engine.search(r));
  r.offset = SIZE_MAX - 5;  // must not wrap around
  r.limit = 10;
  CHECK(error_kind_of([&] { fx.engine.search(r); }) == ErrorKind::limit_exceeded);
}

TEST_CASE("year_from after year_to is invalid_query") {
  const auto& fx = language_fixture();
  SearchRequest r;
  r.year_from = 2020;
  r.year_to = 2010;
  CHECK(error_kind_of([&] { fx.engine.search(r); }) == ErrorKind::invalid_query);
}

TEST_CASE("filter values follow the record rules: years 1800..2100, evidence E0..E3") {
  const auto& fx = language_fixture();
  const auto message_of = [&](const SearchRequest& r) -> std::string {
    try {
      fx.engine.search(r);
    } catch (const Error& e) {
      CHECK(e.kind() == ErrorKind::invalid_query);
      return e.what();
    }
    return "";
  };
  SearchRequest r;
  r.year_from = -5;
  CHECK_THAT(message_of(r), Catch::Contains("year_from") && Catch::Contains("-5"));
  r.year_from = 1800;
  r.year_to = 99999;
  CHECK_THAT(message_of(r), Catch::Contains("year_to") && Catch::Contains("99999"));
  r.year_to = 2100;
  CHECK_NOTHROW(fx.engine.search(r));
  r.filters["evidence_level"] = {"E2", "E9"};
  CHECK_THAT(message_of(r), Catch::Contains("'E9'"));
  r.filters["evidence_level"] = {"E0", "E3"};
  CHECK_NOTHROW(fx.engine.search(r));
  // A huge offset is named as it is, not as a wrapped-around sum.
  SearchRequest far;
  far.offset = SIZE_MAX - 5;
  try {
    fx.engine.search(far);
    FAIL("no error");
  } catch (const Error& e) {
    CHECK_THAT(e.what(), Catch::Contains("offset " + std::to_string(SIZE_MAX - 5)));
  }
}

// ---- snippets -------------------------------------------------------------------

namespace {
const FixtureIndex& snippet_fixture() {
  return named_fixture("snippets", [] {
    return std::vector<Study>{
        make_study("script", "XSS", "Beware <script>alert(1)</script> & \"quotes\" 'here' before the alarm and fatigue."),
        make_study("stems", "", "Patients were fatigued after fatiguing tasks; rest helped."),
        make_study("synonym", "", "Adults with chronic fatigue syndrome walked less."),
    };
  });
}
}  // namespace

TEST_CASE("snippets are spans of the text as written that mark only the matched words") {
  const auto& fx = snippet_fixture();
  const auto result = run(fx.engine, "alert");
  REQUIRE(result.hits.size() == 1);
  const auto& snippet = result.hits[0].snippet;
  const std::string text = joined(snippet);
  INFO(text);
  // Data, not markup: the text is not escaped here (app/ escapes it for HTML).
  CHECK_THAT(text, Catch::Contains("<script>alert(1)</script>"));
  CHECK_THAT(text, Catch::Contains("\"quotes\""));
  CHECK(marked_words(snippet) == std::vector<std::string>{"alert"});  // not "script", "alarm"
  for (std::size_t i = 1; i < snippet.size(); ++i) CHECK(snippet[i].matched != snippet[i - 1].matched);  // joined runs
}

TEST_CASE("snippets mark stemmed forms and synonyms of the query words") {
  const auto& fx = snippet_fixture();
  SearchRequest r;
  r.text = "fatigue";
  const auto hits = fx.engine.search(r).hits;
  const auto stems = std::find_if(hits.begin(), hits.end(), [](const Hit& h) { return h.id == "stems"; });
  REQUIRE(stems != hits.end());
  CHECK(marked_words(stems->snippet) == std::vector<std::string>{"fatigued", "fatiguing"});
  r.text = "CFS";
  const auto result = fx.engine.search(r);
  REQUIRE(ids_of(result) == Ids{"synonym"});
  CHECK(marked_words(result.hits[0].snippet) == std::vector<std::string>{"chronic", "fatigue", "syndrome"});
  r.snippets = false;
  CHECK(fx.engine.search(r).hits.at(0).snippet.empty());
}

// ---- did you mean -------------------------------------------------------------------

namespace {
const FixtureIndex& spelling_fixture() {
  return named_fixture("spelling", [] {
    return std::vector<Study>{
        with(make_study("fm-ifn", "Fibromyalgia and interferon", "Interferon lozenges in fibromyalgia, 1999."),
             Pem::required),
        make_study("fm-only", "Fibromyalgia pain", "Pain in fibromyalgia over 12 weeks."),
        make_study("sleep", "Sleep", "Sleep questionnaires and actigraphy."),
    };
  });
}
}  // namespace

TEST_CASE("did-you-mean respells a misspelt word") {
  const auto& fx = spelling_fixture();
  const auto result = run(fx.engine, "fibromyalgai");
  CHECK(result.total == 0);
  REQUIRE(result.did_you_mean.has_value());
  CHECK(*result.did_you_mean == "fibromyalgia");
  // Only the misspelt word changes; the rest of the query stays as typed.
  const auto mixed = run(fx.engine, "title:pain fibromyalgai");
  REQUIRE(mixed.did_you_mean.has_value());
  CHECK(*mixed.did_you_mean == "title:pain fibromyalgia");
}

TEST_CASE("did-you-mean never respells numbers or words the index has") {
  const auto& fx = spelling_fixture();
  CHECK_FALSE(run(fx.engine, "1998").did_you_mean.has_value());
  CHECK_FALSE(run(fx.engine, "13 weeks").did_you_mean.has_value());
  CHECK_FALSE(run(fx.engine, "interferon").did_you_mean.has_value());
  CHECK_FALSE(run(fx.engine, "actigraphy").did_you_mean.has_value());
}

TEST_CASE("did-you-mean never suggests a query that finds no more studies") {
  const auto& fx = spelling_fixture();
  // "interferon" only occurs in a study "fibromyalgia" already finds.
  const auto result = run(fx.engine, "fibromyalgia interferom");
  CHECK(result.total == 2);
  CHECK_FALSE(result.did_you_mean.has_value());
  // Filters apply to the respelt query too.
  SearchRequest r;
  r.text = "interferom";
  r.filters["pem"] = {"unclear"};
  CHECK_FALSE(fx.engine.search(r).did_you_mean.has_value());
  r.filters["pem"] = {"required"};
  CHECK(fx.engine.search(r).did_you_mean == std::optional<std::string>("interferon"));
}

// ---- hostile queries ---------------------------------------------------------------

TEST_CASE("malformed queries never crash: they return results or a clean Error") {
  const auto& fx = language_fixture();
  std::vector<std::string> queries = {
      "\"unbalanced", "AND OR", "((", "-", "title:", "OR", "NOT", "OR lactate OR", "\"\"", "-\"\"",
      "title:\"\"", "::::", "- - -", "year:", "year:..", "year:abc", "year:2020..2010", "year:99999999999999",
      "pem:maybe", "pem:", "author:", "journal:\"", "\"exercise", "lactate)", "-(lactate)", "+ && | ||",
      std::string("lac\0tate", 8), "\xff\xfe\xfd", "lactate \xc3", "\xe2\x80", "\xed\xa0\x80 surrogate",
      std::string(4096, 'a'), std::string(4096, '"'), std::string(2000, '-') + "x", "a b c d e f g h i j k"};
  std::string many_words;
  for (int i = 0; i < 500; ++i) many_words += "w" + std::to_string(i) + " ";
  queries.push_back(many_words);
  for (const auto& q : queries) {
    INFO("query bytes: " << q.size() << " '" << q.substr(0, 40) << "'");
    SearchRequest r;
    r.text = q;
    try {
      const auto result = fx.engine.search(r);
      CHECK(result.hits.size() <= r.limit);
      CHECK(result.hits.size() <= result.total);
    } catch (const Error& e) {
      CHECK(e.kind() != ErrorKind::internal);
    }
  }
}

TEST_CASE("a query longer than 4096 bytes is limit_exceeded, a shorter one is not") {
  const auto& fx = language_fixture();
  SearchRequest r;
  r.text = std::string(10000, 'x');
  CHECK(error_kind_of([&] { fx.engine.search(r); }) == ErrorKind::limit_exceeded);
  r.text = std::string(4097, 'x');
  CHECK(error_kind_of([&] { fx.engine.search(r); }) == ErrorKind::limit_exceeded);
  r.text = std::string(4096, 'x');
  CHECK_NOTHROW(fx.engine.search(r));
  // Every call that takes query text has the same limit.
  const std::string long_text(4097, 'x'), fits(4096, 'x');
  CHECK(error_kind_of([&] { fx.engine.highlight("some text", long_text); }) == ErrorKind::limit_exceeded);
  CHECK(error_kind_of([&] { fx.engine.complete(long_text); }) == ErrorKind::limit_exceeded);
  CHECK(error_kind_of([&] { fx.engine.facet_values(SearchRequest{}, "journal", long_text, 10); }) ==
        ErrorKind::limit_exceeded);
  CHECK_NOTHROW(fx.engine.highlight("some text", fits));
  CHECK_NOTHROW(fx.engine.complete(fits));
  CHECK_NOTHROW(fx.engine.facet_values(SearchRequest{}, "journal", fits, 10));
}

TEST_CASE("invalid UTF-8 and NUL bytes in a query split words like punctuation") {
  const auto& fx = language_fixture();
  CHECK(found(fx.engine, "\xff" "lactate\xfe") == Ids{"lactate-in-summary", "only-lactate"});
  CHECK(found(fx.engine, std::string("cortisol\0lactate", 16)) ==
        Ids{"lactate-in-summary", "only-cortisol", "only-lactate"});
}

// ---- similar and complete -------------------------------------------------------------

TEST_CASE("similar(id) never returns the study itself and honours k") {
  const auto& fx = random_fixture();
  for (std::size_t i = 0; i < 30; ++i) {
    const std::string& id = fx.studies[i].id;
    const auto hits = fx.engine.similar(id, 7);
    INFO("id " << id);
    CHECK(hits.size() <= 7);
    CHECK_FALSE(hits.empty());
    for (std::size_t r = 0; r < hits.size(); ++r) {
      CHECK(hits[r].id != id);
      CHECK(hits[r].rank == r + 1);
    }
  }
}

TEST_CASE("similar(id) of an unknown id is not_found") {
  const auto& fx = random_fixture();
  CHECK(error_kind_of([&] { fx.engine.similar("no-such-study"); }) == ErrorKind::not_found);
  CHECK(error_kind_of([&] { fx.engine.similar(""); }) == ErrorKind::not_found);
}

namespace {
std::vector<Study> completion_studies() {
  return {make_study("c1", "Fatigue and fatigue", "Fatigue, fatigue and fatigued patients."),
          make_study("c2", "Fatigued", "Fatigued after fatiguing work; fatal outcomes were rare."),
          make_study("c3", "Fatigability", "Fatigued and fatigability.")};
}
}  // namespace

TEST_CASE("complete(prefix) returns indexed words with that prefix, most frequent first") {
  const auto& fx = named_fixture("completion", completion_studies);
  // fatigue 5, fatigued 4, fatigability 2, fatiguing 1 (title and summary words).
  CHECK(fx.engine.complete("fati") == Ids{"fatigue", "fatigued", "fatigability", "fatiguing"});
  CHECK(fx.engine.complete("fati", 2) == Ids{"fatigue", "fatigued"});
  CHECK(fx.engine.complete("FATI") == Ids{"fatigue", "fatigued", "fatigability", "fatiguing"});
  CHECK(fx.engine.complete("chronic fatigu", 2) == Ids{"chronic fatigue", "chronic fatigued"});
  CHECK(fx.engine.complete("fatal") == Ids{"fatal"});
  CHECK(fx.engine.complete("zzz").empty());
  CHECK(fx.engine.complete("").empty());
}

TEST_CASE("completion no longer offers words of deleted or replaced studies") {
  TempDir dir;
  const std::string db = dir.file("db");
  build_index(db, completion_studies());
  {
    auto writer = IndexWriter::open(db);
    writer.delete_ids({"c3"});                                                   // the only "fatigability"
    writer.index_studies(sourced({make_study("c2", "Rest", "Rest and pacing.")}));  // the only "fatiguing"
  }
  const auto engine = SearchEngine::open(db);
  const Ids completions = engine.complete("fati");
  CHECK(std::find(completions.begin(), completions.end(), "fatigability") == completions.end());
  CHECK(std::find(completions.begin(), completions.end(), "fatiguing") == completions.end());
  CHECK(std::find(completions.begin(), completions.end(), "fatigue") != completions.end());
}

// ---- concurrency -----------------------------------------------------------------------

TEST_CASE("searching from 4 threads while a writer commits batches: consistent results, new studies visible") {
  TempDir dir;
  const std::string db = dir.file("db");
  StudyGenerator generator(test_seed(77), StudyGenerator::default_options());
  build_index(db, generator.generate(200));
  const auto engine = SearchEngine::open(db);
  const auto vocabulary = StudyGenerator::default_options().vocabulary;

  std::atomic<bool> writing{true};
  std::atomic<std::size_t> searches{0};
  std::mutex problems_mutex;
  std::vector<std::string> problems;
  auto problem = [&](std::string text) {
    std::lock_guard lock(problems_mutex);
    problems.push_back(std::move(text));
  };

  auto reader = [&](unsigned thread_seed) {
    std::mt19937 random(thread_seed);
    std::size_t after_writer = 0;
    while (after_writer < 20) {
      if (!writing) ++after_writer;
      SearchRequest r;
      r.text = random() % 4 == 0 ? "" : vocabulary[random() % vocabulary.size()];
      if (random() % 2) r.text += " " + vocabulary[random() % vocabulary.size()];
      r.offset = random() % 20;
      r.limit = 1 + random() % 20;
      if (random() % 3 == 0) r.year_from = 2000;
      try {
        const auto result = engine.search(r);
        std::size_t pem_sum = 0;
        for (const auto& v : result.facets["pem"]) pem_sum += v.count;
        if (pem_sum != result.total)
          problem("total " + std::to_string(result.total) + " != pem facet sum " + std::to_string(pem_sum));
        const std::size_t expected_hits = result.total > r.offset ? std::min(r.limit, result.total - r.offset) : 0;
        if (result.hits.size() != expected_hits)
          problem("query '" + r.text + "': " + std::to_string(result.hits.size()) + " hits, expected " +
                  std::to_string(expected_hits));
        for (std::size_t i = 0; i < result.hits.size(); ++i)
          if (result.hits[i].rank != r.offset + i + 1) problem("rank out of sequence");
        ++searches;
      } catch (const std::exception& e) {
        problem(std::string("exception: ") + e.what());
      }
    }
  };

  std::vector<std::thread> threads;
  for (unsigned t = 0; t < 4; ++t) threads.emplace_back(reader, 1000 + t);
  std::vector<std::size_t> visible_after_commit;
  {
    auto writer = IndexWriter::open(db);
    for (int batch = 0; batch < 15; ++batch) {
      writer.index_studies(sourced(generator.generate(40)));
      SearchRequest all;
      all.limit = 0;
      visible_after_commit.push_back(engine.search(all).total);
    }
  }
  writing = false;
  for (auto& t : threads) t.join();

  INFO(searches.load() << " searches");
  // The diagnostics come before the check that needs them, or a failure shows nothing.
  for (std::size_t i = 0; i < std::min<std::size_t>(problems.size(), 5); ++i) UNSCOPED_INFO(problems[i]);
  CHECK(problems.empty());
  CHECK(searches.load() >= 80);
  for (std::size_t batch = 0; batch < visible_after_commit.size(); ++batch)
    CHECK(visible_after_commit[batch] == 200 + 40 * (batch + 1));
  CHECK(engine.info().documents == 800);
}

// ---- search as you type (prefix_last_word) and the study view's highlighting ----------

namespace {

// "natu" begins natural/nature (one stem), naturopathy (title and summary) and
// naturalistic (relevance only: not in the word list, found among the terms);
// "national" does not begin with it.
const FixtureIndex& prefix_fixture() {
  return named_fixture("prefix", [] {
    auto study = [](std::string id, std::string title, std::string summary, Pem pem, std::optional<int> year,
                    std::string journal) { return with(make_study(std::move(id), std::move(title), std::move(summary)), pem, year, std::move(journal)); };
    std::vector<Study> s{
        study("p1", "Natural killer cells", "Natural killer cell activity was low.", Pem::required, 2019, "Journal A"),
        study("p2", "Nature of the illness", "The nature of the fatigue.", Pem::unclear, 2020, "Journal B"),
        study("p3", "Natural history", "Natural course over years.", Pem::required, std::nullopt, "Journal A"),
        study("p4", "Sleep study", "Sleep was poor.", Pem::not_required, 2018, "Journal C"),
        study("p5", "National survey", "A national survey of killer fatigue.", Pem::required, 2017, "Journal B"),
        study("p6", "Exercise capacity", "Exercise capacity <b>fell</b>.", Pem::unclear, 2016, ""),
        study("p7", "Naturopathy", "Naturopathy remedies were tried.", Pem::not_required, 2021, "Journal C"),
    };
    s[3].relevance = "A naturalistic design.";
    return s;
  });
}

SearchRequest typing(const std::string& text) {
  SearchRequest r;
  r.text = text;
  r.limit = 100;
  r.prefix_last_word = true;
  return r;
}

Ids sorted_ids(const SearchResult& result) {
  Ids ids = ids_of(result);
  std::sort(ids.begin(), ids.end());
  return ids;
}

std::vector<std::string> facet_list(const std::vector<FacetValue>& values) {
  std::vector<std::string> out;
  for (const auto& v : values) out.push_back(v.value + "=" + std::to_string(v.count));
  return out;
}

}  // namespace

TEST_CASE("prefix_last_word: the last word also matches every indexed word it begins") {
  const auto& fx = prefix_fixture();
  CHECK(run(fx.engine, "natu").total == 0);  // without the option an unfinished word finds nothing
  CHECK(sorted_ids(fx.engine.search(typing("natu"))) == Ids{"p1", "p2", "p3", "p4", "p7"});
  CHECK(sorted_ids(fx.engine.search(typing("NATU"))) == Ids{"p1", "p2", "p3", "p4", "p7"});
  CHECK(sorted_ids(fx.engine.search(typing("nat"))) == Ids{"p1", "p2", "p3", "p4", "p5", "p7"});
  // Only the last word: "sleep" is whole, "natu" a prefix.
  CHECK(sorted_ids(fx.engine.search(typing("sleep natu"))) == Ids{"p1", "p2", "p3", "p4", "p7"});
  CHECK(sorted_ids(fx.engine.search(typing("natu sleep"))) == Ids{"p4"});
}

TEST_CASE("prefix_last_word: totals and facets equal those of the OR of the completions") {
  const auto& fx = prefix_fixture();
  for (const auto& pem : {std::vector<std::string>{}, std::vector<std::string>{"required"}}) {
    SearchRequest prefixed = typing("killer natu");
    if (!pem.empty()) prefixed.filters["pem"] = pem;
    SearchRequest spelled = prefixed;
    spelled.prefix_last_word = false;
    spelled.text = "killer natu OR natural OR nature OR naturopathy OR naturalistic";
    const SearchResult a = fx.engine.search(prefixed), b = fx.engine.search(spelled);
    INFO("pem filter: " << pem.size());
    CHECK(a.total == b.total);
    CHECK(a.total == (pem.empty() ? 6u : 3u));  // p5 for "killer"; p1 p3 p5 are PEM required
    CHECK(sorted_ids(a) == sorted_ids(b));
    CHECK(facet_list(a.facets["pem"]) == facet_list(b.facets["pem"]));
    CHECK(facet_list(a.facets["journal"]) == facet_list(b.facets["journal"]));
    CHECK(facet_list(a.facets["year"]) == facet_list(b.facets["year"]));
  }
}

TEST_CASE("prefix_last_word leaves whole words alone: a trailing space, a phrase, a field or an exclusion") {
  const auto& fx = prefix_fixture();
  CHECK(fx.engine.search(typing("natu ")).total == 0);
  CHECK(fx.engine.search(typing("\"natu\"")).total == 0);
  CHECK(fx.engine.search(typing("title:natu")).total == 0);
  CHECK(sorted_ids(fx.engine.search(typing("fatigue -natu"))) == Ids{"p2", "p5"});
  // A word nothing else begins is an ordinary word (did-you-mean may respell it).
  CHECK(fx.engine.search(typing("zzzq")).total == 0);
}

TEST_CASE("prefix_last_word uses at most max_prefix_expansions completions, the most frequent") {
  const auto& fx = prefix_fixture();
  EngineOptions options;
  options.max_prefix_expansions = 1;  // natur (natural, nature: 3 studies) beats naturopathi and naturalist
  const auto engine = SearchEngine::open(fx.path, options);
  CHECK(sorted_ids(engine.search(typing("natu"))) == Ids{"p1", "p2", "p3"});
}

TEST_CASE("prefix_last_word: snippets mark the completed words") {
  const auto& fx = prefix_fixture();
  SearchRequest r = typing("naturo");
  const SearchResult result = fx.engine.search(r);
  REQUIRE(ids_of(result) == Ids{"p7"});
  CHECK(marked_words(result.hits[0].snippet) == std::vector<std::string>{"Naturopathy"});
}

TEST_CASE("highlight() marks the query's words, stems and, while typing, completions of the last word") {
  const auto& fx = prefix_fixture();
  const auto marked = [&](const std::string& text, const std::string& query, bool prefix = false) {
    std::string out;
    const auto spans = fx.engine.highlight(std::vector<std::string_view>{text}, query, prefix);
    for (const auto& span : spans.front()) out += span.matched ? "[" + span.text + "]" : span.text;
    return out;
  };
  const Study p1 = fx.study("p1");
  CHECK(marked(p1.title, "killer cells") == "Natural [killer] [cells]");
  CHECK(marked(p1.summary, "killer cells") == "Natural [killer] [cell] activity was low.");
  CHECK(marked(fx.study("p4").relevance, "natu", true) == "A [naturalistic] design.");
  CHECK(marked(fx.study("p4").relevance, "natu") == "A naturalistic design.");
  // Spans are text, never markup: the caller escapes (the HTTP API does, in app/).
  CHECK(marked(fx.study("p6").summary, "fell") == "Exercise capacity <b>[fell]</b>.");
  CHECK(marked(fx.study("p6").summary, "") == "Exercise capacity <b>fell</b>.");
}
