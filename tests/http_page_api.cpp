// The HTTP parameters and routes behind the web page: prefix (search as you
// type), journal_facets, year_unknown, GET /v1/facets/{group},
// GET /v1/studies/{id}/highlight and the page at /study/{id}. A Server on
// port 0 over a small index, exercised with httplib::Client; every answer is
// compared with what the library answers for the same request.
#include <httplib.h>

#include <catch2/catch.hpp>
#include <memory>
#include <string>
#include <vector>

#include "json_io.hpp"
#include "server.hpp"
#include "studysearch/studysearch.hpp"
#include "test_support.hpp"

using nlohmann::json;
using studysearch::Pem;
using studysearch::Study;

namespace {

Study study(std::string id, std::string title, std::string journal, std::optional<int> year, Pem pem, std::string summary) {
  Study s = studysearch::test::make_study(std::move(id), std::move(title), std::move(summary));
  s.journal = std::move(journal);
  s.year = year;
  s.pem = pem;
  return s;
}

std::vector<Study> corpus() {
  std::vector<Study> s{
      study("n1", "Natural killer cells", "Frontiers in Immunology", 2021, Pem::required, "Natural killer cell function was low."),
      study("n2", "Nature of fatigue", "Brain, Behavior, and Immunity", 2020, Pem::unclear, "The nature of the fatigue."),
      study("n3", "Sleep and fatigue", "Sleep Medicine", std::nullopt, Pem::not_required, "Unrefreshing sleep and fatigue."),
      study("n4", "Orthostatic intolerance", "Frontiers in Immunology", 2018, Pem::required, "Tilt testing and fatigue."),
      study("n5", "Exercise", "Journal of Translational Medicine", std::nullopt, Pem::unclear, "Two-day exercise testing."),
  };
  s[2].relevance = "Sleep matters <b>a lot</b> for fatigue.";
  s[2].limitations = "Small natural sample.";
  return s;
}

struct Fixture {
  studysearch::test::TempDir dir;
  std::string db = dir.file("index");
  std::unique_ptr<studysearch::app::Server> server;
  std::unique_ptr<httplib::Client> client;

  Fixture() {
    studysearch::test::build_index(db, corpus());
    studysearch::app::ServerOptions options;
    options.port = 0;
    options.threads = 2;
    server = std::make_unique<studysearch::app::Server>(db, options);
    server->start();
    client = std::make_unique<httplib::Client>("127.0.0.1", server->port());
    client->set_read_timeout(10, 0);
  }
  studysearch::SearchEngine engine() const { return studysearch::SearchEngine::open(db); }
  httplib::Result get(const std::string& path) { return client->Get(path.c_str()); }
};

json body_of(const httplib::Result& res, int status = 200) {
  REQUIRE(res);
  INFO(res->body);
  REQUIRE(res->status == status);
  REQUIRE(res->get_header_value("Content-Type") == "application/json; charset=utf-8");
  return json::parse(res->body);
}

std::vector<std::string> hit_ids(const json& body) {
  std::vector<std::string> ids;
  for (const auto& h : body["hits"]) ids.push_back(h["id"]);
  std::sort(ids.begin(), ids.end());
  return ids;
}

json without_timing(json j) {
  j.erase("took_ms");
  return j;
}

}  // namespace

TEST_CASE("prefix=1 searches the last word as a prefix, as SearchRequest::prefix_last_word") {
  Fixture f;
  CHECK(body_of(f.get("/v1/search?q=natu"))["total"] == 0);
  const json typed = body_of(f.get("/v1/search?q=natu&prefix=1"));
  CHECK(hit_ids(typed) == std::vector<std::string>{"n1", "n2", "n3"});  // n3: "natural" in its limitations
  studysearch::SearchRequest request;
  request.text = "natu";
  request.prefix_last_word = true;
  CHECK(without_timing(typed) == without_timing(studysearch::app::to_json(request, f.engine().search(request))));
  CHECK(body_of(f.get("/v1/search?q=natu&prefix=0"))["total"] == 0);
  const json bad = body_of(f.get("/v1/search?q=natu&prefix=maybe"), 400);
  CHECK(bad["error"]["message"].get<std::string>().find("prefix") != std::string::npos);
}

TEST_CASE("journal_facets sets the number of journal values, up to 1000") {
  Fixture f;
  CHECK(body_of(f.get("/v1/search?journal_facets=1"))["facets"]["journal"] ==
        json::parse(R"([{"value": "Frontiers in Immunology", "count": 2, "key": "frontiers in immunology", "selected": false}])"));
  CHECK(body_of(f.get("/v1/search"))["facets"]["journal"].size() == 4);
  CHECK(body_of(f.get("/v1/search?journal_facets=1000"))["facets"]["journal"].size() == 4);
  const json over = body_of(f.get("/v1/search?journal_facets=1001"), 400);
  CHECK(over["error"]["kind"] == "limit_exceeded");
  CHECK(over["error"]["message"].get<std::string>().find("journal_facets") != std::string::npos);
  CHECK(body_of(f.get("/v1/search?journal_facets=-1"), 400)["error"]["kind"] == "invalid_query");
}

TEST_CASE("year_unknown=1 keeps yearless studies; with a range it adds them") {
  Fixture f;
  CHECK(hit_ids(body_of(f.get("/v1/search?year_unknown=1"))) == std::vector<std::string>{"n3", "n5"});
  CHECK(hit_ids(body_of(f.get("/v1/search?year_unknown=1&year_from=2020"))) ==
        std::vector<std::string>{"n1", "n2", "n3", "n5"});
  CHECK(body_of(f.get("/v1/search?year_unknown=yes"), 400)["error"]["kind"] == "invalid_query");
}

TEST_CASE("GET /v1/facets/{group} lists a group's values by text with the search's disjunctive counts") {
  Fixture f;
  // The journal filter is the group's own: every journal matching "immun" still counts.
  const json body = body_of(f.get("/v1/facets/journal?facet_q=immun&q=fatigue&journal=Sleep+Medicine"));
  CHECK(body == json::parse(R"({"group": "journal", "facet_q": "immun", "matched": 2,
      "values": [{"value": "Brain, Behavior, and Immunity", "count": 1, "key": "brain behavior and immunity", "selected": false}, {"value": "Frontiers in Immunology", "count": 1, "key": "frontiers in immunology", "selected": false}]})"));
  studysearch::SearchRequest request;
  request.text = "fatigue";
  request.filters["journal"] = {"Sleep Medicine"};
  const auto expected = f.engine().facet_values(request, "journal", "immun", 20);
  REQUIRE(expected.values.size() == 2);
  CHECK(body["values"][0]["value"] == expected.values[0].value);
  // Other filters apply; k cuts the list, matched counts them all.
  CHECK(body_of(f.get("/v1/facets/journal?facet_q=immun&q=fatigue&pem=required"))["values"] ==
        json::parse(R"([{"value": "Frontiers in Immunology", "count": 1, "key": "frontiers in immunology", "selected": false}])"));
  const json cut = body_of(f.get("/v1/facets/journal?k=1"));
  CHECK(cut["values"].size() == 1);
  CHECK(cut["matched"] == 4);
  CHECK(body_of(f.get("/v1/facets/pem?q=fatigue"))["values"] ==
        json::parse(R"([{"value": "not_required", "count": 1, "key": "not required", "selected": false}, {"value": "required", "count": 1, "key": "required", "selected": false}, {"value": "unclear", "count": 1, "key": "unclear", "selected": false}])"));
  CHECK(body_of(f.get("/v1/facets/year?facet_q=unk"))["values"] == json::parse(R"([{"value": "unknown", "count": 2, "key": "unknown", "selected": false}])"));
}

TEST_CASE("GET /v1/facets/{group}: unknown group, bad k or bad search parameters are 400 naming them") {
  Fixture f;
  const json unknown = body_of(f.get("/v1/facets/colour"), 400);
  CHECK(unknown["error"]["kind"] == "invalid_query");
  CHECK(unknown["error"]["message"].get<std::string>().find("colour") != std::string::npos);
  CHECK(body_of(f.get("/v1/facets/journal?k=1001"), 400)["error"]["message"].get<std::string>().find("'k'") != std::string::npos);
  CHECK(body_of(f.get("/v1/facets/journal?pem=maybe"), 400)["error"]["message"].get<std::string>().find("pem") != std::string::npos);
  CHECK(body_of(f.get("/v1/facets/journal?year_from=2020&year_to=2010"), 400)["error"]["kind"] == "invalid_query");
}

TEST_CASE("GET /v1/studies/{id}/highlight marks the query's words in the whole texts, escaped; null when absent") {
  Fixture f;
  const json body = body_of(f.get("/v1/studies/n3/highlight?q=fatigue"));
  CHECK(body["id"] == "n3");
  CHECK(body["query"] == "fatigue");
  CHECK(body["title"] == "Sleep and <mark>fatigue</mark>");
  CHECK(body["relevance"] == "Sleep matters &lt;b&gt;a lot&lt;/b&gt; for <mark>fatigue</mark>.");
  CHECK(body["limitations"] == "Small natural sample.");
  // The response escapes '<' as \u003c: markup never travels verbatim.
  const auto raw = f.get("/v1/studies/n3/highlight?q=fatigue");
  CHECK(raw->body.find("<mark>") == std::string::npos);
  // prefix=1 marks the completions of the last word too.
  CHECK(body_of(f.get("/v1/studies/n3/highlight?q=natu&prefix=1"))["limitations"] == "Small <mark>natural</mark> sample.");
  CHECK(body_of(f.get("/v1/studies/n3/highlight?q=natu"))["limitations"] == "Small natural sample.");
  const json none = body_of(f.get("/v1/studies/n5/highlight?q=fatigue"));
  CHECK(none["relevance"].is_null());
  CHECK(none["limitations"].is_null());
  const json missing = body_of(f.get("/v1/studies/nope/highlight?q=x"), 404);
  CHECK(missing["error"]["kind"] == "not_found");
}

TEST_CASE("/study/{id} serves the page with its security policy; other paths under /study do not") {
  Fixture f;
  const auto page = f.get("/study/n1");
  REQUIRE(page);
  CHECK(page->status == 200);
  CHECK(page->get_header_value("Content-Type") == "text/html; charset=utf-8");
  CHECK(page->get_header_value("Content-Security-Policy").find("script-src 'self'") != std::string::npos);
  CHECK(page->body.find("<script src=\"/app.js\"") != std::string::npos);
  CHECK(page->body == f.get("/")->body);
  CHECK(f.get("/study/any-id-at-all?q=x")->status == 200);  // the page itself says when there is no such study
  CHECK(f.get("/study")->status == 404);
  CHECK(f.get("/study/n1/extra")->status == 404);
}
