// Ranking knobs of issue 13 (bench/RANKING.md): the stopword list for question
// and claim phrasing, proximity of consecutive query words, and feedback
// terms shared by every feedback study. Each only reorders: totals, facets
// and pages stay those of the words typed.
#include <catch2/catch.hpp>

#include <algorithm>
#include <cmath>
#include <map>
#include <string>
#include <vector>

#include "studysearch/studysearch.hpp"
#include "test_support.hpp"

using namespace studysearch;
using namespace studysearch::test;

namespace {

SearchRequest request(std::string text, std::size_t offset = 0, std::size_t limit = 10) {
  SearchRequest r;
  r.text = std::move(text);
  r.offset = offset;
  r.limit = limit;
  r.snippets = false;
  r.suggest = false;
  return r;
}

std::vector<double> scores_of(const SearchResult& result) {
  std::vector<double> out;
  for (const auto& h : result.hits) out.push_back(h.score);
  return out;
}

}  // namespace

TEST_CASE("question and claim words are dropped like other stopwords") {
  TempDir dir;
  build_index(dir.path(), {make_study("a", "Fatigue after exercise", "Fatigue was worse after exercise."),
                           make_study("b", "Sleep", "Why sleep is unrefreshing, and when it improves."),
                           make_study("c", "Exercise", "Exercise between sessions, during the day.")});
  const SearchEngine engine = SearchEngine::open(dir.path());
  // "why", "when", "should", "between", "during" carry no topic: the
  // question finds and orders what its content words do.
  const SearchResult plain = engine.search(request("fatigue exercise"));
  for (const char* text : {"why does fatigue follow exercise", "should fatigue come between exercise",
                           "when is fatigue during exercise"}) {
    INFO(text);
    const SearchResult asked = engine.search(request(text));
    REQUIRE(!asked.hits.empty());
    CHECK(asked.hits.front().id == "a");
  }
  CHECK(engine.search(request("when is fatigue during exercise")).total == plain.total);
  CHECK(ids_of(engine.search(request("when is fatigue during exercise"))) == ids_of(plain));
  // The question words alone are still searched (a query of nothing but stopwords).
  CHECK(engine.search(request("why")).total == 1);
  // Without stopword removal they match.
  EngineOptions keep;
  keep.stopwords = false;
  CHECK(SearchEngine::open(dir.path(), keep).search(request("fatigue between")).total == 2);
  CHECK(engine.search(request("fatigue between")).total == 1);
}

TEST_CASE("proximity ranks consecutive query words found together first, and only reorders") {
  TempDir dir;
  // The same words, as often, in studies of the same length: only their order differs.
  build_index(dir.path(), {make_study("apart", "Report", "pain reported by patients with sore muscle"),
                           make_study("together", "Report", "muscle pain reported by patients with sore"),
                           make_study("reversed", "Report", "pain muscle reported by patients with sore"),
                           make_study("other", "Report", "headache reported by patients with sore eyes")});
  // Proximity is for queries of proximity_min_words words or more: lower
  // that limit so that a two-word query shows it.
  EngineOptions off;
  off.proximity_weight = 0;
  off.proximity_min_words = 2;
  EngineOptions on = off;
  on.proximity_weight = 0.1;
  on.proximity_window = 3;
  const SearchEngine without = SearchEngine::open(dir.path(), off), with = SearchEngine::open(dir.path(), on);
  const SearchResult a = without.search(request("muscle pain")), b = with.search(request("muscle pain"));
  REQUIRE(a.total == 3);
  CHECK(b.total == a.total);
  CHECK(b.facets["pem"].size() == a.facets["pem"].size());
  CHECK(b.facets["year"].size() == a.facets["year"].size());
  const std::vector<double> plain = scores_of(a);
  CHECK(plain[0] == Approx(plain[2]));  // without proximity all three weigh the same
  REQUIRE(b.hits.size() == 3);
  CHECK(b.hits[0].id == "together");
  CHECK(b.hits[0].score == Approx(plain[0] * 1.1));  // 0.1 x both words' weights
  CHECK(b.hits[1].score == Approx(plain[0]));        // "pain muscle": not in query order
  // With the default limit (6 words) a two-word query ranks without proximity.
  CHECK(SearchEngine::open(dir.path()).options().proximity_min_words == 6);
  const std::vector<double> short_query = scores_of(SearchEngine::open(dir.path()).search(request("muscle pain")));
  REQUIRE(short_query.size() == 3);
  CHECK(short_query[0] == Approx(short_query[2]));
  // All words first (an option) does not turn proximity on.
  EngineOptions tiered;
  tiered.all_words_first_max_words = 5;
  const std::vector<double> tiered_scores = scores_of(SearchEngine::open(dir.path(), tiered).search(request("muscle pain")));
  REQUIRE(tiered_scores.size() == 3);
  CHECK(tiered_scores[0] == Approx(tiered_scores[2]));
}

TEST_CASE("long queries with feedback and proximity: exact totals, and pages are slices of one ranking") {
  const auto options = StudyGenerator::default_options();
  StudyGenerator generator(test_seed(0x13ull), options);
  const std::vector<Study> studies = generator.generate(400);
  TempDir dir;
  build_index(dir.path(), studies);
  const SearchEngine defaults = SearchEngine::open(dir.path());
  EngineOptions plain_options;
  plain_options.prf_docs = 0;
  plain_options.proximity_weight = 0;
  const SearchEngine plain = SearchEngine::open(dir.path(), plain_options);
  REQUIRE(defaults.options().prf_docs > 0);
  REQUIRE(defaults.options().proximity_weight > 0);
  std::size_t checked = 0;
  for (int n = 0; n < 20; ++n) {
    std::string text;
    for (std::size_t i = 0, count = 9 + generator.random()() % 6; i < count; ++i)
      text += (text.empty() ? "" : " ") + options.vocabulary[generator.random()() % options.vocabulary.size()];
    INFO("query '" << text << "'");
    const SearchResult one = defaults.search(request(text, 0, 30));
    const SearchResult base = plain.search(request(text, 0, 30));
    CHECK(one.total == base.total);
    CHECK(one.facets["journal"].size() == base.facets["journal"].size());
    for (std::size_t i = 0; i < one.facets["pem"].size() && i < base.facets["pem"].size(); ++i)
      CHECK(one.facets["pem"][i].count == base.facets["pem"][i].count);
    std::vector<std::string> paged;
    for (std::size_t offset = 0; offset < 30; offset += 7)
      for (const auto& h : defaults.search(request(text, offset, std::min<std::size_t>(7, 30 - offset))).hits)
        paged.push_back(h.id);
    CHECK(paged == ids_of(one));
    checked += one.hits.size();
  }
  CHECK(checked > 0);
}

TEST_CASE("a word typed twice weighs (k3 + 1) n / (k3 + n) times once, and only reorders") {
  TempDir dir;
  build_index(dir.path(), {make_study("a", "Report", "pain reported by patients"),
                           make_study("b", "Report", "muscle weakness reported by patients"),
                           make_study("c", "Report", "headache reported by patients")});
  auto score_of = [&](double k3, const std::string& text, const std::string& id) {
    EngineOptions o;
    o.query_k3 = k3;
    for (const auto& h : SearchEngine::open(dir.path(), o).search(request(text)).hits)
      if (h.id == id) return h.score;
    return -1.0;
  };
  const double once = score_of(-1, "pain", "a");
  REQUIRE(once > 0);
  CHECK(score_of(-1, "pain pain", "a") == Approx(2 * once));      // below 0: each repetition in full
  CHECK(score_of(0, "pain pain", "a") == Approx(once));           // k3 0: once
  CHECK(score_of(1, "pain pain", "a") == Approx(once * 4 / 3));   // (1 + 1) 2 / (1 + 2)
  CHECK(score_of(1, "pain muscle pain", "a") == Approx(score_of(-1, "pain muscle", "a") * 4 / 3));
  CHECK(score_of(1, "pain muscle pain", "b") == Approx(score_of(-1, "pain muscle", "b")));
  CHECK(SearchEngine::open(dir.path()).options().query_k3 == 1);  // the default: Xapian's BM25 k3
  CHECK(score_of(SearchEngine::open(dir.path()).options().query_k3, "pain pain", "a") == Approx(once * 4 / 3));
  // The same studies match, in the same total.
  for (double k3 : {-1.0, 0.0, 1.0}) {
    EngineOptions o;
    o.query_k3 = k3;
    CHECK(SearchEngine::open(dir.path(), o).search(request("pain muscle pain")).total == 2);
  }
  // Field queries rank with Xapian: the repetition weighs the same there.
  EngineOptions o;
  o.query_k3 = 1;
  const SearchResult xapian = SearchEngine::open(dir.path(), o).search(request("pain pain title:report"));
  const SearchResult postings = SearchEngine::open(dir.path(), o).search(request("pain pain"));
  REQUIRE(!xapian.hits.empty());
  REQUIRE(!postings.hits.empty());
  CHECK(xapian.hits.front().id == "a");
}

TEST_CASE("a k1 per term: words studies repeat saturate early, words mentioned once count each mention") {
  TempDir dir;
  // "weight": four studies say it four times, one once (mean wdf 6.8: the
  // summary weighs 2); "fatigue": once and twice (mean wdf 3).
  build_index(dir.path(), {make_study("w1", "Report", "weight before, weight after, weight gain and weight loss"),
                           make_study("w2", "Report", "weight before, weight after, weight gain and weight loss"),
                           make_study("w3", "Report", "weight before, weight after, weight gain and weight loss"),
                           make_study("w4", "Report", "weight before, weight after, weight gain and weight loss"),
                           make_study("w0", "Report", "weight measured once in the clinic, nothing else noted"),
                           make_study("f1", "Report", "fatigue measured once in the clinic, nothing else noted"),
                           make_study("f2", "Report", "fatigue before, fatigue after, a gain and a loss")});
  auto scores = [&](double k1_wdf, const std::string& text, double burstiness = 0) {
    EngineOptions o;
    o.term_k1_wdf = k1_wdf;
    o.term_burstiness = burstiness;
    std::map<std::string, double> out;
    const SearchResult r = SearchEngine::open(dir.path(), o).search(request(text));
    for (const auto& h : r.hits) out[h.id] = h.score;
    out["total"] = static_cast<double>(r.total);
    return out;
  };
  const auto one_k1 = scores(0, "weight fatigue"), per_term = scores(4, "weight fatigue");
  // Four mentions of a repeated word gain less over one than with one k1 ...
  CHECK(per_term.at("w1") / per_term.at("w0") < one_k1.at("w1") / one_k1.at("w0"));
  // ... two mentions of a word studies mention about once gain more.
  CHECK(per_term.at("f2") / per_term.at("f1") > one_k1.at("f2") / one_k1.at("f1"));
  CHECK(per_term.at("total") == one_k1.at("total"));  // it only reweighs
  CHECK(SearchEngine::open(dir.path()).options().term_k1_wdf == 4);
  // Burstiness: each word's weight times its mean wdf ^ x ("weight" 34 / 5).
  const auto bursty = scores(4, "weight", 0.5), flat = scores(4, "weight");
  CHECK(bursty.at("w1") == Approx(flat.at("w1") * std::sqrt(34.0 / 5)));
  CHECK(bursty.at("total") == flat.at("total"));
  // A term whose mean wdf is k1_wdf saturates with k1 itself: "fatigue"
  // (mean wdf 3) at k1_wdf 3 scores as with one k1.
  const auto same = scores(3, "fatigue");
  EngineOptions plain;
  plain.term_k1_wdf = 0;
  for (const auto& h : SearchEngine::open(dir.path(), plain).search(request("fatigue")).hits)
    CHECK(same.at(h.id) == Approx(h.score));
}
