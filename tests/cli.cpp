// Specification of the studysearch command line, run as a separate process:
// exit codes, messages on stderr, all-or-nothing indexing, --skip-invalid,
// the JSON contract of search --json, --help everywhere, stdin input.
#include <catch2/catch.hpp>
#include <sys/wait.h>

#include <algorithm>
#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <nlohmann/json.hpp>
#include <set>
#include <sstream>
#include <string>
#include <vector>

#include "progress.hpp"
#include "studysearch/index_writer.hpp"
#include "studysearch/study.hpp"
#include "test_support.hpp"

using namespace studysearch;
using namespace studysearch::test;
using nlohmann::json;

namespace {

const std::string kProgram = std::string(STUDYSEARCH_BINARY_DIR) + "/app/studysearch";

// Single-quoted for /bin/sh.
std::string q(const std::string& arg) {
  std::string out = "'";
  for (char c : arg) out += c == '\'' ? std::string("'\\''") : std::string(1, c);
  return out + "'";
}

struct Run {
  int code = -1;
  std::string out, err;
  /// Every stderr line starts with the program prefix.
  bool err_lines_prefixed() const {
    std::istringstream lines(err);
    std::string line;
    bool any = false;
    while (std::getline(lines, line)) {
      any = true;
      if (line.rfind("studysearch: ", 0) != 0) return false;
    }
    return any;
  }
};

// Runs `studysearch <args>` (args already quoted) with stdout/stderr captured.
Run cli(const TempDir& dir, const std::string& args, const std::string& stdin_file = "/dev/null") {
  const std::string out = dir.file("stdout.txt"), err = dir.file("stderr.txt");
  const std::string command = q(kProgram) + " " + args + " <" + q(stdin_file) + " >" + q(out) + " 2>" + q(err);
  const int status = std::system(command.c_str());
  Run run;
  run.code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  run.out = read_text_file(out);
  run.err = read_text_file(err);
  return run;
}

Study sample(int n, const std::string& words) {
  Study s = make_study("study-" + std::to_string(n), "Study " + std::to_string(n) + " of " + words,
                       "A summary about " + words + ".");
  s.authors = {"Smith, J", "Ørsted, K"};
  s.journal = n % 2 ? "Journal of Translational Medicine" : "BMJ Open";
  if (n % 3) s.year = 2000 + n;
  s.pem = static_cast<Pem>(n % 3);
  s.evidence_level = "E" + std::to_string(n % 4);
  s.design = "cohort";
  s.criteria = n % 2 ? std::vector<std::string>{"CCC 2003", "ICC 2011"} : std::vector<std::string>{"Fukuda 1994"};
  return s;
}

std::string jsonl(const std::vector<Study>& studies) {
  std::string out;
  for (const auto& s : studies) out += to_json(s) + "\n";
  return out;
}

// A folder with an index "db" holding studies 1..3 (built through the CLI).
struct Indexed {
  TempDir dir;
  std::string db = dir.file("db");
  Indexed() {
    write_text_file(dir.file("first.jsonl"),
                    jsonl({sample(1, "fatigue and sleep"), sample(2, "orthostatic fatigue"), sample(3, "sleep")}));
    const Run run = cli(dir, "index --db " + q(db) + " " + q(dir.file("first.jsonl")));
    REQUIRE(run.code == 0);
  }
  std::size_t documents() const {
    const Run run = cli(dir, "info --json --db " + q(db));
    REQUIRE(run.code == 0);
    return json::parse(run.out).at("documents").get<std::size_t>();
  }
};

std::set<std::string> keys(const json& object) {
  std::set<std::string> out;
  for (const auto& [key, value] : object.items()) out.insert(key);
  return out;
}

}  // namespace

TEST_CASE("index, search, show and info succeed with exit code 0") {
  Indexed ix;
  CHECK(ix.documents() == 3);
  const Run search = cli(ix.dir, "search --db " + q(ix.db) + " fatigue");
  CHECK(search.code == 0);
  CHECK_THAT(search.out, Catch::Contains("2 studies"));
  const Run show = cli(ix.dir, "show --db " + q(ix.db) + " study-2");
  CHECK(show.code == 0);
  CHECK_THAT(show.out, Catch::Contains("orthostatic fatigue"));
  const Run info = cli(ix.dir, "info --db " + q(ix.db));
  CHECK(info.code == 0);
  CHECK_THAT(info.out, Catch::Contains("documents: 3"));
}

TEST_CASE("an unknown option, a malformed value or a value out of range is a usage error: exit 1") {
  Indexed ix;
  const std::string db = " --db " + q(ix.db);
  for (const std::string& args : {std::string("search") + db + " --bogus fatigue", "search" + db + " --limit abc",
                                 "search" + db + " --offset -3", "search" + db + " --limit 5000",
                                 "search" + db + " --sort sideways", "search" + db + " --pem maybe",
                                 "search" + db + " --year-from 2020 --year-to 2010", std::string("frobnicate"),
                                 std::string(""), std::string("search fatigue")}) {
    INFO("args: " << args);
    const Run run = cli(ix.dir, args);
    CHECK(run.code == 1);
    CHECK(run.err_lines_prefixed());
    CHECK(run.out.empty());
  }
}

TEST_CASE("invalid JSONL exits 2, names file:line and the field, and writes nothing") {
  Indexed ix;
  const std::string bad = ix.dir.file("bad.jsonl");
  write_text_file(bad, to_json(sample(7, "cortisol")) + "\n" +
                           R"({"id":"study-8","summary":"Cortisol.","year":"2019"})" + "\n" +
                           to_json(sample(1, "replaced cortisol")) + "\n" + R"({"id":"study-9","sumary":"x"})" + "\n");
  const Run run = cli(ix.dir, "index --db " + q(ix.db) + " " + q(bad));
  CHECK(run.code == 2);
  CHECK(run.err_lines_prefixed());
  CHECK_THAT(run.err, Catch::Contains(bad + ":2: year"));
  CHECK_THAT(run.err, Catch::Contains(bad + ":4: sumary"));
  // The index is exactly as before: same count, the valid records were not written.
  CHECK(ix.documents() == 3);
  CHECK(cli(ix.dir, "show --db " + q(ix.db) + " study-7").code == 1);
  const Run show = cli(ix.dir, "show --json --db " + q(ix.db) + " study-1");
  CHECK(json::parse(show.out).at("title") == "Study 1 of fatigue and sleep");

  const Run missing = cli(ix.dir, "index --db " + q(ix.db) + " " + q(ix.dir.file("missing.jsonl")));
  CHECK(missing.code == 2);
  CHECK_THAT(missing.err, Catch::Contains("missing.jsonl"));
  CHECK(ix.documents() == 3);
}

TEST_CASE("index --skip-invalid writes the valid records, lists each invalid one and exits 0") {
  Indexed ix;
  const std::string mixed = ix.dir.file("mixed.jsonl");
  write_text_file(mixed, to_json(sample(7, "cortisol")) + "\n" + R"({"id":"study-8","summary":""})" + "\n" +
                             to_json(sample(9, "cortisol")) + "\n");
  const Run run = cli(ix.dir, "index --skip-invalid --db " + q(ix.db) + " " + q(mixed));
  CHECK(run.code == 0);
  CHECK(run.err_lines_prefixed());
  CHECK_THAT(run.err, Catch::Contains(mixed + ":2: summary"));
  CHECK_THAT(run.err, Catch::Contains("skipped 1"));
  CHECK(ix.documents() == 5);
}

TEST_CASE("a missing index exits 3 for every reading command") {
  TempDir dir;
  const std::string db = " --db " + q(dir.file("nowhere"));
  for (const std::string& args : {"search" + db + " fatigue", "info" + db, "show" + db + " some-id",
                                 "similar" + db + " some-id", "complete" + db + " fati"}) {
    INFO("args: " << args);
    const Run run = cli(dir, args);
    CHECK(run.code == 3);
    CHECK(run.err_lines_prefixed());
  }
}

TEST_CASE("search --json prints exactly the fields of the README contract with the right types") {
  Indexed ix;
  for (const std::string query : {"fatigue", "fatgiue", "", "--sort newest --limit 1 --offset 1 sleep"}) {
    INFO("query: " << query);
    const Run run = cli(ix.dir, "search --json --db " + q(ix.db) + " " + query);
    REQUIRE(run.code == 0);
    const json result = json::parse(run.out);
    CHECK(keys(result) ==
          std::set<std::string>{"query", "total", "offset", "limit", "did_you_mean", "hits", "facets", "took_ms"});
    CHECK(result.at("query").is_string());
    CHECK(result.at("total").is_number_unsigned());
    CHECK(result.at("offset").is_number_unsigned());
    CHECK(result.at("limit").is_number_unsigned());
    CHECK((result.at("did_you_mean").is_null() || result.at("did_you_mean").is_string()));
    CHECK(result.at("took_ms").is_number());
    REQUIRE(result.at("hits").is_array());
    for (const auto& hit : result.at("hits")) {
      CHECK(keys(hit) == std::set<std::string>{"id", "rank", "score", "title", "authors", "journal", "year", "doi",
                                               "pem", "evidence_level", "design", "criteria", "snippet"});
      CHECK(hit.at("id").is_string());
      CHECK(hit.at("rank").is_number_unsigned());
      CHECK(hit.at("score").is_number());
      CHECK(hit.at("title").is_string());  // every sample study has a title
      REQUIRE(hit.at("authors").is_array());
      for (const auto& a : hit.at("authors")) CHECK(a.is_string());
      CHECK(hit.at("journal").is_string());
      CHECK((hit.at("year").is_null() || hit.at("year").is_number_integer()));
      CHECK(hit.at("doi").is_null());  // absent values are null, never ""
      CHECK((hit.at("pem") == "required" || hit.at("pem") == "not_required" || hit.at("pem") == "unclear"));
      CHECK(hit.at("evidence_level").is_string());
      CHECK(hit.at("design").is_string());
      REQUIRE(hit.at("criteria").is_array());
      CHECK(!hit.at("criteria").empty());  // every sample study has one or two
      CHECK((hit.at("snippet").is_string() || (query.empty() && hit.at("snippet").is_null())));
    }
    const json& facets = result.at("facets");
    CHECK(keys(facets) == std::set<std::string>{"pem", "journal", "year", "evidence_level", "design", "criteria"});
    for (const auto& [group, values] : facets.items()) {
      INFO("facet " << group);
      REQUIRE(values.is_array());
      for (const auto& v : values) {
        CHECK(keys(v) == std::set<std::string>{"value", "count", "key", "selected"});
        CHECK(v.at("selected") == false);  // no filters in these runs
        CHECK(v.at("value").is_string());
        CHECK(v.at("count").is_number_unsigned());
      }
    }
  }
  // Spot-check values: a yearless study has "year": null; did_you_mean is filled in.
  const json typo = json::parse(cli(ix.dir, "search --json --db " + q(ix.db) + " orthostatik").out);
  CHECK(typo.at("did_you_mean") == "orthostatic");
  const json all = json::parse(cli(ix.dir, "search --json --db " + q(ix.db) + " --sort oldest").out);
  REQUIRE(all.at("hits").size() == 3);
  CHECK(all.at("hits")[2].at("id") == "study-3");
  CHECK(all.at("hits")[2].at("year").is_null());
  CHECK(all.at("hits")[0].at("rank") == 1);
}

TEST_CASE("search --json with invalid UTF-8 in the query still prints valid JSON or a clean error") {
  Indexed ix;
  for (const std::string& query : {std::string("\xff"), std::string("fatgiue \xfe"), std::string("fatigue \xc3")}) {
    INFO("query bytes: " << query);
    const Run run = cli(ix.dir, "search --json --db " + q(ix.db) + " " + q(query));
    INFO("stderr: " << run.err);
    CHECK((run.code == 0 || run.code == 1));
    if (run.code == 0) CHECK_NOTHROW(json::parse(run.out));
  }
}

TEST_CASE("every subcommand answers --help with exit code 0") {
  TempDir dir;
  const Run top = cli(dir, "--help");
  CHECK(top.code == 0);
  for (const std::string sub : {"index", "delete", "show", "info", "search", "similar", "complete", "run", "serve"}) {
    INFO("subcommand " << sub);
    CHECK_THAT(top.out, Catch::Contains(sub));
    const Run run = cli(dir, sub + " --help");
    CHECK(run.code == 0);
    CHECK_THAT(run.out, Catch::Contains("--db"));
    CHECK_THAT(run.out, Catch::Contains(sub));
  }
}

TEST_CASE("index - reads JSONL from standard input") {
  TempDir dir;
  write_text_file(dir.file("in.jsonl"), jsonl({sample(4, "lactate"), sample(5, "cortisol")}));
  const Run run = cli(dir, "index --db " + q(dir.file("db")) + " -", dir.file("in.jsonl"));
  CHECK(run.code == 0);
  const Run search = cli(dir, "search --json --db " + q(dir.file("db")) + " lactate");
  REQUIRE(search.code == 0);
  const json result = json::parse(search.out);
  CHECK(result.at("total") == 1);
  CHECK(result.at("hits")[0].at("id") == "study-4");

  SECTION("an invalid line on stdin is reported as <stdin>:line") {
    write_text_file(dir.file("bad.jsonl"), jsonl({sample(6, "x")}) + "{\"id\":\"bad-1\"}\n");
    const Run bad = cli(dir, "index --db " + q(dir.file("db")) + " -", dir.file("bad.jsonl"));
    CHECK(bad.code == 2);
    CHECK_THAT(bad.err, Catch::Contains("<stdin>:2"));
  }
}

TEST_CASE("show --json prints the stored record, and indexing that output reproduces it") {
  Indexed ix;
  Study full = sample(2, "orthostatic fatigue");
  const Run show = cli(ix.dir, "show --json --db " + q(ix.db) + " study-2");
  REQUIRE(show.code == 0);
  const json shown = json::parse(show.out);
  // Every record field is present; absent ones are null (the one convention of
  // every JSON output), so dropping the nulls gives the canonical record.
  CHECK(keys(shown) == std::set<std::string>{"id", "title", "authors", "journal", "year", "doi", "summary", "relevance",
                                             "limitations", "pem", "evidence_level", "design", "criteria", "url"});
  CHECK(shown.at("doi").is_null());
  CHECK(shown.at("url").is_null());
  json without_nulls = json::object();
  for (const auto& [key, value] : shown.items())
    if (!value.is_null()) without_nulls[key] = value;
  CHECK(without_nulls == json::parse(to_json(full)));

  write_text_file(ix.dir.file("again.jsonl"), shown.dump() + "\n");
  const std::string db2 = ix.dir.file("db2");
  REQUIRE(cli(ix.dir, "index --db " + q(db2) + " -", ix.dir.file("again.jsonl")).code == 0);
  const Run show2 = cli(ix.dir, "show --json --db " + q(db2) + " study-2");
  CHECK(show2.code == 0);
  CHECK(json::parse(show2.out) == shown);
  CHECK(cli(ix.dir, "show --json --db " + q(db2) + " study-404").code == 1);
}

TEST_CASE("delete removes studies; an unknown id exits 1 and deletes nothing") {
  Indexed ix;
  const Run unknown = cli(ix.dir, "delete --db " + q(ix.db) + " study-1 no-such-study");
  CHECK(unknown.code == 1);
  CHECK(unknown.err_lines_prefixed());
  CHECK_THAT(unknown.err, Catch::Contains("no-such-study"));
  CHECK(ix.documents() == 3);
  CHECK(cli(ix.dir, "show --db " + q(ix.db) + " study-1").code == 0);

  const Run ok = cli(ix.dir, "delete --db " + q(ix.db) + " study-1");
  CHECK(ok.code == 0);
  CHECK(ix.documents() == 2);
  CHECK(cli(ix.dir, "show --db " + q(ix.db) + " study-1").code == 1);
}

TEST_CASE("indexing the same file a second time leaves the document count unchanged") {
  Indexed ix;
  const Run again = cli(ix.dir, "index --db " + q(ix.db) + " " + q(ix.dir.file("first.jsonl")));
  CHECK(again.code == 0);
  CHECK_THAT(again.err, Catch::Contains("replaced 3"));
  CHECK(ix.documents() == 3);
}

TEST_CASE("index --abbreviation-weight is recorded when the index is created; another value there exits 3") {
  TempDir dir;
  const std::string db = dir.file("db"), input = dir.file("in.jsonl");
  write_text_file(input, jsonl({sample(1, "fatigue and sleep")}));
  REQUIRE(cli(dir, "index --abbreviation-weight 0 --db " + q(db) + " " + q(input)).code == 0);
  CHECK(cli(dir, "index --abbreviation-weight 0 --db " + q(db) + " " + q(input)).code == 0);
  CHECK(cli(dir, "index --db " + q(db) + " " + q(input)).code == 0);  // no option: the index's own
  const Run other = cli(dir, "index --abbreviation-weight 1 --db " + q(db) + " " + q(input));
  CHECK(other.code == 3);
  CHECK_THAT(other.err, Catch::Contains("abbreviations=0"));
  CHECK(cli(dir, "index --abbreviation-weight 11 --db " + q(dir.file("db2")) + " " + q(input)).code == 1);
}

TEST_CASE("the same id twice in one run exits 2 naming both lines") {
  Indexed ix;
  const std::string dup = ix.dir.file("dup.jsonl");
  write_text_file(dup, jsonl({sample(7, "a"), sample(8, "b"), sample(7, "c")}));
  const Run run = cli(ix.dir, "index --db " + q(ix.db) + " " + q(dup));
  CHECK(run.code == 2);
  CHECK_THAT(run.err, Catch::Contains(dup + ":3: id"));
  CHECK_THAT(run.err, Catch::Contains(dup + ":1"));
  CHECK(ix.documents() == 3);
}

TEST_CASE("similar --json and complete print results for an indexed study") {
  Indexed ix;
  const Run similar = cli(ix.dir, "similar --json -k 2 --db " + q(ix.db) + " study-1");
  REQUIRE(similar.code == 0);
  const json result = json::parse(similar.out);
  CHECK(result.at("id") == "study-1");
  for (const auto& hit : result.at("hits")) CHECK(hit.at("id") != "study-1");
  CHECK(cli(ix.dir, "similar --db " + q(ix.db) + " study-404").code == 1);
  const Run complete = cli(ix.dir, "complete --db " + q(ix.db) + " fati");
  CHECK(complete.code == 0);
  CHECK(complete.out == "fatigue\n");
}

TEST_CASE("compact writes a searchable copy (exit 0) and refuses an existing target (exit 2)") {
  Indexed ix;
  const std::string copy = ix.dir.file("copy");
  const Run run = cli(ix.dir, "compact --db " + q(ix.db) + " --out " + q(copy));
  CHECK(run.code == 0);
  CHECK(run.err_lines_prefixed());
  const Run search = cli(ix.dir, "search --json --db " + q(copy) + " fatigue");
  CHECK(search.code == 0);
  CHECK(json::parse(search.out).at("total") == json::parse(cli(ix.dir, "search --json --db " + q(ix.db) + " fatigue").out).at("total"));
  const Run again = cli(ix.dir, "compact --db " + q(ix.db) + " --out " + q(copy));
  CHECK(again.code == 2);
  CHECK_THAT(again.err, Catch::Contains("already exists"));
}

TEST_CASE("a repeatable option takes one value; the words after it are the query") {
  Indexed ix;
  const std::string db = " --db " + q(ix.db);
  struct Case {
    std::string args, query;
    std::size_t total;
  };
  // study-1: fatigue+sleep, journal JTM, pem not_required, E1; study-2: orthostatic fatigue, BMJ Open,
  // unclear, E2; study-3: sleep, JTM, required, E3; criteria CCC 2003 + ICC 2011 for odd n, Fukuda 1994
  // for even n (see sample()).
  for (const Case& c : {Case{"--journal 'BMJ Open' fatigue", "fatigue", 1},
                        Case{"--journal 'Journal of Translational Medicine' fatigue sleep", "fatigue sleep", 1},
                        Case{"--pem required sleep", "sleep", 1},
                        Case{"--pem required --pem not_required sleep", "sleep", 2},
                        Case{"--design cohort orthostatic fatigue", "orthostatic fatigue", 1},
                        Case{"--evidence E3 sleep", "sleep", 1},
                        Case{"--criteria 'ICC 2011' sleep", "sleep", 2},
                        Case{"--criteria 'Fukuda 1994' --criteria 'ICC 2011' fatigue", "fatigue", 2},
                        Case{"--criteria 'Fukuda 1994' fatigue", "fatigue", 1},
                        Case{"--pem required -- sleep", "sleep", 1},
                        Case{"-- sleep --limit", "sleep --limit", 1}}) {
    INFO("args: " << c.args);
    const Run run = cli(ix.dir, "search --json" + db + " " + c.args);
    INFO("stderr: " << run.err);
    REQUIRE(run.code == 0);
    const json result = json::parse(run.out);
    CHECK(result.at("query") == c.query);
    CHECK(result.at("total") == c.total);
  }
}

TEST_CASE("filter values follow the record rules, with a message naming the value") {
  Indexed ix;
  const std::string db = " --db " + q(ix.db);
  struct Case {
    std::string args, message;
  };
  for (const Case& c : {Case{"--evidence E7 sleep", "'E7'"}, Case{"--criteria Canadian sleep", "--criteria must be one of"},
                        Case{"--year-from 99999", "99999"},
                        Case{"--year-to 1200", "1200"}, Case{"--limit -1", "'-1'"},
                        Case{"--offset 99999999999 --limit 9", "offset 99999999999"},
                        Case{"--offset 9995 --limit 10", "9995 + 10"},
                        Case{"--offset 123456789012345678901", "too large"}}) {
    INFO("args: " << c.args);
    const Run run = cli(ix.dir, "search" + db + " " + c.args);
    CHECK(run.code == 1);
    CHECK(run.err_lines_prefixed());
    CHECK_THAT(run.err, Catch::Contains(c.message));
    CHECK_THAT(run.err, !Catch::Contains("18446744073709551615"));
  }
}

TEST_CASE("delete on a folder without an index exits 3 and creates nothing") {
  TempDir dir;
  const std::string nowhere = dir.file("mistyped");
  const Run run = cli(dir, "delete --db " + q(nowhere) + " study-1");
  CHECK(run.code == 3);
  CHECK(run.err_lines_prefixed());
  CHECK_FALSE(std::filesystem::exists(nowhere));
}

TEST_CASE("empty standard input and an empty file both index zero records with exit 0") {
  TempDir dir;
  write_text_file(dir.file("empty.jsonl"), "");
  for (const std::string& input : {std::string("-"), q(dir.file("empty.jsonl"))}) {
    INFO("input " << input);
    const Run run = cli(dir, "index --db " + q(dir.file("db")) + " " + input, "/dev/null");
    CHECK(run.code == 0);
    CHECK_THAT(run.err, Catch::Contains("0 records indexed"));
  }
}

TEST_CASE("a file of many invalid records lists the first 100, then how many more; exit code unchanged") {
  Indexed ix;
  std::string lines;
  for (int i = 0; i < 250; ++i) lines += R"({"id":"bad-)" + std::to_string(i) + R"(","summary":""})" + "\n";
  write_text_file(ix.dir.file("bad.jsonl"), lines);
  for (const std::string& flag : {std::string(""), std::string("--skip-invalid ")}) {
    INFO("flag " << flag);
    const Run run = cli(ix.dir, "index " + flag + "--db " + q(ix.db) + " " + q(ix.dir.file("bad.jsonl")));
    CHECK(run.code == (flag.empty() ? 2 : 0));
    std::size_t listed = 0;
    std::istringstream err(run.err);
    for (std::string line; std::getline(err, line);)
      if (line.find("bad.jsonl:") != std::string::npos) ++listed;
    CHECK(listed == 100);
    CHECK_THAT(run.err, Catch::Contains("... and 150 more"));
    CHECK_THAT(run.err, Catch::Contains("250 invalid records") || Catch::Contains("skipped 250"));
  }
  CHECK(ix.documents() == 3);
}

TEST_CASE("messages speak plainly: one record, authors separated by semicolons, no odd flag names") {
  TempDir dir;
  Study s = sample(1, "sleep");
  s.authors = {"Ashworth, P R", "Kellerman, D"};
  write_text_file(dir.file("one.jsonl"), to_json(s) + "\n");
  const Run index = cli(dir, "index --db " + q(dir.file("db")) + " " + q(dir.file("one.jsonl")));
  CHECK(index.code == 0);
  CHECK_THAT(index.err, Catch::Contains("1 record indexed"));
  const Run show = cli(dir, "show --db " + q(dir.file("db")) + " study-1");
  CHECK_THAT(show.out, Catch::Contains("Ashworth, P R; Kellerman, D"));
  const Run help = cli(dir, "search --help");
  CHECK_THAT(help.out, Catch::Contains("--no-stopwords"));
  CHECK_THAT(help.out, !Catch::Contains("{false}"));
  CHECK_THAT(cli(dir, "index --help").out, Catch::Contains("--quiet"));
}

TEST_CASE("progress: a log line per interval with phase, count and rate, a live line on a terminal, nothing with --quiet") {
  std::ostringstream log, live, quiet;
  studysearch::app::ProgressLine to_log(log, false, false, std::chrono::milliseconds(0));
  studysearch::app::ProgressLine to_live(live, true, false);
  studysearch::app::ProgressLine silent(quiet, false, true, std::chrono::milliseconds(0));
  for (auto* p : {&to_log, &to_live, &silent}) {
    p->update("reading", 1000, 0);
    p->update("writing", 500, 1000);
    p->update("writing", 1000, 1000);
    p->finish();
  }
  CHECK_THAT(log.str(), Catch::StartsWith("studysearch: reading 1000 records ("));
  CHECK_THAT(log.str(), Catch::Contains("\nstudysearch: writing 500/1000 records ("));
  CHECK_THAT(log.str(), Catch::Contains("records/s)\n"));
  CHECK(log.str().find('\r') == std::string::npos);
  CHECK_THAT(live.str(), Catch::StartsWith("\rstudysearch: reading"));
  CHECK_THAT(live.str(), Catch::Contains("\rstudysearch: writing 1000/1000 records"));
  CHECK_THAT(live.str(), Catch::EndsWith("\n"));
  CHECK(quiet.str().empty());
  // A non-terminal log is not flooded: within one interval a phase prints once.
  std::ostringstream sparse;
  studysearch::app::ProgressLine slow(sparse, false, false, std::chrono::hours(1));
  for (std::size_t i = 1; i <= 1000; ++i) slow.update("writing", i, 1000);
  const std::string printed = sparse.str();
  CHECK(std::count(printed.begin(), printed.end(), '\n') == 1);
}

TEST_CASE("writing while another writer holds the index is busy: exit 5, nothing written") {
  Indexed ix;
  write_text_file(ix.dir.file("more.jsonl"), jsonl({sample(7, "cortisol")}));
  {
    auto holder = IndexWriter::open(ix.db);
    for (const std::string& args : {"index --db " + q(ix.db) + " " + q(ix.dir.file("more.jsonl")),
                                    "delete --db " + q(ix.db) + " study-1"}) {
      INFO("args: " << args);
      const Run run = cli(ix.dir, args);
      CHECK(run.code == 5);
      CHECK(run.err_lines_prefixed());
      CHECK_THAT(run.err, Catch::Contains("locked by another writer"));
    }
  }
  CHECK(ix.documents() == 3);
}
