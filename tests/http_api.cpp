// The HTTP API, end to end: a Server on port 0 over a small index built in a
// temporary folder, exercised with httplib::Client.
#include <httplib.h>

#include <catch2/catch.hpp>
#include <algorithm>
#include <mutex>
#include <thread>
#include <zlib.h>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include "json_io.hpp"
#include "server.hpp"
#include "studysearch/index_writer.hpp"
#include "studysearch/shards.hpp"
#include "studysearch/studysearch.hpp"
#include "test_support.hpp"

using nlohmann::json;
using studysearch::Pem;
using studysearch::Study;

namespace {

const std::string kToken = "s3cret-token";
const std::string kScriptTitle = "Fatigue and <script>alert('x')</script> exertion";

Study study(std::string id, std::string title, std::string journal, int year, Pem pem, std::string summary) {
  Study s;
  s.id = std::move(id);
  s.title = std::move(title);
  s.authors = {"Ada Lovelace", "Alan Turing"};
  s.journal = std::move(journal);
  s.year = year;
  s.pem = pem;
  s.summary = std::move(summary);
  return s;
}

std::vector<Study> corpus() {
  std::vector<Study> studies = {
      study("smith-2019-exercise-fatigue", "Exercise and fatigue in ME/CFS", "Journal of Translational Medicine", 2019,
            Pem::required, "Two-day CPET showed reduced workload and more fatigue on the second day."),
      study("jones-2020-sleep-fatigue", "Sleep quality and fatigue", "Fatigue: Biomedicine, Health & Behavior", 2020,
            Pem::not_required, "Unrefreshing sleep and fatigue were common in the cohort."),
      study("lee-2021-nk-cells", "Natural killer cell function", "Frontiers in Immunology", 2021, Pem::required,
            "NK cell cytotoxicity was lower in patients with post-exertional malaise and fatigue."),
      study("kim-2018-orthostatic", "Orthostatic intolerance", "Frontiers in Immunology", 2018, Pem::unclear,
            "Heart rate during a tilt test; orthostatic intolerance was frequent."),
      study("doe-2022-script", kScriptTitle, "Journal of Translational Medicine", 2022, Pem::not_required,
            "A title with markup <b>bold</b> & fatigue after exertion."),
  };
  studies[0].criteria = {"CCC 2003", "ICC 2011"};  // multi-valued: counts under both
  studies[1].criteria = {"Fukuda 1994"};
  studies[2].criteria = {"ICC 2011"};
  return studies;
}

std::string jsonl(const Study& s) { return studysearch::to_json(s) + "\n"; }

// A running server over a fresh index; `token` empty = writes disabled.
struct Fixture {
  studysearch::test::TempDir dir;
  std::string db = dir.file("index");
  std::mutex log_mutex;
  std::vector<std::string> log;
  std::unique_ptr<studysearch::app::Server> server;
  std::unique_ptr<httplib::Client> client;

  explicit Fixture(std::string token = kToken, std::size_t max_body = 64 * 1024) {
    studysearch::test::build_index(db, corpus());
    studysearch::app::ServerOptions options;
    options.port = 0;
    options.threads = 4;
    options.token = std::move(token);
    options.max_body = max_body;
    options.access_log = [this](const std::string& line) {
      const std::lock_guard lock(log_mutex);
      log.push_back(line);
    };
    server = std::make_unique<studysearch::app::Server>(db, options);
    server->start();
    client = std::make_unique<httplib::Client>("127.0.0.1", server->port());
    client->set_read_timeout(10, 0);
  }

  studysearch::SearchEngine engine() const { return studysearch::SearchEngine::open(db); }

  httplib::Result get(const std::string& path) { return client->Get(path.c_str()); }
  httplib::Result post(const std::string& body, const std::string& token) {
    httplib::Headers headers;
    if (!token.empty()) headers.emplace("Authorization", "Bearer " + token);
    return client->Post("/v1/studies", headers, body, "application/x-ndjson");
  }
  httplib::Result remove(const std::string& id, const std::string& token) {
    httplib::Headers headers;
    if (!token.empty()) headers.emplace("Authorization", "Bearer " + token);
    return client->Delete(("/v1/studies/" + id).c_str(), headers);
  }
};

json body_of(const httplib::Result& res) {
  REQUIRE(res);
  INFO(res->body);
  REQUIRE(res->get_header_value("Content-Type") == "application/json; charset=utf-8");
  return json::parse(res->body);
}

// An error response: status, kind, and the message (which must name the culprit).
std::string expect_error(const httplib::Result& res, int status, const std::string& kind) {
  REQUIRE(res);
  INFO(res->body);
  CHECK(res->status == status);
  const json body = body_of(res);
  CHECK(body["error"]["kind"] == kind);
  return body["error"]["message"].get<std::string>();
}

json without_timing(json j) {
  j.erase("took_ms");
  return j;
}

}  // namespace

TEST_CASE("GET /v1/search answers exactly what the library answers, as the CLI prints it") {
  Fixture f;
  studysearch::SearchRequest request;
  request.text = "fatigue";
  const json expected = studysearch::app::to_json(request, f.engine().search(request));
  const auto res = f.get("/v1/search?q=fatigue");
  REQUIRE(res->status == 200);
  const json got = body_of(res);
  CHECK(without_timing(got) == without_timing(expected));
  CHECK(got["total"] == 4);
  CHECK(got.contains("took_ms"));
  for (const char* key : {"query", "total", "offset", "limit", "did_you_mean", "hits", "facets"}) CHECK(got.contains(key));
}

TEST_CASE("an empty query browses everything and honours sort, offset and limit") {
  Fixture f;
  const json all = body_of(f.get("/v1/search?sort=newest&limit=2&offset=1"));
  CHECK(all["total"] == 5);
  REQUIRE(all["hits"].size() == 2);
  CHECK(all["hits"][0]["year"] == 2021);
  CHECK(all["hits"][1]["year"] == 2020);
  CHECK(all["offset"] == 1);
}

TEST_CASE("pem=required filters and keeps disjunctive pem counts") {
  Fixture f;
  studysearch::SearchRequest request;
  request.text = "fatigue";
  request.filters["pem"] = {"required"};
  const auto expected = f.engine().search(request);
  const json got = body_of(f.get("/v1/search?q=fatigue&pem=required"));
  CHECK(got["total"] == expected.total);
  CHECK(got["total"] == 2);
  for (const auto& hit : got["hits"]) CHECK(hit["pem"] == "required");
  CHECK(got["facets"]["pem"][1] == json{{"value", "not_required"}, {"count", 2}, {"key", "not required"}, {"selected", false}});
}

TEST_CASE("criteria is repeatable (OR) with exact disjunctive facets, as the engine gives them") {
  Fixture f;
  studysearch::SearchRequest request;
  request.text = "fatigue";
  request.filters["criteria"] = {"ICC 2011", "Fukuda 1994"};
  const auto expected = f.engine().search(request);
  const json got = body_of(f.get("/v1/search?q=fatigue&criteria=ICC%202011&criteria=Fukuda%201994"));
  CHECK(got["total"] == expected.total);
  CHECK(got["total"] == 3);
  CHECK(got["facets"]["criteria"] == json::parse(R"([{"value": "ICC 2011", "count": 2, "key": "icc 2011", "selected": true},
      {"value": "CCC 2003", "count": 1, "key": "ccc 2003", "selected": false}, {"value": "Fukuda 1994", "count": 1, "key": "fukuda 1994", "selected": true}])"));
  for (const auto& hit : got["hits"]) CHECK(!hit["criteria"].empty());
  const json one = body_of(f.get("/v1/search?q=fatigue&criteria=CCC%202003&pem=required"));
  CHECK(one["total"] == 1);
  REQUIRE(one["hits"].size() == 1);
  CHECK(one["hits"][0]["criteria"] == json::parse(R"(["CCC 2003", "ICC 2011"])"));
  CHECK_THAT(expect_error(f.get("/v1/search?criteria=Canadian"), 400, "invalid_query"), Catch::Contains("'criteria'"));
}

TEST_CASE("journal is repeatable: values are ORed, matching ignores case and punctuation") {
  Fixture f;
  const json one = body_of(f.get("/v1/search?journal=Frontiers+in+Immunology"));
  const json two = body_of(f.get("/v1/search?journal=frontiers%20in%20immunology&journal=Journal+of+Translational+Medicine"));
  CHECK(one["total"] == 2);
  CHECK(two["total"] == 4);
  const json years = body_of(f.get("/v1/search?year_from=2019&year_to=2020&pem=required&pem=not_required"));
  CHECK(years["total"] == 2);
}

TEST_CASE("bad parameter values are 400 with a message naming the parameter") {
  Fixture f;
  const std::vector<std::pair<std::string, std::string>> cases = {
      {"/v1/search?limit=-1", "limit"},      {"/v1/search?limit=abc", "limit"},
      {"/v1/search?offset=1.5", "offset"},   {"/v1/search?pem=maybe", "pem"},
      {"/v1/search?year_from=abc", "year_from"}, {"/v1/search?year_to=20x", "year_to"},
      {"/v1/search?sort=x", "sort"},         {"/v1/search?facets=maybe", "facets"},
      {"/v1/complete?q=fa&k=-3", "k"},
  };
  for (const auto& [path, parameter] : cases) {
    INFO(path);
    const std::string message = expect_error(f.get(path), 400, "invalid_query");
    CHECK_THAT(message, Catch::Contains("'" + parameter + "'"));
  }
  CHECK_THAT(expect_error(f.get("/v1/search?limit=5000"), 400, "limit_exceeded"), Catch::Contains("limit"));
  CHECK_THAT(expect_error(f.get("/v1/search?offset=9995&limit=10"), 400, "limit_exceeded"), Catch::Contains("offset"));
  CHECK_THAT(expect_error(f.get("/v1/search?year_from=2021&year_to=2019"), 400, "invalid_query"),
             Catch::Contains("year_from"));
}

TEST_CASE("filter values follow the record rules, as in the CLI: evidence E0..E3, years 1800..2100") {
  Fixture f;
  const std::vector<std::pair<std::string, std::vector<std::string>>> cases = {
      {"/v1/search?evidence=E9", {"evidence", "'E9'"}},
      {"/v1/search?evidence=E1&evidence=e2", {"evidence", "'e2'"}},
      {"/v1/search?year_from=-5", {"year_from", "-5"}},
      {"/v1/search?year_to=99999", {"year_to", "99999"}},
  };
  for (const auto& [path, words] : cases) {
    INFO(path);
    const std::string message = expect_error(f.get(path), 400, "invalid_query");
    for (const auto& word : words) CHECK_THAT(message, Catch::Contains(word));
  }
  const auto ok = f.get("/v1/search?evidence=E0&evidence=E3&year_from=1800&year_to=2100");
  REQUIRE(ok);
  CHECK(ok->status == 200);
}

TEST_CASE("a write while another writer holds the index is 503 busy with Retry-After, and writes nothing") {
  Fixture f;
  const std::size_t before = f.engine().info().documents;
  {
    auto holder = studysearch::IndexWriter::open(f.db);
    const auto res = f.post(jsonl(studysearch::test::make_study("held-1", "Held", "Written while locked.")), kToken);
    CHECK_THAT(expect_error(res, 503, "busy"), Catch::Contains("locked"));
    CHECK(res->get_header_value("Retry-After") == "1");
    const auto del = f.remove("held-1", kToken);
    REQUIRE(del);
    CHECK(del->status != 200);
  }
  CHECK(f.engine().info().documents == before);
  const auto after = f.post(jsonl(studysearch::test::make_study("held-1", "Held", "Written once free.")), kToken);
  REQUIRE(after);
  CHECK(after->status == 200);
}

TEST_CASE("unknown query parameters are ignored") {
  Fixture f;
  const auto res = f.get("/v1/search?q=fatigue&colour=blue&utm_source=x");
  REQUIRE(res->status == 200);
  CHECK(body_of(res)["total"] == 4);
}

TEST_CASE("invalid UTF-8 in a parameter still gets valid JSON, never a 500") {
  Fixture f;
  const auto res = f.get("/v1/search?q=fatigue%FF%FE");
  REQUIRE(res);
  CHECK(res->status == 200);
  CHECK_NOTHROW(json::parse(res->body));
  const auto bad = f.get("/v1/search?sort=%FF");
  CHECK(bad->status == 400);
  CHECK_NOTHROW(json::parse(bad->body));
}

TEST_CASE("GET /v1/studies/{id} returns the stored record; an unknown id is 404") {
  Fixture f;
  const auto res = f.get("/v1/studies/lee-2021-nk-cells");
  REQUIRE(res->status == 200);
  CHECK(body_of(res) == studysearch::app::study_json(corpus()[2]));
  CHECK_THAT(expect_error(f.get("/v1/studies/no-such-study"), 404, "not_found"), Catch::Contains("no-such-study"));
  expect_error(f.get("/v1/studies/no-such-study/similar"), 404, "not_found");
}

TEST_CASE("similar, complete, info and healthz answer JSON") {
  Fixture f;
  const json similar = body_of(f.get("/v1/studies/smith-2019-exercise-fatigue/similar?k=2"));
  CHECK(similar["id"] == "smith-2019-exercise-fatigue");
  CHECK(similar["hits"].size() <= 2);
  for (const auto& hit : similar["hits"]) CHECK(hit["id"] != "smith-2019-exercise-fatigue");
  const json complete = body_of(f.get("/v1/complete?q=fati&k=3"));
  CHECK(complete["completions"] == json::array({"fatigue"}));
  const json info = body_of(f.get("/v1/info"));
  CHECK(info["documents"] == 5);
  const auto health = f.get("/healthz");
  CHECK(health->status == 200);
  CHECK(body_of(health)["status"] == "ok");
}

TEST_CASE("writes need the bearer token: none or a wrong one is 401") {
  Fixture f;
  const Study extra = study("new-2023-study", "A new study", "New Journal", 2023, Pem::required, "Brand new zebrafish summary.");
  const auto none = f.post(jsonl(extra), "");
  expect_error(none, 401, "unauthorized");
  CHECK(none->get_header_value("WWW-Authenticate") == "Bearer");
  expect_error(f.post(jsonl(extra), "s3cret-tokeN"), 401, "unauthorized");
  expect_error(f.post(jsonl(extra), kToken + "x"), 401, "unauthorized");
  expect_error(f.remove("lee-2021-nk-cells", "wrong"), 401, "unauthorized");
  CHECK(f.engine().info().documents == 5);
}

TEST_CASE("a valid POST is indexed and found by the next search; DELETE removes a study") {
  Fixture f;
  const Study extra = study("new-2023-study", "A new study", "New Journal", 2023, Pem::required, "Brand new zebrafish summary.");
  const auto res = f.post(jsonl(extra), kToken);
  REQUIRE(res->status == 200);
  const json report = body_of(res);
  CHECK(report["added"] == 1);
  CHECK(report["replaced"] == 0);
  CHECK(body_of(f.get("/v1/search?q=zebrafish"))["total"] == 1);

  const auto deleted = f.remove("new-2023-study", kToken);
  REQUIRE(deleted->status == 200);
  CHECK(body_of(deleted)["deleted"] == 1);
  CHECK(body_of(f.get("/v1/search?q=zebrafish"))["total"] == 0);
  expect_error(f.get("/v1/studies/new-2023-study"), 404, "not_found");
  expect_error(f.remove("new-2023-study", kToken), 404, "not_found");
}

TEST_CASE("an invalid POST is 400 listing every issue, and nothing is written") {
  Fixture f;
  const Study good = study("good-2023-study", "Good", "J", 2023, Pem::required, "Valid zebrafish record.");
  const std::string body = jsonl(good) + "{\"id\": \"Bad Id\", \"summary\": \"x\"}\n" + "{\"id\": \"no-summary\"}\n" +
                           "{\"id\": \"typo\", \"summary\": \"x\", \"titel\": \"oops\"}\n";
  const auto res = f.post(body, kToken);
  const std::string message = expect_error(res, 400, "invalid_input");
  CHECK_THAT(message, Catch::Contains("<request>:2"));
  CHECK_THAT(message, Catch::Contains("<request>:3"));
  CHECK_THAT(message, Catch::Contains("<request>:4"));
  const json issues = body_of(res)["error"]["issues"];
  REQUIRE(issues.size() == 3);
  CHECK(issues[0]["line"] == 2);
  CHECK(issues[2]["field"] == "titel");
  CHECK(f.engine().info().documents == 5);
  CHECK(body_of(f.get("/v1/search?q=zebrafish"))["total"] == 0);

  expect_error(f.post("", kToken), 400, "invalid_input");
  expect_error(f.post(jsonl(good) + jsonl(good), kToken), 400, "invalid_input");  // same id twice
  CHECK(f.engine().info().documents == 5);
}

TEST_CASE("a body over the size limit is 413") {
  Fixture f(kToken, 4096);
  const Study big = study("big-2023-study", "Big", "J", 2023, Pem::required, std::string(8000, 'a'));
  CHECK_THAT(expect_error(f.post(jsonl(big), kToken), 413, "limit_exceeded"), Catch::Contains("4096"));
  CHECK(f.engine().info().documents == 5);
  CHECK(f.get("/healthz")->status == 200);  // the server is still fine
}

TEST_CASE("without a token writes are disabled: 403") {
  Fixture f("");
  const Study extra = study("new-2023-study", "A new study", "New Journal", 2023, Pem::required, "Summary.");
  CHECK_THAT(expect_error(f.post(jsonl(extra), kToken), 403, "forbidden"), Catch::Contains("--token-file"));
  expect_error(f.remove("lee-2021-nk-cells", kToken), 403, "forbidden");
  CHECK(f.engine().info().documents == 5);
}

TEST_CASE("every response carries the security headers; HTML also a CSP") {
  Fixture f;
  for (const char* path : {"/", "/app.js", "/style.css", "/v1/search?q=x", "/v1/studies/none", "/nope", "/v1/search?limit=x"}) {
    INFO(path);
    const auto res = f.get(path);
    REQUIRE(res);
    CHECK(res->get_header_value("X-Content-Type-Options") == "nosniff");
    CHECK(res->get_header_value("Referrer-Policy") == "no-referrer");
    CHECK(res->get_header_value("X-Frame-Options") == "DENY");
  }
  const auto page = f.get("/");
  REQUIRE(page->status == 200);
  CHECK(page->get_header_value("Content-Type") == "text/html; charset=utf-8");
  CHECK_THAT(page->get_header_value("Content-Security-Policy"), Catch::Contains("default-src 'self'"));
  CHECK_THAT(page->body, Catch::Contains("/app.js"));
  CHECK(f.get("/index.html")->body == page->body);
  CHECK(f.get("/app.js")->get_header_value("Content-Type") == "text/javascript; charset=utf-8");
}

TEST_CASE("static files come only from the embedded set: traversal is 404") {
  Fixture f;
  for (const char* path : {"/../etc/passwd", "/..%2f..%2fetc%2fpasswd", "/%2e%2e/etc/passwd", "/.hidden", "/web/app.js",
                           "/CMakeLists.txt", "/v1/../../etc/passwd"}) {
    INFO(path);
    const auto res = f.get(path);
    REQUIRE(res);
    CHECK(res->status == 404);
    CHECK(res->body.find("root:") == std::string::npos);
  }
}

TEST_CASE("markup from the index never appears unescaped in any response") {
  Fixture f;
  for (const char* path : {"/v1/search?q=script", "/v1/search?q=exertion&snippets=1", "/v1/search?q=bold",
                           "/v1/studies/doe-2022-script", "/v1/studies/smith-2019-exercise-fatigue/similar?k=10",
                           "/v1/complete?q=scr", "/v1/search?q=%3Cscript%3E", "/v1/studies/%3Cscript%3E", "/%3Cscript%3E"}) {
    INFO(path);
    const auto res = f.get(path);
    REQUIRE(res);
    CHECK(res->body.find("<script") == std::string::npos);
    CHECK(res->body.find("<b>") == std::string::npos);
  }
  // The escaping is of the wire form only: the value is exact.
  CHECK(body_of(f.get("/v1/studies/doe-2022-script"))["title"] == kScriptTitle);
  const json hits = body_of(f.get("/v1/search?q=script"))["hits"];
  REQUIRE(hits.size() == 1);
  CHECK(hits[0]["title"] == kScriptTitle);
  CHECK_THAT(hits[0]["snippet"].get<std::string>(), !Catch::Contains("<script"));
  // The engine's snippet spans become escaped HTML with <mark> here, in app/.
  const json bold = body_of(f.get("/v1/search?q=bold"))["hits"];
  REQUIRE(bold.size() == 1);
  CHECK_THAT(bold[0]["snippet"].get<std::string>(), Catch::Contains("&lt;b&gt;<mark>bold</mark>&lt;/b&gt;"));
}

TEST_CASE("many concurrent searches share one engine while a write commits") {
  Fixture f;
  std::atomic<int> failures{0};
  std::vector<std::thread> readers;
  for (int t = 0; t < 6; ++t) {
    readers.emplace_back([&, port = f.server->port()] {
      httplib::Client c("127.0.0.1", port);
      for (int i = 0; i < 25; ++i) {
        const auto res = c.Get("/v1/search?q=fatigue&pem=required");
        if (!res || res->status != 200 || json::parse(res->body)["total"] != 2) ++failures;
      }
    });
  }
  const Study extra = study("new-2023-study", "A new study", "New Journal", 2023, Pem::not_required, "Zebrafish.");
  CHECK(f.post(jsonl(extra), kToken)->status == 200);
  for (auto& t : readers) t.join();
  CHECK(failures == 0);
  CHECK(body_of(f.get("/v1/search?q=zebrafish"))["total"] == 1);
}

TEST_CASE("every request gets one access log line: method, target, status, milliseconds") {
  Fixture f;
  f.get("/v1/search?q=fatigue&pem=required");
  f.get("/v1/studies/none");
  f.server->stop();
  const std::lock_guard lock(f.log_mutex);
  REQUIRE(f.log.size() == 2);
  // A line is written once its response is sent, by the thread that served
  // it: two requests may log in either order.
  std::vector<std::string> lines = f.log;
  std::sort(lines.begin(), lines.end());
  CHECK_THAT(lines[0], Catch::Matches(R"(GET /v1/search\?q=fatigue&pem=required 200 \d+\.\d ms)"));
  CHECK_THAT(lines[1], Catch::Matches(R"(GET /v1/studies/none 404 \d+\.\d ms)"));
}

TEST_CASE("stop() ends serving; a second stop() is harmless") {
  Fixture f;
  REQUIRE(f.get("/healthz")->status == 200);
  f.server->stop();
  f.server->stop();
  httplib::Client c("127.0.0.1", f.server->port());
  c.set_connection_timeout(1, 0);
  CHECK_FALSE(c.Get("/healthz"));
}

TEST_CASE("the token file: first line, trimmed; an empty file is an error") {
  studysearch::test::TempDir dir;
  const auto write = [&](const std::string& name, const std::string& text) {
    studysearch::test::write_text_file(dir.file(name), text);
    return dir.file(name);
  };
  CHECK(studysearch::app::read_token_file(write("a", "  abc123 \nsecond line\n")) == "abc123");
  CHECK_THROWS_AS(studysearch::app::read_token_file(write("b", "")), studysearch::Error);
  CHECK_THROWS_AS(studysearch::app::read_token_file(write("c", "   \n")), studysearch::Error);
  CHECK_THROWS_AS(studysearch::app::read_token_file(dir.file("missing")), studysearch::Error);
  CHECK(studysearch::app::token_matches("abc", "abc"));
  CHECK_FALSE(studysearch::app::token_matches("abc", "abcd"));
  CHECK_FALSE(studysearch::app::token_matches("abc", "ab"));
  CHECK_FALSE(studysearch::app::token_matches("abc", ""));
}

// ---- issue 12: the HTTP layer under hostile clients (limits, methods, ranges, caching) ----

namespace {

std::string gunzip(const std::string& data) {
  z_stream stream{};
  REQUIRE(inflateInit2(&stream, 15 + 16) == Z_OK);
  std::string out(data.size() * 20 + 1024, '\0');
  stream.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(data.data()));
  stream.avail_in = static_cast<uInt>(data.size());
  stream.next_out = reinterpret_cast<Bytef*>(out.data());
  stream.avail_out = static_cast<uInt>(out.size());
  const int result = inflate(&stream, Z_FINISH);
  out.resize(stream.total_out);
  inflateEnd(&stream);
  REQUIRE(result == Z_STREAM_END);
  return out;
}

}  // namespace

TEST_CASE("a wrong method is 405 with Allow listing the route's methods; an unknown path stays 404") {
  Fixture f;
  const auto post = f.client->Post("/v1/search", "q=fatigue", "text/plain");
  expect_error(post, 405, "invalid_input");
  CHECK(post->get_header_value("Allow") == "GET, HEAD");
  const auto put = f.client->Put("/v1/studies/lee-2021-nk-cells", "{}", "application/json");
  expect_error(put, 405, "invalid_input");
  CHECK(put->get_header_value("Allow") == "GET, HEAD, DELETE");
  const auto get_collection = f.get("/v1/studies");
  expect_error(get_collection, 405, "invalid_input");
  CHECK(get_collection->get_header_value("Allow") == "POST");
  expect_error(f.client->Post("/v1/no/such/route", "x", "text/plain"), 404, "not_found");
  CHECK(f.engine().info().documents == 5);
}

TEST_CASE("HEAD answers like GET without a body") {
  Fixture f;
  const auto head = f.client->Head("/app.js");
  REQUIRE(head);
  CHECK(head->status == 200);
  CHECK(head->body.empty());
  CHECK(head->get_header_value("Content-Length") == std::to_string(f.get("/app.js")->body.size()));
}

TEST_CASE("an over-long URL is 414, over-large or too many headers 431, and the server goes on") {
  Fixture f;
  CHECK_THAT(expect_error(f.get("/v1/search?q=" + std::string(9000, 'a')), 414, "limit_exceeded"), Catch::Contains("8192"));
  expect_error(f.get("/v1/search?q=" + std::string(20000, 'a')), 414, "limit_exceeded");  // past the header limit too
  httplib::Headers big{{"X-Padding", std::string(20000, 'a')}};
  CHECK_THAT(expect_error(f.client->Get("/healthz", big), 431, "limit_exceeded"), Catch::Contains("16384"));
  httplib::Headers many;
  for (int i = 0; i < 150; ++i) many.emplace("X-H" + std::to_string(i), "1");
  CHECK_THAT(expect_error(f.client->Get("/healthz", many), 431, "limit_exceeded"), Catch::Contains("100"));
  CHECK(f.get("/healthz")->status == 200);
}

TEST_CASE("Range is ignored on the API; a static file honours one range and ignores several") {
  Fixture f;
  const auto full = f.get("/v1/search?q=fatigue");
  const auto ranged = f.client->Get("/v1/search?q=fatigue", httplib::Headers{{"Range", "bytes=0-10"}});
  REQUIRE(ranged);
  CHECK(ranged->status == 200);
  CHECK(without_timing(body_of(ranged)) == without_timing(body_of(full)));

  const std::string script = f.get("/app.js")->body;
  REQUIRE(script.size() > 100);
  const auto one = f.client->Get("/app.js", httplib::Headers{{"Range", "bytes=10-19"}});
  REQUIRE(one);
  CHECK(one->status == 206);
  CHECK(one->body == script.substr(10, 10));
  CHECK(one->get_header_value("Content-Range") == "bytes 10-19/" + std::to_string(script.size()));
  std::string many = "bytes=0-";
  for (int i = 0; i < 1500; ++i) many += ",0-";
  const auto amplified = f.client->Get("/app.js", httplib::Headers{{"Range", many}});
  REQUIRE(amplified);
  CHECK(amplified->status == 200);
  CHECK(amplified->body == script);
  const auto past_end = f.client->Get("/app.js", httplib::Headers{{"Range", "bytes=99999999-"}});
  REQUIRE(past_end);
  CHECK(past_end->status == 416);
}

TEST_CASE("static files carry an ETag; If-None-Match with it is 304 without a body") {
  Fixture f;
  const auto first = f.get("/app.js");
  const std::string tag = first->get_header_value("ETag");
  REQUIRE(tag.size() > 2);
  CHECK(tag.front() == '"');
  CHECK(f.get("/style.css")->get_header_value("ETag") != tag);
  const auto again = f.client->Get("/app.js", httplib::Headers{{"If-None-Match", tag}});
  REQUIRE(again);
  CHECK(again->status == 304);
  CHECK(again->body.empty());
  CHECK(f.client->Get("/app.js", httplib::Headers{{"If-None-Match", "\"other\""}})->status == 200);
}

TEST_CASE("JSON is gzipped when the client accepts gzip, and only then") {
  Fixture f;
  f.client->set_decompress(false);
  const auto plain = f.client->Get("/v1/search?q=fatigue", httplib::Headers{{"Accept-Encoding", "identity"}});
  REQUIRE(plain);
  CHECK(plain->get_header_value("Content-Encoding").empty());
  CHECK(plain->get_header_value("Vary") == "Accept-Encoding");
  const auto packed = f.client->Get("/v1/search?q=fatigue", httplib::Headers{{"Accept-Encoding", "gzip, br"}});
  REQUIRE(packed);
  CHECK(packed->status == 200);
  CHECK(packed->get_header_value("Content-Encoding") == "gzip");
  CHECK(packed->body.size() < plain->body.size());
  CHECK(without_timing(json::parse(gunzip(packed->body))) == without_timing(json::parse(plain->body)));
  const auto refused = f.client->Get("/v1/search?q=fatigue", httplib::Headers{{"Accept-Encoding", "gzip;q=0"}});
  CHECK(refused->get_header_value("Content-Encoding").empty());
}

TEST_CASE("a JSON Lines body is taken whatever its Content-Type, beyond 8 KB too") {
  Fixture f;
  std::string body;
  for (int i = 0; i < 40; ++i)
    body += jsonl(study("form-" + std::to_string(i), "Form encoded", "J", 2023, Pem::required, std::string(300, 'w') + " quokka"));
  REQUIRE(body.size() > 8192);
  const auto res = f.client->Post("/v1/studies", httplib::Headers{{"Authorization", "Bearer " + kToken}}, body,
                                  "application/x-www-form-urlencoded");
  REQUIRE(res);
  INFO(res->body);
  CHECK(res->status == 200);
  CHECK(body_of(res)["added"] == 40);
}

TEST_CASE("a port in use is an invalid_input error naming the address, not an internal one") {
  Fixture f;
  studysearch::app::ServerOptions options;
  options.port = f.server->port();
  studysearch::app::Server second(f.db, options);
  try {
    second.bind();
    FAIL("bind() on a busy port succeeded");
  } catch (const studysearch::Error& e) {
    CHECK(e.kind() == studysearch::ErrorKind::invalid_input);
    CHECK_THAT(e.what(), Catch::Contains("127.0.0.1:" + std::to_string(f.server->port())) && Catch::Contains("in use"));
  }
}

// ---- issue 11: what HTTP errors and info reveal ----

TEST_CASE("/v1/info does not reveal where the index is on disk") {
  Fixture f;
  const auto res = f.get("/v1/info");
  REQUIRE(res->status == 200);
  CHECK_FALSE(body_of(res).contains("path"));
  CHECK(res->body.find(f.dir.file("")) == std::string::npos);
  CHECK(body_of(res)["documents"] == 5);
}

TEST_CASE("an id twice in a POST body is 400 with an issues array, and no CLI flag in the message") {
  Fixture f;
  const Study good = study("twice-2023-study", "Twice", "J", 2023, Pem::required, "Twice zebrafish.");
  const auto res = f.post(jsonl(good) + jsonl(good), kToken);
  const std::string message = expect_error(res, 400, "invalid_input");
  CHECK_THAT(message, !Catch::Contains("--skip-invalid"));
  CHECK_THAT(message, Catch::Contains("twice-2023-study"));
  const json error = body_of(res)["error"];
  REQUIRE(error["issues"].size() == 1);
  CHECK(error["issues"][0]["line"] == 2);
  CHECK(error["issues"][0]["field"] == "id");
  CHECK_THAT(error["issues"][0]["reason"].get<std::string>(), Catch::Contains("line 1"));
  CHECK(error["more_issues"] == 0);
  CHECK(f.engine().info().documents == 5);
}

TEST_CASE("the issues of an invalid POST are capped at 100, with a count of the rest") {
  Fixture f;
  std::string body;
  for (int i = 0; i < 150; ++i) body += "{\"id\": \"Bad Id " + std::to_string(i) + "\", \"summary\": \"x\"}\n";
  const auto res = f.post(body, kToken);
  expect_error(res, 400, "invalid_input");
  const json error = body_of(res)["error"];
  CHECK(error["issues"].size() == 100);
  CHECK(error["more_issues"] == 50);
  CHECK(error["issues"][99]["line"] == 100);
}

TEST_CASE("an id with a NUL byte is quoted in the 404 message, not cut at the NUL") {
  Fixture f;
  CHECK(expect_error(f.get("/v1/studies/%00"), 404, "not_found") == "no study with id \"\\u0000\"");
  CHECK(expect_error(f.get("/v1/studies/a%00b/similar"), 404, "not_found") == "no study with id \"a\\u0000b\"");
  CHECK_THAT(expect_error(f.remove("x%00y", kToken), 404, "not_found"), Catch::Contains("\"x\\u0000y\""));
}

// ---- the wire itself: pipelining, Expect: 100-continue ----

namespace {

// A raw loopback connection, for what httplib::Client never sends.
class RawConnection {
 public:
  explicit RawConnection(int port) : fd_(::socket(AF_INET, SOCK_STREAM, 0)) {
    REQUIRE(fd_ >= 0);
    sockaddr_in address{};
    address.sin_family = AF_INET;
    address.sin_port = htons(static_cast<std::uint16_t>(port));
    address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    REQUIRE(::connect(fd_, reinterpret_cast<sockaddr*>(&address), sizeof address) == 0);
  }
  ~RawConnection() { ::close(fd_); }
  RawConnection(const RawConnection&) = delete;
  RawConnection& operator=(const RawConnection&) = delete;

  void send(const std::string& data) { REQUIRE(::send(fd_, data.data(), data.size(), MSG_NOSIGNAL) == static_cast<ssize_t>(data.size())); }

  // Everything received until `count` occurrences of `marker` are in, the peer
  // closes, or 5 s pass.
  std::string receive_until(const std::string& marker, std::size_t count = 1) {
    const auto end = std::chrono::steady_clock::now() + std::chrono::seconds(5);
    while (occurrences(marker) < count && std::chrono::steady_clock::now() < end) {
      pollfd ready{fd_, POLLIN, 0};
      if (::poll(&ready, 1, 100) <= 0) continue;
      char buffer[4096];
      const ssize_t n = ::recv(fd_, buffer, sizeof buffer, 0);
      if (n <= 0) break;
      received_.append(buffer, static_cast<std::size_t>(n));
    }
    return received_;
  }

 private:
  std::size_t occurrences(const std::string& marker) const {
    std::size_t found = 0;
    for (auto at = received_.find(marker); at != std::string::npos; at = received_.find(marker, at + 1)) ++found;
    return found;
  }
  int fd_;
  std::string received_;
};

}  // namespace

TEST_CASE("pipelined requests on one connection are all answered, in order") {
  Fixture f;
  RawConnection c(f.server->port());
  c.send("GET /healthz HTTP/1.1\r\nHost: x\r\n\r\nGET /v1/studies/none HTTP/1.1\r\nHost: x\r\n\r\n");
  const std::string got = c.receive_until("HTTP/1.1 ", 2);
  const auto first = got.find("HTTP/1.1 200"), second = got.find("HTTP/1.1 404");
  REQUIRE(first != std::string::npos);
  REQUIRE(second != std::string::npos);
  CHECK(first < second);
}

TEST_CASE("a write with Expect: 100-continue gets 100 Continue, then its answer; without the token no body is asked for") {
  Fixture f;
  const std::string line = jsonl(study("expect-2023-study", "Expect", "J", 2023, Pem::required, "Continue zebrafish."));
  {
    RawConnection c(f.server->port());
    c.send("POST /v1/studies HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer " + kToken + "\r\nContent-Length: " +
           std::to_string(line.size()) + "\r\nExpect: 100-continue\r\n\r\n");
    CHECK_THAT(c.receive_until("\r\n\r\n"), Catch::StartsWith("HTTP/1.1 100 Continue"));
    c.send(line);
    CHECK_THAT(c.receive_until("\"added\":1"), Catch::Contains("HTTP/1.1 200") && Catch::Contains("\"added\":1"));
  }
  RawConnection c(f.server->port());
  c.send("POST /v1/studies HTTP/1.1\r\nHost: x\r\nContent-Length: 100\r\nExpect: 100-continue\r\n\r\n");
  CHECK_THAT(c.receive_until("\r\n\r\n"), Catch::StartsWith("HTTP/1.1 401"));
  CHECK(body_of(f.get("/v1/search?q=zebrafish"))["total"] == 1);
}

TEST_CASE("a shard set with a shard down: 503 shard_unavailable naming it, or allow_partial=true answers from the rest") {
  Fixture f;  // its index is the live shard
  const std::string stub = f.dir.file("set.stub");
  studysearch::test::write_text_file(stub, "auto index\nremote 127.0.0.1:1\n");  // nothing listens on port 1
  studysearch::app::ServerOptions options;
  options.port = 0;
  options.threads = 2;
  studysearch::app::Server server(stub, options);
  server.start();
  httplib::Client client("127.0.0.1", server.port());
  client.set_read_timeout(10, 0);
  const std::string message = expect_error(client.Get("/v1/search?q=fatigue"), 503, "shard_unavailable");
  CHECK(message.find("shard 1 (remote 127.0.0.1:1)") != std::string::npos);
  const json body = body_of(client.Get("/v1/search?q=fatigue&allow_partial=true"));
  CHECK(body["partial"] == true);
  REQUIRE(body["missing_shards"].size() == 1);
  CHECK(body["missing_shards"][0] == "shard 1 (remote 127.0.0.1:1)");
  studysearch::SearchRequest r;
  r.text = "fatigue";
  CHECK(body["total"] == f.engine().search(r).total);
  CHECK_FALSE(body_of(f.get("/v1/search?q=fatigue")).contains("partial"));  // one index: never partial
}

TEST_CASE("a server on a shard set routes POST and DELETE to one shard, the owner") {
  Fixture f;
  studysearch::split_index(f.db, 2, f.dir.file("set"));
  const std::string stub = f.dir.file("set") + "/shards.stub";
  studysearch::app::ServerOptions options;
  options.port = 0;
  options.threads = 2;
  options.token = kToken;
  studysearch::app::Server server(stub, options);
  server.start();
  httplib::Client client("127.0.0.1", server.port());
  client.set_read_timeout(10, 0);
  const httplib::Headers auth{{"Authorization", "Bearer " + kToken}};
  const auto study = studysearch::test::make_study("routed-1", "Routed study", "Written through the shard set.");
  const auto posted = client.Post("/v1/studies", auth, jsonl(study), "application/x-ndjson");
  REQUIRE(posted);
  INFO(posted->body);
  REQUIRE(posted->status == 200);
  const auto on_shard = [&](std::size_t k) {
    return studysearch::SearchEngine::open(f.dir.file("set") + "/shard_" + std::to_string(k)).find_study("routed-1");
  };
  CHECK(on_shard(0).has_value() != on_shard(1).has_value());  // on one shard (its owner: tests/shards_write.cpp)
  CHECK(body_of(client.Get("/v1/search?q=routed"))["total"] == 1);
  const auto removed = client.Delete("/v1/studies/routed-1", auth);
  REQUIRE(removed);
  CHECK(removed->status == 200);
  CHECK_FALSE(on_shard(0).has_value());
  CHECK_FALSE(on_shard(1).has_value());
  expect_error(client.Delete("/v1/studies/routed-1", auth), 404, "not_found");
}
