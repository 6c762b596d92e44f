// Issue 17: one index and the same studies split into shards (local, or
// served by xapian-tcpsrv) give the same answers: totals, hits and their
// order, scores (to 1e-9), every facet group, snippets, did-you-mean, and
// similar / complete / find_study / facet_values. Failures name the shard.
#include <catch2/catch.hpp>
#include <xapian.h>

#include <cmath>
#include <random>

#include "shard_set.hpp"
#include "studysearch/shards.hpp"
#include "tcpsrv.hpp"
#include "test_support.hpp"

using namespace studysearch;
using namespace studysearch::test;

namespace {

constexpr std::size_t kShards = 3;

// The studies of an index split by `studysearch shard` (split_index):
// documents in a new docid order (so ties must go by study id), and every
// shard with the whole spelling table.
std::vector<std::string> split(const std::string& source, const std::string& folder) {
  split_index(source, kShards, folder + "/set");
  std::vector<std::string> paths;
  for (std::size_t i = 0; i < kShards; ++i) paths.push_back(folder + "/set/shard_" + std::to_string(i));
  return paths;
}

std::string describe(const SearchRequest& r) {
  std::string s = "text='" + r.text + "' sort=" + std::to_string(static_cast<int>(r.sort)) +
                  " offset=" + std::to_string(r.offset) + " limit=" + std::to_string(r.limit);
  for (const auto& [name, values] : r.filters)
    for (const auto& v : values) s += " " + name + "=" + v;
  if (r.year_from) s += " from=" + std::to_string(*r.year_from);
  if (r.year_to) s += " to=" + std::to_string(*r.year_to);
  if (r.year_unknown) s += " year_unknown";
  return s;
}

void check_same(const SearchResult& want, const SearchResult& got) {
  REQUIRE(got.total == want.total);
  REQUIRE(ids_of(got) == ids_of(want));
  for (std::size_t i = 0; i < want.hits.size(); ++i) {
    const Hit& a = want.hits[i];
    const Hit& b = got.hits[i];
    CHECK(b.rank == a.rank);
    CHECK(std::abs(b.score - a.score) <= 1e-9);
    CHECK(b.study == a.study);
    REQUIRE(b.snippet.size() == a.snippet.size());
    for (std::size_t s = 0; s < a.snippet.size(); ++s) {
      CHECK(b.snippet[s].text == a.snippet[s].text);
      CHECK(b.snippet[s].matched == a.snippet[s].matched);
    }
  }
  REQUIRE(got.facets.groups.size() == want.facets.groups.size());
  for (std::size_t g = 0; g < want.facets.groups.size(); ++g) {
    const FacetGroup& a = want.facets.groups[g];
    const FacetGroup& b = got.facets.groups[g];
    INFO("facet group " << a.name);
    CHECK(b.name == a.name);
    REQUIRE(b.values.size() == a.values.size());
    for (std::size_t v = 0; v < a.values.size(); ++v) {
      CHECK(b.values[v].value == a.values[v].value);
      CHECK(b.values[v].count == a.values[v].count);
      CHECK(b.values[v].key == a.values[v].key);
      CHECK(b.values[v].selected == a.values[v].selected);
    }
  }
  CHECK(got.did_you_mean == want.did_you_mean);
  CHECK(!got.partial);
}

// A random request over the generator's vocabulary: 1-3 words (all words
// first), 6-9 words (proximity and feedback), phrases, OR, exclusions, typos,
// browsing; filters, years, sorts, pages.
SearchRequest random_request(std::mt19937_64& random, const RandomCorpusOptions& options,
                             const std::map<std::string, std::vector<std::string>>& values) {
  SearchRequest r;
  auto word = [&] { return options.vocabulary[random() % options.vocabulary.size()]; };
  switch (random() % 8) {
    case 0: break;  // browse
    case 1: r.text = "\"" + word() + " " + word() + "\" " + word(); break;
    case 2: r.text = word() + " OR " + word(); break;
    case 3: r.text = word() + " -" + word(); break;
    case 4: {
      std::string w = word();
      w[w.size() / 2] = w[w.size() / 2] == 'x' ? 'q' : 'x';  // a typo
      r.text = w;
      break;
    }
    case 5:
    case 6: {
      const std::size_t n = 6 + random() % 4;
      for (std::size_t i = 0; i < n; ++i) r.text += (i ? " " : "") + word();
      break;
    }
    default: {
      const std::size_t n = 1 + random() % 3;
      for (std::size_t i = 0; i < n; ++i) r.text += (i ? " " : "") + word();
    }
  }
  for (const Field* field : keyword_filters()) {
    if (random() % 4 != 0) continue;
    const auto& all = values.at(std::string(field->name));
    r.filters[std::string(field->name)] = {all[random() % all.size()]};
  }
  if (random() % 4 == 0) r.year_from = 1990 + static_cast<int>(random() % 30);
  if (random() % 5 == 0) r.year_unknown = true;
  r.sort = static_cast<Sort>(random() % 3);
  r.limit = 1 + random() % 30;
  r.offset = random() % 3 == 0 ? random() % 200 : 0;
  r.max_facet_values = 1 + random() % 12;
  r.snippets = random() % 2;
  return r;
}

}  // namespace

TEST_CASE("shards: one index, 3 local shards and 1 local + 2 remote shards answer alike") {
  REQUIRE(have_tcpsrv());  // scripts/deps.sh test installs xapian-tools
  const std::uint64_t seed = test_seed(0x5a4d5eedull);
  CAPTURE(seed);
  const auto options = StudyGenerator::default_options();
  const std::vector<Study> studies = StudyGenerator(seed, options).generate(900);
  TempDir dir;
  build_index(dir.file("one"), studies);
  const std::vector<std::string> shards = split(dir.file("one"), dir.path());
  for (std::size_t i = 0; i < kShards; ++i) {  // every study on its owner, and only there
    Xapian::Database shard(shards[i]);
    for (auto it = shard.postlist_begin(""); it != shard.postlist_end(""); ++it)
      REQUIRE(owner_shard(shard.get_document(*it).get_value(100), kShards) == i);
  }
  TcpServer second(shards[1]), third(shards[2]);
  write_text_file(dir.file("local.stub"), "# three local shards\nauto set/shard_0\nauto set/shard_1\nauto set/shard_2\n");
  write_text_file(dir.file("mixed.stub"), "auto set/shard_0\n" + second.stub_line() + "\n" + third.stub_line() + "\n");

  const SearchEngine one = SearchEngine::open(dir.file("one"));
  const std::vector<std::pair<std::string, SearchEngine>> sets = {
      {"3 local shards", SearchEngine::open(dir.file("local.stub"))},
      {"1 local + 2 remote shards", SearchEngine::open(dir.file("mixed.stub"))}};
  for (const auto& [name, engine] : sets) {
    CHECK(engine.info().documents == studies.size());
    CHECK(engine.info().shards == kShards);
  }

  std::map<std::string, std::vector<std::string>> values;
  for (const Field* field : keyword_filters()) {
    std::set<std::string> distinct;
    for (const auto& s : studies)
      for (const auto& v : field_values(*field, s)) distinct.insert(v);
    values[std::string(field->name)].assign(distinct.begin(), distinct.end());
  }
  std::mt19937_64 random(seed);
  std::size_t with_hits = 0, with_suggestion = 0;
  for (std::size_t n = 0; n < 240; ++n) {
    const SearchRequest r = random_request(random, options, values);
    INFO("request " << n << ": " << describe(r));
    const SearchResult want = one.search(r);
    with_hits += !want.hits.empty();
    with_suggestion += want.did_you_mean.has_value();
    for (const auto& [name, engine] : sets) {
      INFO(name);
      check_same(want, engine.search(r));
    }
  }
  CHECK(with_hits > 150);
  CHECK(with_suggestion > 0);

  // The rest of the read API.
  for (std::size_t n = 0; n < 20; ++n) {
    const Study& s = studies[random() % studies.size()];
    const std::string prefix = options.vocabulary[random() % options.vocabulary.size()].substr(0, 3);
    SearchRequest r;
    r.text = options.vocabulary[random() % options.vocabulary.size()];
    for (const auto& [name, engine] : sets) {
      INFO(name << ", study " << s.id);
      CHECK(engine.find_study(s.id) == one.find_study(s.id));
      const auto a = one.similar(s.id, 8), b = engine.similar(s.id, 8);
      REQUIRE(a.size() == b.size());
      for (std::size_t i = 0; i < a.size(); ++i) {
        CHECK(b[i].id == a[i].id);
        CHECK(std::abs(b[i].score - a[i].score) <= 1e-9);
      }
      CHECK(engine.complete(prefix) == one.complete(prefix));
      const auto fa = one.facet_values(r, "journal", "", 50), fb = engine.facet_values(r, "journal", "", 50);
      REQUIRE(fa.values.size() == fb.values.size());
      for (std::size_t i = 0; i < fa.values.size(); ++i) {
        CHECK(fb.values[i].value == fa.values[i].value);
        CHECK(fb.values[i].count == fa.values[i].count);
      }
    }
  }
}

TEST_CASE("shards: a killed or hung shard fails the request within the timeout naming it, and allow_partial answers from the rest") {
  REQUIRE(have_tcpsrv());
  const auto studies = StudyGenerator(test_seed(7), StudyGenerator::default_options()).generate(300);
  TempDir dir;
  build_index(dir.file("one"), studies);
  const auto shards = split(dir.file("one"), dir.path());
  TcpServer second(shards[1]), third(shards[2]);
  write_text_file(dir.file("mixed.stub"), "auto set/shard_0\n" + second.stub_line() + "\n" + third.stub_line() + "\n");
  const SearchEngine engine = SearchEngine::open(dir.file("mixed.stub"), EngineOptions{.shard_timeout_ms = 500});
  SearchRequest r;  // browse: every study
  r.limit = 1000;
  REQUIRE(engine.search(r).total == studies.size());
  std::size_t on_third = 0;
  for (const auto& s : studies) on_third += owner_shard(s.id, kShards) == 2;

  auto expect_unavailable = [&](const std::string& shard) {
    std::string message;
    try {
      engine.search(r);
      FAIL("the search did not fail");
    } catch (const Error& e) {
      CHECK(e.kind() == ErrorKind::shard_unavailable);
      message = e.what();
    }
    CHECK_THAT(message, Catch::Contains(shard));
    SearchRequest partial = r;
    partial.allow_partial = true;
    const SearchResult result = engine.search(partial);
    CHECK(result.partial);
    REQUIRE(result.missing_shards.size() == 1);
    CHECK_THAT(result.missing_shards[0], Catch::Contains(shard));
    CHECK(result.total == studies.size() - on_third);
    for (const Hit& hit : result.hits) CHECK(owner_shard(hit.id, kShards) != 2);
  };
  SECTION("hung (SIGSTOP)") {
    third.pause();
    expect_unavailable("shard 2 (remote 127.0.0.1:" + std::to_string(third.port()) + ")");
    third.resume();
    CHECK(engine.search(r).total == studies.size());  // back when it answers again
  }
  SECTION("killed") {
    third.kill();
    expect_unavailable("shard 2 (remote 127.0.0.1:" + std::to_string(third.port()) + ")");
  }
}

TEST_CASE("shards: a shard built with another schema is refused, naming the shard") {
  const auto studies = StudyGenerator(test_seed(8), StudyGenerator::default_options()).generate(60);
  TempDir dir;
  build_index(dir.file("one"), studies);
  const auto shards = split(dir.file("one"), dir.path());
  {
    Xapian::WritableDatabase odd(shards[1]);
    odd.set_metadata("studysearch.schema_version", "2");
    odd.commit();
  }
  write_text_file(dir.file("set.stub"), "auto set/shard_0\nauto set/shard_1\nauto set/shard_2\n");
  std::string message;
  try {
    SearchEngine::open(dir.file("set.stub"));
    FAIL("opened");
  } catch (const Error& e) {
    CHECK(e.kind() == ErrorKind::index_incompatible);
    message = e.what();
  }
  CHECK_THAT(message, Catch::Contains("shard 1 (") && Catch::Contains("schema version 2"));

  write_text_file(dir.file("bad.stub"), "auto set/shard_0\nremote 127.0.0.1:notaport\n");
  try {
    SearchEngine::open(dir.file("bad.stub"));
    FAIL("opened");
  } catch (const Error& e) {
    CHECK(e.kind() == ErrorKind::invalid_input);
    CHECK_THAT(std::string(e.what()), Catch::Contains("bad.stub:2: bad port"));
  }
}
