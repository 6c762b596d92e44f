// Abbreviations a study defines for itself (indexer/src/abbreviations.*):
// Schwartz & Hearst's definitions, and what the index counts for them.
#include <catch2/catch.hpp>
#include <xapian.h>

#include <algorithm>
#include <random>
#include <string>
#include <vector>

#include "abbreviations.hpp"
#include "studysearch/studysearch.hpp"
#include "test_support.hpp"

using namespace studysearch;
using namespace studysearch::test;

namespace {

constexpr auto npos = std::string_view::npos;

std::vector<std::string> stems(const Analyzer& analyzer, std::vector<std::string> words) {
  for (auto& w : words) w = analyzer.stem(w);
  return words;
}

SearchRequest request(std::string text) {
  SearchRequest r;
  r.text = std::move(text);
  r.snippets = false;
  r.suggest = false;
  return r;
}

Xapian::termcount wdf_of(const std::string& db, const std::string& id, const std::string& term) {
  Xapian::Database x(db);
  const Xapian::docid doc = *x.postlist_begin("Q" + id);
  auto t = x.termlist_begin(doc);
  t.skip_to(term);
  return t != x.termlist_end(doc) && *t == term ? t.get_wdf() : 0;
}

}  // namespace

TEST_CASE("abbreviations: the short form's letters in order in the words before it, the first starting a word") {
  CHECK(long_form_start("PDS", "the compound pyridostatin") == 13);
  CHECK(long_form_start("DSBs", "double-strand breaks") == 0);
  CHECK(long_form_start("TNF", "levels of tumour necrosis factor") == 10);
  CHECK(long_form_start("HbA1c", "glycated haemoglobin A1c") == 9);
  // The first letter must begin a word: "car" has an 'a', but not at its start.
  CHECK(long_form_start("AR", "the car") == npos);
  CHECK(long_form_start("XYZ", "the treated cells") == npos);
  // Not shaped like an abbreviation: too short, too long, mostly small letters,
  // not starting with a letter, punctuation inside.
  CHECK(long_form_start("P", "the probability") == npos);
  CHECK(long_form_start("ABCDEFGHIJK", "a b c d e f g h i j k") == npos);
  CHECK(long_form_start("Table", "the treated animals belonged to lab E") == npos);
  CHECK(long_form_start("see", "some extra experiments") == npos);
  CHECK(long_form_start("12A", "twelve A") == npos);
  CHECK(long_form_start("n=12", "number") == npos);
}

TEST_CASE("abbreviations: definitions found in a text, each short form once") {
  const Analyzer analyzer;
  const std::string text =
      "Treatment with pyridostatin (PDS) caused double-strand breaks (DSBs). PDS and a second dose of "
      "pyridostatin (PDS) raised DSB counts (see Figure 2) in cells (CD4) with p values (P < 0.05).";
  const auto found = find_abbreviations(text, analyzer);
  REQUIRE(found.size() == 2);
  CHECK(found[0].short_form == "PDS");
  CHECK(found[0].long_stems == stems(analyzer, {"pyridostatin"}));
  CHECK(found[0].defined_at == text.find("PDS"));
  CHECK(found[1].short_form == "DSBs");
  CHECK(found[1].long_stems == stems(analyzer, {"double", "strand", "breaks"}));
  // A long form does not reach across the end of a sentence: without the
  // full stop "Low vision" would spell L-V-R.
  CHECK(find_abbreviations("Low vision. Rate (LVR) was high.", analyzer).empty());
  CHECK(find_abbreviations("Low vision rate (LVR) was high.", analyzer).size() == 1);
  // A short form that is one of its own long-form words defines nothing.
  CHECK(find_abbreviations("We used the MAPK kinase (MAPK) assay.", analyzer).empty());
  CHECK(find_abbreviations("", analyzer).empty());
  CHECK(find_abbreviations("(PDS)", analyzer).empty());
}

TEST_CASE("abbreviations: later short forms stand for the long form, as written, in any text of the study") {
  const Analyzer analyzer;
  const std::string summary = "Ankylosing spondylitis (AS) is common; AS, as we saw, and the ASs of others.";
  const std::string title = "AS in adults";
  const AbbreviationTable table({&title, &summary}, analyzer);
  const auto long_form = stems(analyzer, {"ankylosing", "spondylitis"});
  const std::size_t defined = summary.find("AS");
  CHECK(table.expansion(summary, "AS", defined) == nullptr);  // the definition itself
  REQUIRE(table.expansion(summary, "AS", summary.find("AS,")) != nullptr);
  CHECK(*table.expansion(summary, "AS", summary.find("AS,")) == long_form);
  CHECK(table.expansion(title, "AS", 0) != nullptr);
  CHECK(table.expansion(summary, "ASs", summary.find("ASs")) != nullptr);  // plural
  CHECK(table.expansion(summary, "as", summary.find("as ")) == nullptr);   // case matters
  CHECK(table.expansion(summary, "A", 0) == nullptr);                      // "A" is not "AS" minus a plural s
}

TEST_CASE("abbreviations: a study that uses the short form counts as mentioning the long form, and matching is unchanged") {
  const std::vector<Study> studies = {
      make_study("defines", "Growth of cancer cells",
                 "Treatment with pyridostatin (PDS) was tested. PDS slowed growth, PDS raised damage, "
                 "PDS was toxic, PDS stayed in the cells and PDS was cleared late."),
      make_study("spells-out", "Growth of cancer cells",
                 "Treatment with pyridostatin was tested. Pyridostatin slowed growth, raised damage, was toxic, "
                 "stayed in the cells and was cleared late."),
      make_study("other-pds", "Unrelated", "The PDS score of patients was recorded in the clinic.")};
  TempDir dir;
  const std::string on = dir.file("on"), off = dir.file("off");
  build_index(on, studies);
  build_index(off, studies, IndexSettings{.abbreviation_weight = 0});
  const Analyzer analyzer;
  const std::string term = analyzer.stem("pyridostatin");
  // Summary words have wdf 2; each later "PDS" adds abbreviation_weight (1).
  CHECK(wdf_of(on, "defines", term) == 2 + 5);
  CHECK(wdf_of(off, "defines", term) == 2);
  CHECK(wdf_of(on, "spells-out", term) == 4);
  CHECK(wdf_of(on, "other-pds", term) == 0);  // no definition in that study
  CHECK(IndexWriter::open(off).settings().abbreviation_weight == 0);
  CHECK(IndexWriter::open(on).settings().abbreviation_weight == 1);

  const SearchEngine with = SearchEngine::open(on), without = SearchEngine::open(off);
  const SearchResult a = with.search(request("pyridostatin")), b = without.search(request("pyridostatin"));
  CHECK(ids_of(a) == std::vector<std::string>{"defines", "spells-out"});
  CHECK(ids_of(b) == std::vector<std::string>{"spells-out", "defines"});
  CHECK(a.total == 2);
  CHECK(b.total == 2);
  CHECK(with.search(request("pds")).total == 2);
  // The long form has no positions at the short form: phrases match what is written.
  CHECK(ids_of(with.search(request("\"pyridostatin slowed\""))) == std::vector<std::string>{"spells-out"});
}

TEST_CASE("abbreviations: any text, valid UTF-8 or not, gives well-formed definitions") {
  // Random texts over an alphabet made to form and break definitions: capitals,
  // small letters, digits, parentheses, clause punctuation, a Greek letter and
  // stray bytes. Run under the sanitizers by scripts/test.sh.
  const std::vector<std::string> pieces = {"A", "B", "C", "D", "s", "a", "b", "c", "e", "1", "(", ")", " ", " ",
                                           " ", "-", ".", ";", "'", "\xce\xb1", "\xff", "\xc3", "AB", "(AB)"};
  std::mt19937 rng(20261130);
  const Analyzer analyzer;
  std::size_t definitions = 0;
  for (int round = 0; round < 3000; ++round) {
    std::string text;
    const std::size_t n = rng() % 60;
    for (std::size_t i = 0; i < n; ++i) text += pieces[rng() % pieces.size()];
    for (const auto& a : find_abbreviations(text, analyzer)) {
      INFO(text);
      ++definitions;
      REQUIRE(a.defined_at > 0);
      REQUIRE(a.defined_at + a.short_form.size() < text.size());
      CHECK(text[a.defined_at - 1] == '(');
      CHECK(text.compare(a.defined_at, a.short_form.size(), a.short_form) == 0);
      CHECK(text[a.defined_at + a.short_form.size()] == ')');
      CHECK_FALSE(a.long_stems.empty());
      CHECK(a.long_stems.size() <= a.short_form.size() * 2);
    }
    const AbbreviationTable table({&text}, analyzer);
    CHECK(table.expansion(text, "", 0) == nullptr);
  }
  CHECK(definitions > 0);  // the alphabet does form definitions ("ab (AB)")
}

TEST_CASE("abbreviations: every query matches the same studies with them and without") {
  // Studies that define, use and only mention short forms; queries of every
  // word, pairs of words and the long forms as phrases.
  const std::vector<std::string> sentences = {
      "Treatment with pyridostatin (PDS) was tested.", "PDS slowed growth.", "DSBs rose after PDS.",
      "Double-strand breaks (DSBs) were counted.", "Chronic fatigue syndrome (CFS) was studied.",
      "CFS patients rested.", "Post-exertional malaise (PEM) followed exercise.", "PEM lasted days.",
      "The PDS score was recorded.", "Natural killer (NK) cells were fewer.", "NK function fell."};
  std::mt19937 rng(7);
  std::vector<Study> studies;
  for (int i = 0; i < 40; ++i) {
    std::string summary;
    for (int k = 0; k < 4; ++k) summary += sentences[rng() % sentences.size()] + " ";
    studies.push_back(make_study("s" + std::to_string(i), sentences[rng() % sentences.size()], summary));
  }
  TempDir dir;
  build_index(dir.file("on"), studies);
  build_index(dir.file("off"), studies, IndexSettings{.abbreviation_weight = 0});
  const SearchEngine with = SearchEngine::open(dir.file("on")), without = SearchEngine::open(dir.file("off"));
  std::vector<std::string> queries = {"\"pyridostatin was\"", "\"double-strand breaks\"", "\"natural killer\"",
                                      "\"post-exertional malaise\"", "pyridostatin dsbs", "fatigue OR nk"};
  for (const char* word : {"pyridostatin", "pds", "dsbs", "dsb", "double", "strand", "breaks", "chronic", "fatigue",
                           "syndrome", "cfs", "post", "exertional", "malaise", "pem", "natural", "killer", "nk",
                           "cells", "score", "growth"})
    queries.push_back(word);
  for (const auto& text : queries) {
    INFO(text);
    SearchRequest r = request(text);
    r.limit = 100;
    const SearchResult a = with.search(r), b = without.search(r);
    CHECK(a.total == b.total);
    std::vector<std::string> ids_a = ids_of(a), ids_b = ids_of(b);
    std::sort(ids_a.begin(), ids_a.end());
    std::sort(ids_b.begin(), ids_b.end());
    CHECK(ids_a == ids_b);
  }
  CHECK(with.search(request("pyridostatin")).total > 0);
}
