// Oracle test: a seeded random corpus over a small vocabulary, random requests,
// and a brute-force answer computed from the records alone. Reproduce a
// failure with STUDYSEARCH_TEST_SEED=<seed printed in the failure>.
#include <catch2/catch.hpp>

#include <algorithm>
#include <map>
#include <random>
#include <set>
#include <sstream>
#include <string>
#include <vector>

#include "studysearch/analyzer.hpp"
#include "studysearch/studysearch.hpp"
#include "test_support.hpp"

using namespace studysearch;
using namespace studysearch::test;

namespace {

constexpr std::size_t kStudies = 1500;
constexpr std::size_t kRequests = 400;
constexpr int kFromYear = 1990, kToYear = 2024;

// The brute force: every stem of every text field of a study.
std::set<std::string> stems_of(const Study& s, const Analyzer& analyzer) {
  std::set<std::string> stems;
  auto add = [&](const std::string& text) {
    analyzer.tokenize(text, [&](const Token& t) { stems.insert(analyzer.stem(t.word)); });
  };
  add(s.title);
  add(s.summary);
  add(s.relevance);
  add(s.limitations);
  for (const auto& a : s.authors) add(a);
  add(s.journal);
  return stems;
}

std::string lower(std::string s) {
  for (auto& c : s) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return s;
}
std::string upper(std::string s) {
  for (auto& c : s) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  return s;
}

struct Oracle {
  const std::vector<Study>& studies;
  std::vector<std::set<std::string>> stems;
  Analyzer analyzer;

  explicit Oracle(const std::vector<Study>& s) : studies(s) {
    for (const auto& study : studies) stems.push_back(stems_of(study, analyzer));
  }

  std::vector<std::string> query_stems(const std::vector<std::string>& words) {
    std::vector<std::string> out;
    for (const auto& w : words)
      analyzer.tokenize(w, [&](const Token& t) { out.push_back(analyzer.stem(t.word)); });
    return out;
  }

  // Whether a study passes one keyword filter: one of its values (any of a
  // multi-valued field's) is one of the chosen, ignoring case.
  static bool passes(const Field& field, const Study& s, const SearchRequest& r) {
    const auto chosen = r.filters.find(field.name);
    if (chosen == r.filters.end() || chosen->second.empty()) return true;
    for (const auto& v : field_values(field, s))
      for (const auto& c : chosen->second)
        if (lower(c) == lower(v)) return true;
    return false;
  }

  // The filter groups a study fails: "year" and each keyword filter field's name.
  static std::set<std::string> failures(const Study& s, const SearchRequest& r) {
    std::set<std::string> fail;
    for (const Field* field : keyword_filters())
      if (!passes(*field, s, r)) fail.insert(std::string(field->name));
    if ((r.year_from || r.year_to) &&
        (!s.year || (r.year_from && *s.year < *r.year_from) || (r.year_to && *s.year > *r.year_to)))
      fail.insert("year");
    return fail;
  }
};

struct Expected {
  std::set<std::string> ids;
  std::set<std::string> ids_with_every_word;
  std::map<std::string, std::map<std::string, std::size_t>> facets;  // group -> value -> count
};

Expected brute_force(Oracle& oracle, const SearchRequest& r, const std::vector<std::string>& words) {
  const auto qstems = oracle.query_stems(words);
  Expected e;
  for (const char* p : {"required", "not_required", "unclear"}) e.facets["pem"][p] = 0;
  for (std::size_t i = 0; i < oracle.studies.size(); ++i) {
    const Study& s = oracle.studies[i];
    const auto& have = oracle.stems[i];
    const bool any = qstems.empty() ||
                     std::any_of(qstems.begin(), qstems.end(), [&](const std::string& q) { return have.count(q) > 0; });
    if (!any) continue;
    const auto fail = Oracle::failures(s, r);
    // Counted in a group when it passes every other group.
    auto counts_for = [&](const std::string& group) { return fail.empty() || (fail.size() == 1 && fail.count(group)); };
    if (fail.empty()) {
      e.ids.insert(s.id);
      if (std::all_of(qstems.begin(), qstems.end(), [&](const std::string& q) { return have.count(q) > 0; }))
        e.ids_with_every_word.insert(s.id);
    }
    for (const Field* field : keyword_filters())
      if (counts_for(std::string(field->name)))
        for (const auto& v : field_values(*field, s)) ++e.facets[std::string(field->name)][v];  // once per value
    if (counts_for("year")) ++e.facets["year"][s.year ? std::to_string(*s.year) : "unknown"];
  }
  return e;
}

std::map<std::string, std::size_t> nonzero(const std::vector<FacetValue>& values) {
  std::map<std::string, std::size_t> out;
  for (const auto& v : values)
    if (v.count > 0) out[v.value] = v.count;
  return out;
}

std::string describe(const SearchRequest& r) {
  std::ostringstream out;
  out << "text='" << r.text << "'";
  for (const auto& [name, values] : r.filters) {
    out << " " << name << "=[";
    for (const auto& v : values) out << v << "; ";
    out << "]";
  }
  out << " years=" << (r.year_from ? std::to_string(*r.year_from) : "-") << ".."
      << (r.year_to ? std::to_string(*r.year_to) : "-") << " sort=" << static_cast<int>(r.sort)
      << " offset=" << r.offset << " limit=" << r.limit;
  return out.str();
}

// Checks one request against the brute force: total, facets, the set of ids
// over all pages (`page_size` hits each), the requested page as a slice of
// that list, and the order (sort keys, or all-words tier then scores).
void check_request(const SearchEngine& engine, const SearchRequest& r, std::size_t word_count, const Expected& expected,
                   std::size_t page_size, const std::map<std::string, const Study*>& by_id) {
  const bool has_words = word_count > 0;
  const bool tiers = word_count <= engine.options().all_words_first_max_words;
  // ---- total and facets
  const SearchResult result = engine.search(r);
  CHECK(result.total == expected.ids.size());
  std::map<std::string, std::size_t> pem;  // all three values, zeros included
  for (const auto& v : result.facets["pem"]) pem[v.value] = v.count;
  CHECK(result.facets["pem"].size() == 3);
  CHECK(pem == expected.facets.at("pem"));
  for (const auto& group : result.facets.groups) {
    if (group.name == "pem") continue;
    const auto want = expected.facets.find(group.name);
    CHECK(nonzero(group.values) == (want == expected.facets.end() ? std::map<std::string, std::size_t>{} : want->second));
    const auto chosen = r.filters.find(group.name);
    for (const auto& v : group.values)
      if (v.count == 0)  // only a selected value may be shown with no studies
        CHECK((chosen != r.filters.end() && std::any_of(chosen->second.begin(), chosen->second.end(),
                                                        [&](const std::string& c) { return lower(c) == lower(v.value); })));
  }
  CHECK(result.facets.groups.size() == keyword_filters().size() + 1);  // + year
  // Years ascending, "unknown" last.
  for (std::size_t i = 0; i + 1 < result.facets["year"].size(); ++i) {
    CHECK(result.facets["year"][i].value != "unknown");
    if (result.facets["year"][i + 1].value != "unknown")
      CHECK(std::stoi(result.facets["year"][i].value) < std::stoi(result.facets["year"][i + 1].value));
  }

  // ---- every page, until done
  SearchRequest pages = r;
  pages.offset = 0;
  pages.limit = page_size;
  pages.facets = false;
  pages.snippets = false;
  pages.suggest = false;
  std::vector<std::string> all;
  std::vector<double> scores;
  for (;;) {
    const SearchResult page = engine.search(pages);
    REQUIRE(page.total == expected.ids.size());
    for (std::size_t i = 0; i < page.hits.size(); ++i) {
      CHECK(page.hits[i].rank == pages.offset + i + 1);
      all.push_back(page.hits[i].id);
      scores.push_back(page.hits[i].score);
    }
    pages.offset += pages.limit;
    if (page.hits.empty() || pages.offset >= page.total) break;
  }
  const std::set<std::string> got(all.begin(), all.end());
  CHECK(got.size() == all.size());  // no study twice
  CHECK(got == expected.ids);

  // ---- the requested page is the same slice of the whole list
  std::vector<std::string> slice;
  for (std::size_t i = r.offset; i < std::min(all.size(), r.offset + r.limit); ++i) slice.push_back(all[i]);
  CHECK(ids_of(result) == slice);

  // ---- order
  if (r.sort != Sort::relevance) {
    bool yearless_seen = false;
    std::optional<int> previous;
    for (const auto& id : all) {
      const auto year = by_id.at(id)->year;
      if (!year) {
        yearless_seen = true;
        continue;
      }
      CHECK_FALSE(yearless_seen);
      if (previous) CHECK((r.sort == Sort::newest ? *year <= *previous : *year >= *previous));
      previous = year;
    }
  } else if (has_words) {
    // With all-words-first (queries of at most all_words_first_max_words
    // words) studies with every word come first; scores never increase
    // within each of the two tiers (or, without tiers, over the whole list).
    const std::size_t first_tier = tiers ? expected.ids_with_every_word.size() : 0;
    for (std::size_t i = 0; i < all.size(); ++i) {
      if (tiers) CHECK((i < first_tier) == (expected.ids_with_every_word.count(all[i]) > 0));
      if (i > 0 && i != first_tier) CHECK(scores[i] <= scores[i - 1] + 1e-9);
    }
  }
}

template <typename T>
std::vector<T> pick_some(std::mt19937_64& random, const std::vector<T>& from, std::size_t max) {
  std::vector<T> out;
  const std::size_t n = 1 + random() % max;
  for (std::size_t i = 0; i < n; ++i) out.push_back(from[random() % from.size()]);
  return out;
}

// The seeded random corpus every test here shares (indexed once per run).
const FixtureIndex& oracle_fixture(std::uint64_t seed) {
  return named_fixture("oracle", [&] { return StudyGenerator(seed, StudyGenerator::default_options()).generate(kStudies); });
}

}  // namespace

TEST_CASE("oracle: totals, every facet count, the set of ids and the sort order match a brute force") {
  const std::uint64_t seed = test_seed(0x5eedC0FFEEull);
  CAPTURE(seed);
  const auto options = StudyGenerator::default_options();
  const auto& fx = oracle_fixture(seed);
  REQUIRE(fx.engine.info().documents == kStudies);
  // The tuned defaults, classic BM25 (k1 = 1.2, as `--k1 1.2` gives) and
  // all words first (an option): the promises must hold whatever the ranking
  // knobs are.
  const SearchEngine classic = SearchEngine::open(fx.path, EngineOptions{.bm25_k1 = 1.2, .prf_docs = 0});
  const SearchEngine tiered = SearchEngine::open(fx.path, EngineOptions{.all_words_first_max_words = 5});
  const std::vector<std::pair<const char*, const SearchEngine*>> engines = {
      {"default options", &fx.engine}, {"k1=1.2", &classic}, {"all words first", &tiered}};
  Oracle oracle(fx.studies);
  std::map<std::string, const Study*> by_id;
  for (const auto& s : fx.studies) by_id[s.id] = &s;
  std::map<std::string, std::vector<std::string>> values_in_corpus;  // keyword filter field -> distinct values
  for (const Field* field : keyword_filters()) {
    std::set<std::string> distinct;
    for (const auto& s : fx.studies)
      for (const auto& v : field_values(*field, s)) distinct.insert(v);
    REQUIRE(distinct.size() >= 2);
    values_in_corpus[std::string(field->name)].assign(distinct.begin(), distinct.end());
  }

  std::mt19937_64 random(seed ^ 0x9e3779b97f4a7c15ull);
  std::size_t nonempty = 0, with_filters = 0;
  for (std::size_t n = 0; n < kRequests; ++n) {
    // ---- a random request
    SearchRequest r;
    std::vector<std::string> words;
    if (random() % 5 != 0) {
      const std::size_t count = 1 + random() % 3;
      for (std::size_t i = 0; i < count; ++i) {
        std::string w = options.vocabulary[random() % options.vocabulary.size()];
        if (random() % 4 == 0) w = upper(w);
        words.push_back(w);
        r.text += (r.text.empty() ? "" : " ") + w;
      }
    }
    // Keyword filters: values the corpus has (any case), now and then one it has not.
    for (const Field* field : keyword_filters()) {
      if (random() % 3 != 0) continue;
      auto& chosen = r.filters[std::string(field->name)];
      chosen = pick_some(random, values_in_corpus.at(std::string(field->name)), 3);
      if (field->type != FieldType::enumeration)  // enumeration values are exact (vocabulary)
        for (auto& v : chosen) v = random() % 2 ? lower(v) : upper(v);
      if (field->type != FieldType::enumeration && random() % 6 == 0) chosen.push_back("Nowhere Value");
    }
    if (random() % 3 == 0) r.year_from = kFromYear + static_cast<int>(random() % 36);
    if (random() % 3 == 0) r.year_to = kFromYear + static_cast<int>(random() % 36);
    if (r.year_from && r.year_to && *r.year_from > *r.year_to) std::swap(*r.year_from, *r.year_to);
    r.sort = static_cast<Sort>(random() % 3);
    r.limit = 1 + random() % 60;
    r.offset = random() % 4 == 0 ? 0 : random() % 900;
    r.max_facet_values = 1000;
    r.suggest = random() % 2;
    r.snippets = random() % 4 == 0;
    INFO("request " << n << ": " << describe(r));

    const Expected expected = brute_force(oracle, r, words);
    if (!words.empty()) ++nonempty;
    if (!r.filters.empty() || r.year_from || r.year_to) ++with_filters;
    const std::size_t page_size = 37 + random() % 214;
    for (const auto& [engine_name, engine] : engines) {
      INFO("engine: " << engine_name);
      check_request(*engine, r, words.size(), expected, page_size, by_id);
    }
  }
  CHECK(nonempty > kRequests / 2);
  CHECK(with_filters > kRequests / 3);
}

// ---- match sets: posting-list bitmaps against Xapian's own matcher --------

#include <xapian.h>

#include "match_set.hpp"
#include "query_parser.hpp"
#include "snapshot.hpp"
#include "synonyms.hpp"

namespace {

// The engine's inner parts over one index, as the engine builds them.
struct Internals {
  Xapian::Database db;
  std::shared_ptr<const Snapshot> snapshot;
  Analyzer analyzer;
  Thesaurus thesaurus;
  explicit Internals(const std::string& path)
      : db(path), snapshot(Snapshot::load(db, "", 0)), thesaurus(Thesaurus::parse(Thesaurus::bundled_text(), analyzer)) {}
};

std::set<Xapian::docid> by_matcher(const Xapian::Database& db, const Xapian::Query& q) {
  Xapian::Enquire e(db);
  e.set_query(q);
  e.set_weighting_scheme(Xapian::BoolWeight());
  const Xapian::MSet all = e.get_mset(0, db.get_doccount());
  return std::set<Xapian::docid>(all.begin(), all.end());
}

std::set<Xapian::docid> as_set(const DocSet& docs) {
  std::set<Xapian::docid> out;
  docs.for_each([&](Xapian::docid id) { out.insert(id); });
  return out;
}

}  // namespace

TEST_CASE("match sets built from posting lists equal Xapian's matcher for every query form") {
  const std::uint64_t seed = test_seed(0x5eedC0FFEEull);
  CAPTURE(seed);
  const auto options = StudyGenerator::default_options();
  const Internals in(oracle_fixture(seed).path);
  const auto& [db, snapshot, analyzer, thesaurus] = in;
  // Each form takes words a, b, c; surnames and journals test the field prefixes.
  const std::vector<std::string> forms = {
      "A",           "A B",         "A B C",         "\"A B\"",        "A -B",          "A -\"B C\"",
      "A OR B",      "A OR B -C",   "title:A",       "summary:A B",    "relevance:A",   "limitations:\"A B\"",
      "A year:2000..2010", "pem:required A", "year:..1995", "-A", "author:S A", "journal:J B",
      "A B C A B C A", "title:\"A B\" C"};
  std::mt19937_64 random(seed);
  std::size_t nonempty = 0;
  for (int round = 0; round < 25; ++round) {
    for (const auto& form : forms) {
      std::string text;
      for (char ch : form) {
        const auto& v = options.vocabulary;
        if (ch == 'A' || ch == 'B' || ch == 'C') text += v[random() % v.size()];
        else if (ch == 'S') text += options.surnames[random() % options.surnames.size()];
        else if (ch == 'J') text += "\"" + options.journals[random() % options.journals.size()] + "\"";
        else text += ch;
      }
      INFO("query '" << text << "'");
      const ParsedQuery parsed = parse_query(text, analyzer, thesaurus, ParserOptions{});
      for (const Xapian::Query& q : {parsed.any_words(), parsed.all_words()}) {
        const std::set<Xapian::docid> expected = by_matcher(db, q);
        CHECK(as_set(match_set(db, *snapshot, q)) == expected);
        CHECK(match_set(db, *snapshot, q).size() == expected.size());
        nonempty += !expected.empty();
      }
    }
  }
  CHECK(nonempty > forms.size() * 25);  // most forms match something
}

// ---- ranking from posting lists: the same weights as Xapian's BM25 ------------

#include "ranker.hpp"
#include "term_passes.hpp"

TEST_CASE("the posting-list ranker gives every match Xapian's BM25 weight") {
  const std::uint64_t seed = test_seed(0x5eedC0FFEEull);
  CAPTURE(seed);
  const auto options = StudyGenerator::default_options();
  const Internals in(oracle_fixture(seed).path);
  const auto& [db, snapshot, analyzer, thesaurus] = in;
  std::mt19937_64 random(seed + 1);
  auto word = [&] { return options.vocabulary[random() % options.vocabulary.size()]; };
  RankScratch scratch;
  std::size_t compared = 0;
  for (const Bm25Params params : {Bm25Params{1.2, 0.75, 0.5}, Bm25Params{3.0, 0.75, 0.5}, Bm25Params{0.9, 0.3, 0.0},
                                  Bm25Params{3.0, 0.75, 0.5, 4.0, 0.5}, Bm25Params{1.2, 0.5, 0.5, 2.0},
                                  Bm25Params{1.2, 0.75, 0.5, 0.0, 0.25}}) {
    for (int n = 0; n < 60; ++n) {
      // Plain words (some twice), title: terms, phrases, OR groups and exclusions; and
      // a synonym of 2-4 words at a scaled weight, as thesaurus groups and
      // pseudo-relevance feedback build them.
      std::string text = word();
      for (int i = 0, extra = static_cast<int>(random() % 5); i < extra; ++i) {
        const auto kind = random() % 7;
        text += kind == 0   ? " title:" + word()
                : kind == 1 ? " OR " + word()
                : kind == 2 ? " -" + word()
                : kind == 3 ? " \"" + word() + " " + word() + "\""
                            : " " + word();
      }
      if (n % 7 == 0) text += " " + text;  // every word twice
      std::vector<std::string> synonym_terms;
      for (int i = 0, size = 2 + static_cast<int>(random() % 3); i < size; ++i) synonym_terms.push_back(analyzer.stem(word()));
      const double synonym_factor = 0.25 + static_cast<double>(random() % 8) / 8;
      INFO("query '" << text << "', synonym factor " << synonym_factor << ", k1 " << params.k1 << ", k1 wdf "
                     << params.k1_wdf << ", burstiness " << params.burstiness);

      const ParsedQuery parsed = parse_query(text, analyzer, thesaurus, ParserOptions{});
      REQUIRE(parsed.plan_complete);
      Xapian::Query synonym(Xapian::Query::OP_SYNONYM, synonym_terms.begin(), synonym_terms.end());
      const Xapian::Query ranked(Xapian::Query::OP_AND_MAYBE, parsed.any_words(),
                                 Xapian::Query(Xapian::Query::OP_SCALE_WEIGHT, synonym, synonym_factor));
      Xapian::Enquire e(db);
      e.set_query(ranked);
      e.set_weighting_scheme(Xapian::BM25Weight(params.k1, 0, 1, params.b, params.min_normlen));
      const Xapian::MSet all = e.get_mset(0, db.get_doccount(), db.get_doccount());
      // With a k1 or scale per term, Xapian weighs each term in a pass of its own
      // (term_passes.hpp): the expected weight is the sum of the passes.
      std::map<Xapian::docid, double> per_term;
      if (params.per_term()) {
        std::vector<ScoredLeaf> leaves{ScoredLeaf{synonym_terms, synonym_factor}};
        for (const auto& part : parsed.plan) leaves.insert(leaves.end(), part.leaves.begin(), part.leaves.end());
        for (const auto& leaf : leaves)
          for (const TermPass& pass : leaf_passes(db, params, leaf)) {
            Xapian::Enquire one(db);
            one.set_query(pass.query);
            one.set_weighting_scheme(pass.scheme(params));
            const Xapian::MSet m = one.get_mset(0, db.get_doccount(), db.get_doccount());
            for (auto it = m.begin(); it != m.end(); ++it) per_term[*it] += it.get_weight();
          }
      }

      Ranker ranker(db, *snapshot, params, scratch);
      DocSet matched(db.get_lastdocid());
      for (const auto& part : parsed.plan)
        for (const auto& leaf : part.leaves) matched |= ranker.add(leaf);
      if (!parsed.excluded.empty()) matched.subtract(match_set(db, *snapshot, parsed.excluded));
      ranker.add(ScoredLeaf{synonym_terms, synonym_factor});
      CHECK(matched.size() == all.size());
      for (auto it = all.begin(); it != all.end(); ++it) {
        CHECK(matched.contains(*it));
        const double expected = params.per_term() ? per_term[*it] : it.get_weight();
        CHECK(ranker.score(*it) == Approx(expected).epsilon(1e-12));
        ++compared;
      }
    }
  }
  CHECK(compared > 10000);
  for (double s : scratch.score) REQUIRE(s == 0);  // the ranker leaves its scratch clean
}
