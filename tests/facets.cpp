// Specification of the facets: exact counts over the whole match set,
// disjunctive (each group counted with every filter but its own), values
// ordered and named as documented.
#include <catch2/catch.hpp>

#include <algorithm>
#include <map>
#include <set>
#include <string>
#include <vector>

#include "studysearch/studysearch.hpp"
#include "test_support.hpp"

using namespace studysearch;
using namespace studysearch::test;

namespace {

// Facet values as "value=count" in result order, readable in failure messages.
using Counts = std::vector<std::string>;

Counts counts(const std::vector<FacetValue>& values) {
  Counts out;
  for (const auto& v : values) out.push_back(v.value + "=" + std::to_string(v.count));
  return out;
}

Study fixture_study(std::string id, std::string summary, Pem pem, std::string journal, std::optional<int> year,
                    std::string evidence, std::string design) {
  Study s = make_study(std::move(id), "", std::move(summary));
  s.pem = pem;
  s.journal = std::move(journal);
  s.year = year;
  s.evidence_level = std::move(evidence);
  s.design = std::move(design);
  return s;
}

// Eight studies say "fatigue", one does not. Every expected count in this file
// is worked out by hand from this table.
//   id  pem           journal     year  evidence  design
//   f1  required      Journal A   2015  E1        cohort
//   f2  required      Journal A   2016  E2        RCT
//   f3  not_required  Journal B   2016  E1        cohort
//   f4  not_required  journal-b   2018  -         -        (same journal key as Journal B)
//   f5  unclear       Journal C   -     E3        RCT
//   f6  unclear       -           2020  E2        cohort
//   f7  required      Journal C   -     E0        -
//   f8  unclear       Journal A   2018  E2        -
//   x1  required      Journal A   2016  E1        cohort   (no "fatigue")
const FixtureIndex& hand_fixture() {
  return named_fixture("facets-by-hand", [] {
    return std::vector<Study>{
        fixture_study("f1", "Fatigue one.", Pem::required, "Journal A", 2015, "E1", "cohort"),
        fixture_study("f2", "Fatigue two.", Pem::required, "Journal A", 2016, "E2", "RCT"),
        fixture_study("f3", "Fatigue three.", Pem::not_required, "Journal B", 2016, "E1", "cohort"),
        fixture_study("f4", "Fatigue four.", Pem::not_required, "journal-b", 2018, "", ""),
        fixture_study("f5", "Fatigue five.", Pem::unclear, "Journal C", std::nullopt, "E3", "RCT"),
        fixture_study("f6", "Fatigue six.", Pem::unclear, "", 2020, "E2", "cohort"),
        fixture_study("f7", "Fatigue seven.", Pem::required, "Journal C", std::nullopt, "E0", ""),
        fixture_study("f8", "Fatigue eight.", Pem::unclear, "Journal A", 2018, "E2", ""),
        fixture_study("x1", "Unrelated sleep.", Pem::required, "Journal A", 2016, "E1", "cohort"),
    };
  });
}

SearchRequest fatigue() {
  SearchRequest r;
  r.text = "fatigue";
  r.limit = 20;
  return r;
}

}  // namespace

TEST_CASE("without filters every group counts the whole match set") {
  const auto result = hand_fixture().engine.search(fatigue());
  CHECK(result.total == 8);
  CHECK(counts(result.facets["pem"]) == Counts{"required=3", "not_required=2", "unclear=3"});
  CHECK(counts(result.facets["journal"]) == Counts{"Journal A=3", "Journal B=2", "Journal C=2"});
  CHECK(counts(result.facets["year"]) == Counts{"2015=1", "2016=2", "2018=2", "2020=1", "unknown=2"});
  CHECK(counts(result.facets["evidence_level"]) == Counts{"E0=1", "E1=2", "E2=3", "E3=1"});
  CHECK(counts(result.facets["design"]) == Counts{"cohort=3", "RCT=2"});
}

TEST_CASE("ticking pem=required keeps the counts of not_required and unclear") {
  SearchRequest r = fatigue();
  r.filters["pem"] = {"required"};
  const auto result = hand_fixture().engine.search(r);
  CHECK(result.total == 3);
  CHECK(counts(result.facets["pem"]) == Counts{"required=3", "not_required=2", "unclear=3"});
  // The other groups count only the studies that pass the pem filter.
  CHECK(counts(result.facets["journal"]) == Counts{"Journal A=2", "Journal C=1"});
  CHECK(counts(result.facets["year"]) == Counts{"2015=1", "2016=1", "unknown=1"});
  CHECK(counts(result.facets["evidence_level"]) == Counts{"E0=1", "E1=1", "E2=1"});
  Counts design = counts(result.facets["design"]);  // a tie; its order is not the point here
  std::sort(design.begin(), design.end());
  CHECK(design == Counts{"RCT=1", "cohort=1"});
}

TEST_CASE("pem values within the group combine with OR") {
  SearchRequest r = fatigue();
  r.filters["pem"] = {"required", "unclear"};
  const auto result = hand_fixture().engine.search(r);
  CHECK(result.total == 6);
  CHECK(counts(result.facets["pem"]) == Counts{"required=3", "not_required=2", "unclear=3"});
}

TEST_CASE("journal values combine with OR and match ignoring case, spaces and punctuation") {
  SearchRequest r = fatigue();
  r.filters["journal"] = {"JOURNAL-A", "journal b"};
  const auto result = hand_fixture().engine.search(r);
  CHECK(result.total == 5);  // f1 f2 f8 f3 f4
  // The journal group ignores its own filter; the display form is the first one indexed.
  CHECK(counts(result.facets["journal"]) == Counts{"Journal A=3", "Journal B=2", "Journal C=2"});
  CHECK(counts(result.facets["pem"]) == Counts{"required=2", "not_required=2", "unclear=1"});
  std::set<std::string> ids;
  for (const auto& h : result.hits) ids.insert(h.id);
  CHECK(ids == std::set<std::string>{"f1", "f2", "f3", "f4", "f8"});
}

TEST_CASE("with a journal and a pem filter each group is counted with the other filter only") {
  SearchRequest r = fatigue();
  r.filters["journal"] = {"Journal A"};
  r.filters["pem"] = {"required"};
  const auto result = hand_fixture().engine.search(r);
  CHECK(result.total == 2);
  CHECK(counts(result.facets["pem"]) == Counts{"required=2", "not_required=0", "unclear=1"});
  CHECK(counts(result.facets["journal"]) == Counts{"Journal A=2", "Journal C=1"});
  CHECK(counts(result.facets["year"]) == Counts{"2015=1", "2016=1"});
}

TEST_CASE("a year range drops yearless studies from the total and from the other groups") {
  SearchRequest r = fatigue();
  r.year_from = 2016;
  r.year_to = 2018;
  const auto result = hand_fixture().engine.search(r);
  CHECK(result.total == 4);  // f2 f3 f4 f8
  CHECK(counts(result.facets["pem"]) == Counts{"required=1", "not_required=2", "unclear=1"});
  CHECK(counts(result.facets["journal"]) == Counts{"Journal A=2", "Journal B=2"});
  // The year group ignores its own filter (README: "each group is counted with
  // every filter applied except its own"), so it still shows every year.
  CHECK(counts(result.facets["year"]) == Counts{"2015=1", "2016=2", "2018=2", "2020=1", "unknown=2"});
}

TEST_CASE("yearless studies are counted under unknown and in the other groups when there is no year filter") {
  SearchRequest r = fatigue();
  r.filters["pem"] = {"required"};
  const auto result = hand_fixture().engine.search(r);
  // f7 is yearless: it is in the total and under "unknown".
  CHECK(result.total == 3);
  CHECK(counts(result.facets["year"]).back() == "unknown=1");
  SearchRequest from = fatigue();
  from.year_from = 2018;
  const auto later = hand_fixture().engine.search(from);
  CHECK(later.total == 3);  // f4 f6 f8; f5 and f7 have no year
  CHECK(counts(later.facets["pem"]) == Counts{"required=0", "not_required=1", "unclear=2"});
}

TEST_CASE("evidence and design filters are groups of their own") {
  SearchRequest r = fatigue();
  r.filters["evidence_level"] = {"E2"};
  auto result = hand_fixture().engine.search(r);
  CHECK(result.total == 3);  // f2 f6 f8
  CHECK(counts(result.facets["evidence_level"]) == Counts{"E0=1", "E1=2", "E2=3", "E3=1"});
  CHECK(counts(result.facets["pem"]) == Counts{"required=1", "not_required=0", "unclear=2"});

  r = fatigue();
  r.filters["design"] = {"rct"};
  result = hand_fixture().engine.search(r);
  CHECK(result.total == 2);  // f2 f5
  CHECK(counts(result.facets["design"]) == Counts{"cohort=3", "RCT=2"});
  CHECK(counts(result.facets["year"]) == Counts{"2016=1", "unknown=1"});
}

TEST_CASE("browsing without words counts every study") {
  SearchRequest r;
  r.filters["pem"] = {"required"};
  const auto result = hand_fixture().engine.search(r);
  CHECK(result.total == 4);  // f1 f2 f7 x1
  CHECK(counts(result.facets["pem"]) == Counts{"required=4", "not_required=2", "unclear=3"});
  CHECK(counts(result.facets["journal"]) == Counts{"Journal A=3", "Journal C=1"});
}

TEST_CASE("top-N journals are ordered by count, ties by name; a selected journal stays visible") {
  SearchRequest r = fatigue();
  r.max_facet_values = 2;
  CHECK(counts(hand_fixture().engine.search(r).facets["journal"]) == Counts{"Journal A=3", "Journal B=2"});
  r.max_facet_values = 1;
  r.filters["journal"] = {"journal c"};
  CHECK(counts(hand_fixture().engine.search(r).facets["journal"]) == Counts{"Journal A=3", "Journal C=2"});
  r.filters["journal"] = {"Nope Journal"};
  const auto none = hand_fixture().engine.search(r);
  CHECK(none.total == 0);
  CHECK(counts(none.facets["journal"]) == Counts{"Journal A=3", "Nope Journal=0"});
}

TEST_CASE("journal ties are broken by name across many journals") {
  const auto& fx = named_fixture("journal-ties", [] {
    std::vector<Study> s;
    const std::vector<std::pair<std::string, int>> journals = {
        {"Zeta Letters", 2}, {"Alpha Reports", 2}, {"Mu Review", 2}, {"Beta Journal", 3}, {"Gamma Science", 1}};
    int n = 0;
    for (const auto& [journal, count] : journals)
      for (int i = 0; i < count; ++i) {
        Study study = make_study("j" + std::to_string(++n), "", "Sleep study.");
        study.journal = journal;
        s.push_back(study);
      }
    return s;
  });
  SearchRequest r;
  r.max_facet_values = 4;
  CHECK(counts(fx.engine.search(r).facets["journal"]) ==
        Counts{"Beta Journal=3", "Alpha Reports=2", "Mu Review=2", "Zeta Letters=2"});
}

TEST_CASE("facets can be switched off; the total stays exact") {
  SearchRequest r = fatigue();
  r.facets = false;
  r.filters["pem"] = {"unclear"};
  const auto result = hand_fixture().engine.search(r);
  CHECK(result.total == 3);
  CHECK(result.facets["pem"].empty());
  CHECK(result.facets["journal"].empty());
  CHECK(result.facets["year"].empty());
}

TEST_CASE("counts are exact, not estimates, over a match set of thousands") {
  constexpr std::size_t kStudies = 3000;
  const auto& fx = named_fixture("facets-3000", [] {
    std::vector<Study> s;
    for (std::size_t i = 0; i < kStudies; ++i) {
      Study study = make_study("n" + std::to_string(i), "", i % 7 == 0 ? "Sleep only." : "Fatigue and sleep.");
      study.pem = static_cast<Pem>(i % 3);
      if (i % 11 != 0) study.year = 1990 + static_cast<int>(i % 30);
      study.journal = "Journal " + std::to_string(i % 13);
      if (i % 5 != 0) study.evidence_level = "E" + std::to_string(i % 4);
      s.push_back(study);
    }
    return s;
  });
  for (bool with_text : {true, false}) {
    for (int filter = 0; filter < 3; ++filter) {
      SearchRequest r;
      r.text = with_text ? "fatigue" : "";
      r.max_facet_values = 100;
      if (filter == 1) r.filters["pem"] = {"not_required"};
      if (filter == 2) r.year_from = 2000, r.filters["journal"] = {"journal 3", "journal 4"};
      // The expected counts, straight from the records.
      std::size_t total = 0;
      std::map<std::string, std::size_t> pem, journal, year;
      for (const auto& s : fx.studies) {
        if (with_text && s.summary.find("Fatigue") == std::string::npos) continue;
        const bool pem_ok = !r.filters.count("pem") || to_string(s.pem) == r.filters.at("pem")[0];
        const bool year_ok = !r.year_from || (s.year && *s.year >= *r.year_from);
        const bool journal_ok = !r.filters.count("journal") || s.journal == "Journal 3" || s.journal == "Journal 4";
        if (pem_ok && year_ok && journal_ok) ++total;
        if (year_ok && journal_ok) ++pem[std::string(to_string(s.pem))];
        if (pem_ok && year_ok) ++journal[s.journal];
        if (pem_ok && journal_ok) ++year[s.year ? std::to_string(*s.year) : "unknown"];
      }
      const auto result = fx.engine.search(r);
      INFO("text " << with_text << ", filter " << filter);
      CHECK(result.total == total);
      std::map<std::string, std::size_t> got_pem, got_journal, got_year;
      for (const auto& v : result.facets["pem"]) if (v.count) got_pem[v.value] = v.count;
      for (const auto& v : result.facets["journal"]) got_journal[v.value] = v.count;
      for (const auto& v : result.facets["year"]) got_year[v.value] = v.count;
      CHECK(got_pem == pem);
      CHECK(got_journal == journal);
      CHECK(got_year == year);
    }
  }
}

TEST_CASE("year_unknown alone keeps only yearless studies; with a range it adds them to the range") {
  SearchRequest r = fatigue();
  r.year_unknown = true;
  auto result = hand_fixture().engine.search(r);
  CHECK(result.total == 2);  // f5 f7
  CHECK(counts(result.facets["pem"]) == Counts{"required=1", "not_required=0", "unclear=1"});
  // The year group still ignores its own filter.
  CHECK(counts(result.facets["year"]) == Counts{"2015=1", "2016=2", "2018=2", "2020=1", "unknown=2"});
  r.year_from = 2018;
  r.year_to = 2020;
  result = hand_fixture().engine.search(r);
  CHECK(result.total == 5);  // f4 f6 f8, f5 f7
  CHECK(counts(result.facets["journal"]) == Counts{"Journal C=2", "Journal A=1", "Journal B=1"});
  // The same filter through Xapian's matcher (a phrase forces that path).
  r.text = "\"fatigue\" OR \"unrelated sleep\"";
  CHECK(hand_fixture().engine.search(r).total == 5);
}

TEST_CASE("facet_values: a group's values by text, with the search's exact disjunctive counts, uncut") {
  const auto& engine = hand_fixture().engine;
  SearchRequest r = fatigue();
  r.filters["pem"] = {"required", "unclear"};
  r.filters["journal"] = {"Journal A"};
  r.max_facet_values = 1;
  // Every journal value (no top-1 cut); the journal filter is the group's own, pem applies.
  FacetValueList all = engine.facet_values(r, "journal", "", 100);
  CHECK(counts(all.values) == Counts{"Journal A=3", "Journal C=2"});
  CHECK(all.matched == 2);
  // Words of the text begin words of the value, case and accents ignored.
  CHECK(counts(engine.facet_values(r, "journal", "c", 100).values) == Counts{"Journal C=2"});
  CHECK(counts(engine.facet_values(r, "journal", "JOUR  a", 100).values) == Counts{"Journal A=3"});
  CHECK(engine.facet_values(r, "journal", "ournal", 100).values.empty());
  // k cuts the list; matched says how many there were.
  const FacetValueList one = engine.facet_values(r, "journal", "journal", 1);
  CHECK(counts(one.values) == Counts{"Journal A=3"});
  CHECK(one.matched == 2);
  // Other groups: the same counts as the search's facets, ordered by count.
  const SearchResult searched = engine.search(r);
  CHECK(counts(engine.facet_values(r, "pem", "", 10).values) == Counts{"required=2", "unclear=1"});
  CHECK(counts(searched.facets["pem"]) == Counts{"required=2", "not_required=0", "unclear=1"});
  CHECK(counts(engine.facet_values(r, "design", "coh", 10).values) == Counts{"cohort=1"});
  CHECK(counts(engine.facet_values(r, "year", "20", 10).values) == Counts{"2015=1", "2016=1", "2018=1"});
  CHECK(counts(engine.facet_values(r, "evidence_level", "", 10).values) == Counts{"E2=2", "E1=1"});
}

TEST_CASE("facet_values of an unknown group is invalid_query") {
  try {
    hand_fixture().engine.facet_values(fatigue(), "colour", "", 10);
    FAIL("no error");
  } catch (const Error& e) {
    CHECK(e.kind() == ErrorKind::invalid_query);
    CHECK(std::string(e.what()).find("colour") != std::string::npos);
  }
}

// ---- multi-valued fields: criteria ------------------------------------------

namespace {

// A study with several case definitions counts once under each.
//   id  pem           criteria              text
//   m1  required      CCC 2003, ICC 2011    fatigue
//   m2  not_required  CCC 2003              fatigue
//   m3  unclear       Fukuda 1994           fatigue
//   m4  required      -                     fatigue
//   m5  required      ICC 2011, IOM 2015    fatigue
//   n1  required      CCC 2003              (no "fatigue")
const FixtureIndex& criteria_fixture() {
  return named_fixture("facets-criteria", [] {
    auto study = [](std::string id, std::string summary, Pem pem, std::vector<std::string> criteria) {
      Study s = make_study(std::move(id), "", std::move(summary));
      s.pem = pem;
      s.criteria = std::move(criteria);
      return s;
    };
    return std::vector<Study>{study("m1", "Fatigue one.", Pem::required, {"CCC 2003", "ICC 2011"}),
                              study("m2", "Fatigue two.", Pem::not_required, {"CCC 2003"}),
                              study("m3", "Fatigue three.", Pem::unclear, {"Fukuda 1994"}),
                              study("m4", "Fatigue four.", Pem::required, {}),
                              study("m5", "Fatigue five.", Pem::required, {"ICC 2011", "IOM 2015"}),
                              study("n1", "Something else.", Pem::required, {"CCC 2003"})};
  });
}

}  // namespace

TEST_CASE("criteria: a study with two case definitions counts once under each, by count then name") {
  const auto& fx = criteria_fixture();
  SearchRequest r;
  r.text = "fatigue";
  const auto result = fx.engine.search(r);
  CHECK(result.total == 5);
  CHECK(counts(result.facets["criteria"]) == Counts{"CCC 2003=2", "ICC 2011=2", "Fukuda 1994=1", "IOM 2015=1"});
  for (const auto& v : result.facets["criteria"]) CHECK(v.key == value_key(v.value));
}

TEST_CASE("criteria: values OR within the group, the group's own facet ignores its filter") {
  const auto& fx = criteria_fixture();
  SearchRequest r;
  r.text = "fatigue";
  r.filters["criteria"] = {"ICC 2011"};
  auto result = fx.engine.search(r);
  CHECK(ids_of(result) == std::vector<std::string>{"m1", "m5"});
  CHECK(counts(result.facets["criteria"]) == Counts{"CCC 2003=2", "ICC 2011=2", "Fukuda 1994=1", "IOM 2015=1"});
  CHECK(counts(result.facets["pem"]) == Counts{"required=2", "not_required=0", "unclear=0"});

  r.filters["criteria"] = {"ICC 2011", "Fukuda 1994"};
  result = fx.engine.search(r);
  CHECK(result.total == 3);  // m1, m3, m5: m1 matches once although it has ICC 2011 only once and CCC too
}

TEST_CASE("criteria with pem: each group counted with the other group's filter only") {
  const auto& fx = criteria_fixture();
  SearchRequest r;
  r.text = "fatigue";
  r.filters["criteria"] = {"CCC 2003"};
  r.filters["pem"] = {"required"};
  const auto result = fx.engine.search(r);
  CHECK(ids_of(result) == std::vector<std::string>{"m1"});
  // pem required and "fatigue": m1, m4, m5.
  CHECK(counts(result.facets["criteria"]) == Counts{"ICC 2011=2", "CCC 2003=1", "IOM 2015=1"});
  // criteria CCC 2003 and "fatigue": m1, m2.
  CHECK(counts(result.facets["pem"]) == Counts{"required=1", "not_required=1", "unclear=0"});
  // Browsing (no text) counts n1 too.
  SearchRequest browse;
  browse.filters["criteria"] = {"CCC 2003"};
  CHECK(fx.engine.search(browse).total == 3);
}

TEST_CASE("criteria: a value outside the vocabulary is invalid_query naming it") {
  const auto& fx = criteria_fixture();
  SearchRequest r;
  r.filters["criteria"] = {"Canadian"};
  try {
    fx.engine.search(r);
    FAIL("no error");
  } catch (const Error& e) {
    CHECK(e.kind() == ErrorKind::invalid_query);
    CHECK_THAT(std::string(e.what()), Catch::Contains("'criteria'") && Catch::Contains("CCC 2003") &&
                                          Catch::Contains("'Canadian'"));
  }
}

TEST_CASE("selected marks the values a group's own filter chooses, matched by key, whatever the spelling") {
  const auto& fx = hand_fixture();
  SearchRequest r;
  r.text = "fatigue";
  r.filters["journal"] = {"JOURNAL-A", "Nope Journal"};
  r.filters["pem"] = {"unclear"};
  const auto result = fx.engine.search(r);
  std::map<std::string, bool> journal, pem;
  for (const auto& v : result.facets["journal"]) journal[v.value] = v.selected;
  for (const auto& v : result.facets["pem"]) pem[v.value] = v.selected;
  CHECK(journal.at("Journal A"));        // "JOURNAL-A" has the key of "Journal A"
  CHECK(journal.at("Nope Journal"));     // chosen, no study: listed with count 0, selected
  CHECK_FALSE(journal.at("Journal C"));
  CHECK(pem == std::map<std::string, bool>{{"required", false}, {"not_required", false}, {"unclear", true}});
  for (const auto& v : result.facets["year"]) CHECK_FALSE(v.selected);
}
