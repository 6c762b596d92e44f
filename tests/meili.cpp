// The Meilisearch dialect (issue 18) without HTTP: the filter parser, the
// request translation, Meilisearch's facet semantics, the response shape and
// the engine's highlight spans. The node tests (tests/meili/) speak to the
// real server with the stock clients.
#include <catch2/catch.hpp>

#include <algorithm>

#include "meili_filter.hpp"
#include "meili_routes.hpp"
#include "meili_search.hpp"
#include "test_support.hpp"

using nlohmann::json;
using studysearch::Pem;
using studysearch::SearchRequest;
using studysearch::Study;
namespace meili = studysearch::app::meili;

namespace {

SearchRequest filtered(const json& filter, bool expect_possible = true) {
  SearchRequest r;
  INFO(filter.dump());
  CHECK(meili::apply_filter(filter, r) == expect_possible);
  return r;
}

// The code and message of the ApiError `fn` throws.
template <typename Fn>
std::pair<std::string, std::string> api_error(Fn&& fn, int status = 400) {
  try {
    fn();
  } catch (const meili::ApiError& e) {
    CHECK(e.status == status);
    return {e.code, e.what()};
  }
  FAIL("no ApiError thrown");
  return {};
}

std::pair<std::string, std::string> filter_error(const json& filter) {
  INFO(filter.dump());
  return api_error([&] {
    SearchRequest r;
    meili::apply_filter(filter, r);
  });
}

Study study(std::string id, std::string title, std::string journal, std::optional<int> year, Pem pem, std::string summary) {
  Study s = studysearch::test::make_study(std::move(id), std::move(title), std::move(summary));
  s.journal = std::move(journal);
  s.year = year;
  s.pem = pem;
  s.authors = {"Ada Fatigue-Lovelace", "Alan Turing"};
  return s;
}

const studysearch::test::FixtureIndex& fixture() {
  return studysearch::test::named_fixture("meili", [] {
    return std::vector<Study>{
        study("a-2019", "Exercise and fatigue", "BMJ Open", 2019, Pem::required, "Two-day CPET: more fatigue on day two."),
        study("b-2020", "Sleep and fatigue", "Brain", 2020, Pem::not_required, "Unrefreshing sleep and fatigue."),
        study("c-2021", "Natural killer cells", "Brain", 2021, Pem::required, "NK cells were lower with fatigue."),
        study("d-2018", "Orthostatic intolerance", "Frontiers in Immunology", 2018, Pem::unclear, "Tilt test results."),
        study("e-2022", "Markup <b>fatigue</b> & co", "BMJ Open", 2022, Pem::not_required,
              "A <script>x</script> summary about fatigue."),
        study("f-none", "Fatigue without a year", "", std::nullopt, Pem::required, "Fatigue, year unknown."),
    };
  });
}

meili::Dialect dialect(std::string key = "") {
  return meili::Dialect(fixture().engine, {"studies", std::move(key)});
}

json body(const meili::Response& r) { return json::parse(r.body.dump()); }

const studysearch::EngineOptions kLimits;

}  // namespace

// ---- filters ---------------------------------------------------------------

namespace {
std::vector<std::string> vals(const SearchRequest& r, const char* field) {
  const auto it = r.filters.find(field);
  return it == r.filters.end() ? std::vector<std::string>{} : it->second;
}
}  // namespace

TEST_CASE("array filters: outer array ANDs, inner arrays OR one attribute's values") {
  const auto r = filtered(json::parse(R"([["pem = required", "pem = not_required"], "journal = \"BMJ Open\""])"));
  CHECK(vals(r, "pem") == std::vector<std::string>{"required", "not_required"});
  CHECK(vals(r, "journal") == std::vector<std::string>{"BMJ Open"});
  CHECK(vals(r, "design").empty());
  CHECK(!r.year_from);
}

TEST_CASE("instant-meilisearch's facet and numeric filter strings: quoted attributes, escapes, ':' and '=' in values") {
  // What its filter adapter writes for facetFilters "journal:Say \"hi\" \\ a=b:c" and numericFilters.
  const auto r = filtered(json::array({json::array({R"("journal"="Say \"hi\" \\ a=b:c")"}), R"("year">=2015)",
                                       R"("year"<=2020)"}));
  CHECK(vals(r, "journal") == std::vector<std::string>{"Say \"hi\" \\ a=b:c"});
  CHECK(r.year_from == 2015);
  CHECK(r.year_to == 2020);
}

TEST_CASE("string filters: AND, OR, NOT, parentheses, IN, TO, comparisons, case-insensitive keywords") {
  auto r = filtered("pem = required AND (journal = Brain OR journal = \"BMJ Open\")");
  CHECK(vals(r, "pem") == std::vector<std::string>{"required"});
  CHECK(vals(r, "journal") == std::vector<std::string>{"BMJ Open", "Brain"});
  r = filtered("pem != required");
  CHECK(vals(r, "pem") == std::vector<std::string>{"not_required", "unclear"});
  r = filtered("NOT pem = unclear");
  CHECK(vals(r, "pem") == std::vector<std::string>{"required", "not_required"});
  r = filtered("pem in [required, 'unclear']");
  CHECK(vals(r, "pem") == std::vector<std::string>{"required", "unclear"});
  r = filtered("pem NOT IN [required]");
  CHECK(vals(r, "pem") == std::vector<std::string>{"not_required", "unclear"});
  r = filtered("year 2010 TO 2012 and pem = Required");
  CHECK((r.year_from == 2010 && r.year_to == 2012));
  CHECK(vals(r, "pem") == std::vector<std::string>{"required"});
  r = filtered("year > 2015 AND year < 2019.5");
  CHECK((r.year_from == 2016 && r.year_to == 2019));
  r = filtered("year = 2019 OR year = 2020");
  CHECK((r.year_from == 2019 && r.year_to == 2020));
  r = filtered("year EXISTS");
  CHECK((r.year_from == studysearch::kMinYear && r.year_to == studysearch::kMaxYear));
  r = filtered("evidence_level = e2 OR evidence_level = E3");
  CHECK(vals(r, "evidence_level") == std::vector<std::string>{"E2", "E3"});
  r = filtered("year < 1990 OR year NOT EXISTS");  // SearchRequest::year_unknown
  CHECK((r.year_unknown && r.year_from == studysearch::kMinYear && r.year_to == 1989));
  r = filtered("NOT year EXISTS");
  CHECK((r.year_unknown && !r.year_from && !r.year_to));
  r = filtered("year >= 1500");  // every year a record can have
  CHECK((r.year_from == studysearch::kMinYear && r.year_to == studysearch::kMaxYear));
}

TEST_CASE("a multi-valued attribute (criteria): = and IN choose values to OR; != and AND of two values are refused") {
  auto r = filtered("criteria IN ['CCC 2003', \"ICC 2011\"] AND pem = required");
  CHECK(vals(r, "criteria") == std::vector<std::string>{"CCC 2003", "ICC 2011"});
  r = filtered("criteria = 'ccc 2003' OR criteria = 'Fukuda 1994'");  // values as in the vocabulary
  CHECK(vals(r, "criteria") == std::vector<std::string>{"CCC 2003", "Fukuda 1994"});
  for (const char* text : {"criteria != 'CCC 2003'", "criteria = 'CCC 2003' AND criteria = 'ICC 2011'",
                           "criteria NOT EXISTS"}) {
    INFO(text);
    auto [code, message] = filter_error(text);
    CHECK(code == "invalid_search_filter");
    CHECK_THAT(message, Catch::Contains("criteria"));
  }
}

TEST_CASE("empty filters are no filter, and contradictions are valid and match nothing") {
  for (const json& none : {json(), json(""), json::array(), json::array({json::array()}), json("   ")}) {
    const auto r = filtered(none);
    CHECK((vals(r, "pem").empty() && vals(r, "journal").empty() && !r.year_from && !r.year_to));
  }
  filtered("pem = required AND pem = unclear", false);
  filtered("year > 2100", false);
  filtered("year = 2019.5", false);
  CHECK(!filtered("year >= 1500").year_unknown);
  filtered("journal IN []", false);
  const auto r = filtered("pem = maybe OR pem = required");  // a value no study has adds nothing
  CHECK(vals(r, "pem") == std::vector<std::string>{"required"});
}

TEST_CASE("unknown attributes and bad syntax are 400 invalid_search_filter naming the problem") {
  auto [code, message] = filter_error("title = fatigue");
  CHECK(code == "invalid_search_filter");
  CHECK_THAT(message, Catch::Contains("`title` is not filterable") && Catch::Contains("`pem`") && Catch::Contains("`year`"));
  for (const char* bad : {"pem =", "pem required", "(pem = required", "\"pem = required", "pem ! required",
                          "pem = required AND", "pem = required pem = unclear", "year > abc", "journal > 5",
                          "journal 1 TO 2", "pem IN [required", "_geoRadius(1, 2, 3)", "pem IS NULL", "= required",
                          "journal = 'It''s'"}) {
    std::tie(code, message) = filter_error(bad);
    INFO(bad << " -> " << message);
    CHECK(code == "invalid_search_filter");
    CHECK_THAT(message, Catch::Contains(std::string(bad).substr(0, 10)));  // the filter is quoted back
  }
  std::tie(code, message) = filter_error(5);
  CHECK(code == "invalid_search_filter");
  std::tie(code, message) = filter_error(json::array({json::array({json::array({"pem = required"})})}));
  CHECK(code == "invalid_search_filter");
  std::tie(code, message) = filter_error("year > 2000 AND ((((((((((((((((((((((((((((((((((pem = required))))))))))))))))))))))))))))))))))");
  CHECK_THAT(message, Catch::Contains("nested"));
}

TEST_CASE("filters SearchRequest cannot express are a clear 400, never dropped") {
  for (const json& bad : {json("pem = required OR journal = Brain"),
                          json::array({json::array({"pem = required", "journal = Brain"})}), json("journal != Brain"),
                          json("NOT journal = Brain"), json("year != 2019"), json("evidence_level != E1"),
                          json("NOT (pem = required AND journal = Brain)"), json("journal NOT EXISTS"),
                          json("(pem = required AND year = 2019) OR pem = unclear")}) {
    const auto [code, message] = filter_error(bad);
    INFO(bad.dump() << " -> " << message);
    CHECK(code == "invalid_search_filter");
    CHECK_THAT(message, Catch::Contains("not supported"));
  }
}

// ---- requests --------------------------------------------------------------

TEST_CASE("a search body becomes one SearchRequest: placeholder, defaults, sort, facets, tags") {
  auto q = meili::parse_search(json::object(), meili::Endpoint::search, kLimits);
  CHECK(q.request.text.empty());
  CHECK((q.limit == 20 && q.offset == 0 && !q.pages));
  CHECK((q.request.limit == 20 && q.request.offset == 0));
  CHECK(q.request.sort == studysearch::Sort::relevance);
  CHECK(!q.request.facets);
  CHECK(!q.formatted);

  q = meili::parse_search(json::parse(R"({"q": "fatigue", "sort": ["year:desc"], "facets": ["year", "pem", "pem"],
      "attributesToHighlight": ["*"], "highlightPreTag": "__ais-highlight__", "highlightPostTag": "__/ais-highlight__",
      "limit": 21, "offset": 20})"), meili::Endpoint::search, kLimits);
  CHECK(q.request.text == "fatigue");
  CHECK(q.request.sort == studysearch::Sort::newest);
  CHECK(q.facets == std::vector<std::string>{"pem", "year"});
  CHECK(q.request.facets);
  CHECK((q.request.limit == 21 && q.request.offset == 20));
  CHECK((q.formatted && q.pre_tag == "__ais-highlight__" && q.post_tag == "__/ais-highlight__"));

  q = meili::parse_search(json::parse(R"({"sort": ["year:asc"], "facets": ["*"], "hitsPerPage": 5, "page": 3})"),
                          meili::Endpoint::search, kLimits);
  CHECK(q.request.sort == studysearch::Sort::oldest);
  CHECK(q.facets == meili::filterable_attributes());
  CHECK((q.pages && q.request.offset == 10 && q.request.limit == 5));
  q = meili::parse_search(json::parse(R"({"hitsPerPage": 0, "page": 1})"), meili::Endpoint::search, kLimits);
  CHECK((q.pages && q.request.limit == 0));
}

TEST_CASE("the window is clamped to the engine's caps: Meilisearch answers an empty page, not an error") {
  auto q = meili::parse_search(json::parse(R"({"offset": 50000, "limit": 20})"), meili::Endpoint::search, kLimits);
  CHECK((q.request.offset == kLimits.max_window && q.request.limit == 0 && q.offset == 50000));
  q = meili::parse_search(json::parse(R"({"limit": 5000})"), meili::Endpoint::search, kLimits);
  CHECK(q.request.limit == kLimits.max_limit);
  q = meili::parse_search(json::parse(R"({"hitsPerPage": 1000, "page": 18446744073709551615})"), meili::Endpoint::search, kLimits);
  CHECK((q.request.offset == kLimits.max_window && q.request.limit == 0));
}

TEST_CASE("bad parameters are 400 with Meilisearch's codes") {
  const auto code_of = [](const char* text, meili::Endpoint endpoint = meili::Endpoint::search) {
    INFO(text);
    return api_error([&] { meili::parse_search(json::parse(text), endpoint, kLimits); }).first;
  };
  CHECK(code_of(R"({"q": 5})") == "invalid_search_q");
  CHECK(code_of(R"({"limit": -1})") == "invalid_search_limit");
  CHECK(code_of(R"({"offset": "3"})") == "invalid_search_offset");
  CHECK(code_of(R"({"page": 1.5})") == "invalid_search_page");
  CHECK(code_of(R"({"hitsPerPage": -2})") == "invalid_search_hits_per_page");
  CHECK(code_of(R"({"sort": ["title:asc"]})") == "invalid_search_sort");
  CHECK(code_of(R"({"sort": ["year"]})") == "invalid_search_sort");
  CHECK(code_of(R"({"sort": ["year:desc", "year:asc"]})") == "invalid_search_sort");
  CHECK(code_of(R"({"facets": ["title"]})") == "invalid_search_facets");
  CHECK(code_of(R"({"facets": "pem"})") == "invalid_search_facets");
  CHECK(code_of(R"({"filter": "title = x"})") == "invalid_search_filter");
  CHECK(code_of(R"({"hybrid": {"embedder": "x"}})") == "invalid_search_hybrid");
  CHECK(code_of(R"({"showMatchesPosition": true})") == "invalid_search_show_matches_position");
  CHECK(code_of(R"({"qq": "typo"})") == "bad_request");
  CHECK(code_of(R"({"indexUid": "studies"})") == "bad_request");  // only inside multi-search
  CHECK(code_of(R"({"q": "x"})", meili::Endpoint::multi_search) == "missing_index_uid");
  CHECK(code_of(R"({"facetQuery": "b"})", meili::Endpoint::facet_search) == "invalid_facet_search_facet_name");
  CHECK(code_of(R"({"facetName": "title"})", meili::Endpoint::facet_search) == "invalid_facet_search_facet_name");
  CHECK(code_of(R"([1])") == "bad_request");
  // Accepted and ignored: they change neither which studies match nor their order.
  CHECK_NOTHROW(meili::parse_search(json::parse(R"({"attributesToCrop": ["summary"], "cropLength": 10,
      "matchingStrategy": "last", "showRankingScore": true, "showMatchesPosition": false})"), meili::Endpoint::search, kLimits));
}

// ---- Meilisearch facet semantics ---------------------------------------------

TEST_CASE("facetDistribution: native counts without an own filter, only the selected values with one") {
  studysearch::Facets f;
  f.groups = {{"pem", {{"required", 4, "required", false}, {"not_required", 3, "not required", false}, {"unclear", 0, "unclear", false}}},
              {"journal", {{"BMJ Open", 5, "bmj open", false}, {"Brain", 2, "brain", false}, {"Sleep", 1, "sleep", false}}},
              {"year", {{"2018", 1, "2018", false}, {"2019", 2, "2019", false}, {"2020", 3, "2020", false}, {"unknown", 4, "unknown", false}}}};
  SearchRequest none;
  auto d = json::parse(meili::facet_distribution(f, none, {"journal", "pem", "year"}).dump());
  CHECK(d["pem"] == json::parse(R"({"required": 4, "not_required": 3})"));  // zero counts left out
  CHECK(d["journal"] == json::parse(R"({"BMJ Open": 5, "Brain": 2, "Sleep": 1})"));
  CHECK(d["year"] == json::parse(R"({"2018": 1, "2019": 2, "2020": 3})"));  // no "unknown"

  SearchRequest own;
  own.filters["pem"] = {"required"};
  own.filters["journal"] = {"bmj  OPEN", "Lancet"};  // matched like the engine: case, spaces, punctuation ignored
  own.year_from = 2019;
  d = json::parse(meili::facet_distribution(f, own, {"journal", "pem", "year"}).dump());
  CHECK(d["pem"] == json::parse(R"({"required": 4})"));
  CHECK(d["journal"] == json::parse(R"({"BMJ Open": 5})"));
  CHECK(d["year"] == json::parse(R"({"2019": 2, "2020": 3})"));

  SearchRequest yearless;
  yearless.year_unknown = true;
  d = json::parse(meili::facet_distribution(f, yearless, {"year"}).dump());
  CHECK(d["year"].empty());  // only studies without a year pass
}

TEST_CASE("through the engine: facetDistribution equals the native disjunctive counts of unfiltered groups") {
  const auto& fx = fixture();
  const auto d = dialect();
  const json got = body(d.search("", "studies", R"({"q": "fatigue", "filter": "pem = required", "facets": ["*"]})"));
  SearchRequest native;
  native.text = "fatigue";
  native.filters["pem"] = {"required"};
  native.max_facet_values = 100;
  const auto result = fx.engine.search(native);
  CHECK(got["estimatedTotalHits"] == result.total);
  for (const auto& v : result.facets["journal"]) CHECK(got["facetDistribution"]["journal"][v.value] == v.count);
  for (const auto& v : result.facets["pem"]) {
    INFO(v.value);
    if (v.value == "required") CHECK(got["facetDistribution"]["pem"][v.value] == v.count);
    else CHECK(!got["facetDistribution"]["pem"].contains(v.value));  // Meilisearch: counted with every filter
  }
  CHECK(got["facetStats"] == json::parse(R"({"year": {"min": 2019, "max": 2021}})"));
}

// ---- responses ---------------------------------------------------------------

TEST_CASE("a search response has Meilisearch's keys, stored fields and the caller's highlight tags") {
  const auto& fx = fixture();
  const auto d = dialect();
  const auto response = d.search("", "studies", R"({"q": "fatigue", "attributesToHighlight": ["*"],
      "highlightPreTag": "[[", "highlightPostTag": "]]", "limit": 3})");
  REQUIRE(response.status == 200);
  std::vector<std::string> keys;
  for (const auto& [key, value] : response.body.items()) keys.push_back(key);
  CHECK(keys == std::vector<std::string>{"hits", "query", "processingTimeMs", "limit", "offset", "estimatedTotalHits"});
  const json got = body(response);
  SearchRequest native;
  native.text = "fatigue";
  native.limit = 3;
  const auto result = fx.engine.search(native);
  CHECK(got["estimatedTotalHits"] == result.total);
  REQUIRE(got["hits"].size() == 3);
  for (std::size_t i = 0; i < 3; ++i) {
    const json& hit = got["hits"][i];
    CHECK(hit["id"] == result.hits[i].id);
    CHECK(hit["summary"] == fx.study(result.hits[i].id).summary);  // the stored record, not a snippet
    CHECK(hit["_formatted"]["id"] == hit["id"]);
    const std::string title = hit["_formatted"]["title"];
    CHECK_THAT(title, Catch::Contains("[[") && Catch::Contains("]]"));
    CHECK(title.find("<em>") == std::string::npos);
  }
  // Markup in the data stays as it is (no escaping added); only the tags are inserted.
  const json markup = body(d.search("", "studies", R"({"q": "fatigue", "filter": "journal = 'BMJ Open' AND year = 2022",
      "attributesToHighlight": ["title", "summary"]})"));
  REQUIRE(markup["hits"].size() == 1);
  CHECK(markup["hits"][0]["_formatted"]["title"] == "Markup <b><em>fatigue</em></b> & co");
  CHECK(markup["hits"][0]["_formatted"]["summary"] == "A <script>x</script> summary about <em>fatigue</em>.");
  CHECK(markup["hits"][0]["_formatted"]["authors"] == json::array({"Ada Fatigue-Lovelace", "Alan Turing"}));  // not asked
}

TEST_CASE("the last word is a prefix, as in Meilisearch: \"fatig\" finds and marks fatigue") {
  const auto& fx = fixture();
  const json got = body(dialect().search("", "studies", R"({"q": "fatig", "attributesToHighlight": ["title"]})"));
  SearchRequest native;
  native.text = "fatig";
  native.prefix_last_word = true;
  const auto result = fx.engine.search(native);
  CHECK(result.total == 6);
  CHECK(got["estimatedTotalHits"] == result.total);
  REQUIRE(!got["hits"].empty());
  const std::string title = got["hits"][0]["_formatted"]["title"];
  CHECK_THAT(title, Catch::Contains("<em>fatigue</em>") || Catch::Contains("<em>Fatigue</em>"));
}

TEST_CASE("placeholder search, both pagination modes, limit 0 with totals and facets, attributesToRetrieve") {
  const auto d = dialect();
  const auto n = fixture().studies.size();
  json got = body(d.search("", "studies", R"({"sort": ["year:desc"], "hitsPerPage": 2, "page": 2, "attributesToRetrieve": ["id", "year"]})"));
  CHECK(got["totalHits"] == n);
  CHECK(got["totalPages"] == (n + 1) / 2);
  CHECK((got["page"] == 2 && got["hitsPerPage"] == 2));
  CHECK(!got.contains("estimatedTotalHits"));
  REQUIRE(got["hits"].size() == 2);
  CHECK(got["hits"][0] == json::parse(R"({"id": "b-2020", "year": 2020})"));  // 2022, 2021 on page 1
  CHECK(got["hits"][1] == json::parse(R"({"id": "a-2019", "year": 2019})"));
  got = body(d.search("", "studies", R"({"limit": 0, "facets": ["pem"]})"));
  CHECK(got["hits"].empty());
  CHECK(got["estimatedTotalHits"] == n);
  CHECK(got["facetDistribution"]["pem"] == json::parse(R"({"required": 3, "not_required": 2, "unclear": 1})"));
  got = body(d.search("", "studies", R"({"filter": "year NOT EXISTS", "facets": ["year"]})"));
  REQUIRE(got["hits"].size() == 1);
  CHECK(got["hits"][0]["id"] == "f-none");
  CHECK(got["facetDistribution"]["year"].empty());
  got = body(d.search("", "studies", R"({"filter": "year > 2100", "facets": ["pem"], "hitsPerPage": 10})"));
  CHECK((got["totalHits"] == 0 && got["totalPages"] == 0 && got["facetDistribution"]["pem"].empty()));
}

TEST_CASE("multi-search answers in order, facet search finds values by word prefix, health and index answer") {
  const auto d = dialect();
  auto response = d.multi_search("", R"({"queries": [
      {"indexUid": "studies", "q": "fatigue", "facets": ["journal"], "limit": 1},
      {"indexUid": "studies", "q": "", "filter": [["journal = Brain"]], "limit": 0}]})");
  REQUIRE(response.status == 200);
  json got = body(response);
  REQUIRE(got["results"].size() == 2);
  CHECK(got["results"][0]["indexUid"] == "studies");
  CHECK(got["results"][0]["query"] == "fatigue");
  CHECK(got["results"][1]["estimatedTotalHits"] == 2);

  got = body(d.facet_search("", "studies", R"({"facetName": "journal", "facetQuery": "b", "q": "fatigue"})"));
  CHECK(got["facetHits"] == json::parse(R"([{"value": "BMJ Open", "count": 2}, {"value": "Brain", "count": 2}])"));
  CHECK(got["facetQuery"] == "b");
  got = body(d.facet_search("", "studies", R"({"facetName": "journal", "facetQuery": "front imm"})"));
  CHECK(got["facetHits"] == json::parse(R"([{"value": "Frontiers in Immunology", "count": 1}])"));

  CHECK(body(d.health()) == json::parse(R"({"status": "available"})"));
  got = body(d.index("", "studies"));
  CHECK((got["uid"] == "studies" && got["primaryKey"] == "id" && got["numberOfDocuments"] == fixture().studies.size()));
}

TEST_CASE("errors are {message, code, type, link}: unknown index, bad filter inside a multi-search, search key") {
  const auto d = dialect();
  auto response = d.search("", "other", "{}");
  CHECK(response.status == 404);
  json got = body(response);
  CHECK(got == json({{"message", "Index `other` not found."}, {"code", "index_not_found"}, {"type", "invalid_request"},
                     {"link", "https://docs.meilisearch.com/errors#index_not_found"}}));
  response = d.multi_search("", R"({"queries": [{"indexUid": "studies"}, {"indexUid": "studies", "filter": "x = 1"}]})");
  CHECK(response.status == 400);
  got = body(response);
  CHECK(got["code"] == "invalid_search_filter");
  CHECK_THAT(got["message"].get<std::string>(), Catch::StartsWith("Inside `.queries[1]`:"));
  json many = {{"queries", json::array()}};
  for (int i = 0; i < 33; ++i) many["queries"].push_back({{"indexUid", "studies"}});
  CHECK(d.multi_search("", many.dump()).status == 400);  // at most 32 queries per request
  many["queries"].erase(many["queries"].begin());
  CHECK(d.multi_search("", many.dump()).status == 200);
  CHECK(d.search("", "studies", "{not json").status == 400);
  CHECK(d.search("", "studies", std::string(100, '[') + std::string(100, ']')).status == 400);

  const auto keyed = dialect("search-key");
  CHECK(keyed.search("", "studies", "{}").status == 401);
  CHECK(body(keyed.search("", "studies", "{}"))["code"] == "missing_authorization_header");
  CHECK(keyed.search("Bearer wrong", "studies", "{}").status == 403);
  CHECK(body(keyed.index("Bearer wrong", "studies"))["code"] == "invalid_api_key");
  CHECK(keyed.search("Bearer search-key", "studies", "{}").status == 200);
  CHECK(keyed.health().status == 200);
}

// ---- the engine's highlight spans ----------------------------------------------

TEST_CASE("highlight spans mark what the query matches (stems, synonyms) and concatenate to the text") {
  const auto& engine = fixture().engine;
  const std::string text = "Fatigued patients: fatigue, <b>PEM</b> & post-exertional malaise.";
  const auto spans = engine.highlight(text, "fatigue PEM");
  std::string joined, marked;
  for (const auto& s : spans) {
    joined += s.text;
    if (s.matched) marked += "[" + s.text + "]";
  }
  CHECK(joined == text);
  CHECK(marked == "[Fatigued][fatigue][PEM][post][exertional][malaise]");
  CHECK(engine.highlight(text, "").size() == 1);
  CHECK(!engine.highlight(text, "").front().matched);
  CHECK(engine.highlight(std::vector<std::string_view>{"a fatigue", "none here"}, "fatigue").size() == 2);
}
