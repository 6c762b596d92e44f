// Specification of the corpus layer: record rules, JSONL and atlas text readers.
#include <catch2/catch.hpp>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <random>
#include <sstream>
#include <string>
#include <vector>

#include "studysearch/error.hpp"
#include "studysearch/readers.hpp"
#include "studysearch/study.hpp"

using namespace studysearch;

namespace {

struct Collected {
  std::vector<SourcedStudy> studies;
  std::vector<RecordIssue> issues;
  RecordSink sink() {
    return {[this](SourcedStudy&& s) { studies.push_back(std::move(s)); },
            [this](RecordIssue&& i) { issues.push_back(std::move(i)); }};
  }
  bool has_issue(const std::string& field, const std::string& reason_part) const {
    return std::any_of(issues.begin(), issues.end(), [&](const RecordIssue& issue) {
      return issue.field == field && issue.reason.find(reason_part) != std::string::npos;
    });
  }
};

using Reader = void (*)(std::istream&, const std::string&, const ReaderOptions&, const RecordSink&);

Collected run(Reader reader, const std::string& text, const std::string& name, const ReaderOptions& options) {
  Collected out;
  std::istringstream in(text);
  reader(in, name, options, out.sink());
  return out;
}
Collected jsonl(const std::string& text, ReaderOptions options = {}) {
  return run(read_jsonl, text, "test.jsonl", options);
}
Collected atlas(const std::string& text, ReaderOptions options = {}) {
  return run(read_atlas_text, text, "atlas.txt", options);
}

// One record with `extra` appended inside the object, e.g. R(R"(,"year":2001)").
std::string R(const std::string& extra = "") {
  return R"({"id":"smith-2020-exercise","summary":"A summary.")" + extra + "}\n";
}
std::string with_id(const std::string& id) { return R"({"summary":"S.","id":")" + id + "\"}\n"; }

Study one_study(const std::string& extra) {
  auto out = jsonl(R(extra));
  REQUIRE(out.issues.empty());
  REQUIRE(out.studies.size() == 1);
  return out.studies[0].study;
}

void expect_rejected(const std::string& extra, const std::string& field, const std::string& reason) {
  auto out = jsonl(R(extra));
  INFO("record: " << R(extra));
  CHECK(out.studies.empty());
  CHECK(out.has_issue(field, reason));
}

Study full_study() {
  return Study{.id = "sjogren-2021-orthostatic-tests", .title = "Orthostatic tests — a \"study\"",
               .authors = {"Sjögren, A", "Ørsted, B"}, .journal = "The Lancet", .year = 2021,
               .doi = "10.1000/xyz-1", .summary = "Summary with ünïcode and a\nnewline.",
               .relevance = "Relevant.", .limitations = "Small sample.", .pem = Pem::required,
               .evidence_level = "E2", .design = "RCT", .criteria = {"CCC 2003", "ICC 2011"}, .url = "https://example.org/a?b=c"};
}

std::string data_path(const std::string& relative) {
  return std::string(STUDYSEARCH_DATA_DIR) + "/" + relative;
}

}  // namespace

TEST_CASE("a record with only id and summary is valid and defaults pem to unclear") {
  auto out = jsonl(R());
  REQUIRE(out.issues.empty());
  REQUIRE(out.studies.size() == 1);
  CHECK(to_json(out.studies[0].study) == R"({"id":"smith-2020-exercise","summary":"A summary.","pem":"unclear"})");
  CHECK(out.studies[0].file == "test.jsonl");
  CHECK(out.studies[0].line == 1);
}

TEST_CASE("every field of a full record is read as written") {
  const Study expected = full_study();
  auto out = jsonl(to_json(expected) + "\n");
  REQUIRE(out.issues.empty());
  REQUIRE(out.studies.size() == 1);
  CHECK(out.studies[0].study == expected);
}

TEST_CASE("id must be a lowercase slug of at most 120 bytes") {
  CHECK(jsonl(with_id("a1-b2-c3")).studies.at(0).study.id == "a1-b2-c3");
  CHECK(jsonl(with_id(std::string(120, 'a'))).studies.at(0).study.id.size() == 120);
  CHECK(jsonl(with_id(std::string(121, 'a'))).has_issue("id", "at most 120"));
  for (std::string bad : {"Smith-2020", "smith--2020", "-smith", "smith-", "smith 2020", "smith_2020", ""}) {
    INFO(bad);
    CHECK(jsonl(with_id(bad)).has_issue("id", bad.empty() ? "missing" : "lowercase"));
  }
  CHECK(jsonl(R"({"summary":"S."})" "\n").has_issue("id", "missing"));
  CHECK(jsonl(R(R"(,"id":"other-id")")).has_issue("id", "duplicate field 'id'"));
}

TEST_CASE("text fields with the wrong JSON type are rejected naming the field") {
  expect_rejected(R"(,"title":42)", "title", "must be a string, got number");
  expect_rejected(R"(,"journal":["x"])", "journal", "must be a string, got array");
  expect_rejected(R"(,"design":true)", "design", "must be a string, got boolean");
  expect_rejected(R"(,"url":{})", "url", "must be a string, got object");
  expect_rejected(R"(,"authors":"Smith, J")", "authors", "must be an array of strings, got string");
  expect_rejected(R"(,"authors":["Smith, J",7])", "authors", "element 1 must be a string");
  expect_rejected(R"(,"authors":["Smith, J","  "])", "authors", "element 1 is empty");
  CHECK(one_study(R"(,"authors":["B","A","C"])").authors == std::vector<std::string>{"B", "A", "C"});
}

TEST_CASE("year is an integer from 1800 to 2100") {
  CHECK(one_study(R"(,"year":1800)").year == 1800);
  CHECK(one_study(R"(,"year":2100)").year == 2100);
  for (std::string bad : {"1799", "2101", "-5", "2019.5", "\"2019\"", "1e30", "99999999999999999999999",
                          "true"}) {
    expect_rejected(R"(,"year":)" + bad, "year", "must be an integer between 1800 and 2100");
  }
}

TEST_CASE("null values count as absent for optional fields") {
  const Study s = one_study(R"(,"title":null,"year":null,"pem":null,"authors":null,"doi":null)");
  CHECK(s.title.empty());
  CHECK_FALSE(s.year.has_value());
  CHECK(s.pem == Pem::unclear);
  CHECK(jsonl(R"({"id":"a-1","summary":null})").has_issue("summary", "missing"));
}

TEST_CASE("doi prefixes are stripped and the rest must look like 10.x/y") {
  CHECK(one_study(R"(,"doi":"https://doi.org/10.1089/107999099313479")").doi == "10.1089/107999099313479");
  CHECK(one_study(R"(,"doi":"http://dx.doi.org/10.1/x")").doi == "10.1/x");
  CHECK(one_study(R"(,"doi":"doi: 10.1/x")").doi == "10.1/x");
  CHECK(one_study(R"(,"doi":" 10.1/x ")").doi == "10.1/x");
  CHECK(normalize_doi("DOI:10.5/AbC") == "10.5/AbC");
  expect_rejected(R"(,"doi":"11.1/x")", "doi", "must look like '10.1234/abc'");
  expect_rejected(R"(,"doi":"10.1234")", "doi", "(got '10.1234')");
  expect_rejected(R"(,"doi":"10.1/a b")", "doi", "must look like");
}

TEST_CASE("summary is required and must not be blank") {
  CHECK(jsonl(R"({"id":"a-1","summary":"  "})").has_issue("summary", "missing or empty"));
  CHECK(jsonl(R"({"id":"a-1"})" "\n").has_issue("summary", "missing or empty"));
}

TEST_CASE("pem accepts only the three lowercase names") {
  CHECK(one_study(R"(,"pem":"required")").pem == Pem::required);
  CHECK(one_study(R"(,"pem":"not_required")").pem == Pem::not_required);
  CHECK(one_study(R"(,"pem":"unclear")").pem == Pem::unclear);
  expect_rejected(R"(,"pem":"Required")", "pem", "must be one of required, not_required, unclear (got 'Required')");
  expect_rejected(R"(,"pem":1)", "pem", "must be a string");
  CHECK_FALSE(parse_pem("not required").has_value());
  CHECK(to_string(Pem::not_required) == "not_required");
}

TEST_CASE("evidence_level is empty or E0 to E3") {
  CHECK(one_study(R"(,"evidence_level":"E0")").evidence_level == "E0");
  CHECK(one_study(R"(,"evidence_level":"E3")").evidence_level == "E3");
  expect_rejected(R"(,"evidence_level":"E4")", "evidence_level", "E0, E1, E2, E3");
  expect_rejected(R"(,"evidence_level":"e1")", "evidence_level", "(got 'e1')");
}

TEST_CASE("criteria is a list of case definitions from the vocabulary, each at most once") {
  CHECK(one_study(R"(,"criteria":["CCC 2003","ICC 2011"])").criteria == std::vector<std::string>{"CCC 2003", "ICC 2011"});
  CHECK(one_study(R"(,"criteria":[])").criteria.empty());
  expect_rejected(R"(,"criteria":["Canadian"])", "criteria", "must be one of Oxford 1991, Fukuda 1994, CCC 2003");
  expect_rejected(R"(,"criteria":["ccc 2003"])", "criteria", "(got 'ccc 2003')");
  expect_rejected(R"(,"criteria":["CCC 2003","CCC 2003"])", "criteria", "lists 'CCC 2003' twice");
  expect_rejected(R"(,"criteria":"CCC 2003")", "criteria", "must be an array of strings");
}

TEST_CASE("the atlas criteria: header takes values separated by ; or , matched loosely") {
  auto good = atlas("id: c-1\nCriteria: ccc 2003; Fukuda 1994, IOM 2015;pediatric ccc 2006\nA, B · J · 2000\nS.\n");
  REQUIRE(good.issues.empty());
  CHECK(good.studies.at(0).study.criteria ==
        std::vector<std::string>{"CCC 2003", "Fukuda 1994", "IOM 2015", "pediatric CCC 2006"});
  // Not a vocabulary name: kept as written, so the record is an issue that names it.
  auto bad = atlas("id: c-2\ncriteria: International Consensus\nA, B · J · 2000\nS.\n");
  CHECK(bad.studies.empty());
  CHECK(bad.has_issue("criteria", "(got 'International Consensus')"));
}

TEST_CASE("an unknown field is rejected by name with a suggestion") {
  auto out = jsonl(R(R"(,"titel":"x")"));
  CHECK(out.studies.empty());
  REQUIRE(out.issues.size() == 1);
  CHECK(out.issues[0].field == "titel");
  CHECK(out.issues[0].reason.find("unknown field 'titel'") != std::string::npos);
  CHECK(out.issues[0].reason.find("did you mean 'title'") != std::string::npos);
  CHECK(jsonl(R(R"(,"zzzzzz":1)")).has_issue("zzzzzz", "known fields: id title"));
  std::string many;  // a flood of unknown keys is capped at 20 issues plus a summary
  for (int i = 0; i < 100; ++i) many += ",\"k" + std::to_string(i) + "\":1";
  CHECK(jsonl(R(many)).has_issue("", "and 80 more problems"));
}

TEST_CASE("issues carry file, 1-based line, field and reason; every bad field is reported") {
  auto out = jsonl("\n" + R() + "   \n" + R(R"(,"year":1700,"pem":"maybe")"));
  REQUIRE(out.studies.size() == 1);
  CHECK(out.studies[0].line == 2);
  REQUIRE(out.issues.size() == 2);
  CHECK(out.issues[0].file == "test.jsonl");
  CHECK(out.issues[0].line == 4);
  CHECK(out.issues[0].message() == "test.jsonl:4: year: must be an integer between 1800 and 2100, got 1700");
  CHECK(out.issues[1].field == "pem");
  CHECK(RecordIssue{"f.txt", 0, "", "cannot open"}.message() == "f.txt: cannot open");
  CHECK(RecordIssue{"f.txt", 3, "", "bad"}.message() == "f.txt:3: bad");
  CHECK(RecordIssue{"f.txt", 3, "id", "bad"}.message() == "f.txt:3: id: bad");
}

TEST_CASE("invalid UTF-8 and NUL bytes are reported with their byte position") {
  auto out = jsonl(R"({"id":"a-1","summary":"caf)" "\xC3\x28" R"("})" "\n");
  CHECK(out.studies.empty());
  CHECK(out.has_issue("", "invalid UTF-8 at byte 27"));
  CHECK(jsonl(R"({"id":"a-1","summary":"x)" "\xED\xA0\x80" R"("})").has_issue("", "invalid UTF-8"));
  CHECK(jsonl(std::string(R"({"id":"a-1","summary":"x)") + '\0' + R"("})").has_issue("", "NUL byte at byte 25"));
  Study s = full_study();
  s.title = "bad \xFF";
  CHECK_FALSE(validate(s).empty());
}

TEST_CASE("malformed JSON and non-object records are issues, not exceptions") {
  CHECK(jsonl("{\"id\": \n").has_issue("", "invalid JSON"));
  CHECK(jsonl(R"({"id":"a-1","summary":"x"} trailing)").has_issue("", "invalid JSON"));
  CHECK(jsonl("[1,2]\n").has_issue("", "must be a JSON object, got array"));
  CHECK(jsonl("42\n").has_issue("", "must be a JSON object, got number"));
}

TEST_CASE("nesting deeper than 32 levels is rejected without crashing") {
  CHECK(jsonl(std::string(200000, '[') + "\n").has_issue("", "nesting too deep"));
  auto nested = [](int depth) { return std::string(depth, '[') + std::string(depth, ']'); };
  CHECK(jsonl(R(",\"title\":" + nested(31))).has_issue("title", "must be a string, got array"));
  CHECK(jsonl(R(",\"title\":" + nested(32))).has_issue("", "nesting too deep"));
  CHECK(jsonl(R(R"(,"title":"[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[")")).issues.empty());
}

TEST_CASE("an overlong line is one issue and reading goes on at the next line") {
  const ReaderOptions options{.max_record_bytes = 100};
  const std::string long_line = R(R"(,"title":")" + std::string(200, 'x') + "\"");
  auto out = jsonl(long_line + R(), options);
  REQUIRE(out.issues.size() == 1);
  CHECK(out.issues[0].line == 1);
  CHECK(out.issues[0].reason.find("record exceeds 100 bytes") == 0);
  REQUIRE(out.studies.size() == 1);
  CHECK(out.studies[0].line == 2);
  CHECK(jsonl(std::string((1 << 20) + 1, ' ') + "\n").has_issue("", "record exceeds 1048576 bytes"));
}

TEST_CASE("blank lines, CRLF, a missing final newline and an empty input are fine") {
  auto out = jsonl(" \t\n\r\n" + R().substr(0, R().size() - 1) + "\r\n" + R().substr(0, R().size() - 1));
  CHECK(out.issues.empty());
  CHECK(out.studies.size() == 2);
  const auto empty = jsonl("");
  CHECK(empty.studies.size() + empty.issues.size() == 0);
}

TEST_CASE("to_json is compact, in struct order, omits absent fields and always has pem") {
  Study s;
  s.id = "a-1";
  s.year = 2000;
  s.summary = std::string("Short.");
  CHECK(to_json(s) == R"({"id":"a-1","year":2000,"summary":"Short.","pem":"unclear"})");
}

TEST_CASE("study_from_json(to_json(s)) round-trips") {
  const Study s = full_study();
  std::vector<FieldProblem> problems;
  CHECK(study_from_json(to_json(s), problems) == s);
  CHECK(problems.empty());
  CHECK(validate(s).empty());
}

TEST_CASE("journal_key ignores case, spacing and punctuation") {
  CHECK(journal_key("The Lancet") == "the lancet");
  CHECK(journal_key("  the  LANCET. ") == journal_key("The Lancet"));
  CHECK(journal_key("Journal of interferon & cytokine research") == "journal of interferon cytokine research");
  CHECK(journal_key("ÄRZTLICHE Praxis") == "ärztliche praxis");
  CHECK(journal_key("The Lancet") != journal_key("The Lancet Neurology"));
}

TEST_CASE("the atlas seed entry is read into the right fields without page boilerplate") {
  Collected out;
  read_file(data_path("seeds/atlas-entry-example.txt"), {}, out.sink());
  REQUIRE(out.issues.empty());
  REQUIRE(out.studies.size() == 1);
  const Study& s = out.studies[0].study;
  CHECK(out.studies[0].line == 1);
  CHECK(s.authors == std::vector<std::string>{"Russell, I J", "Vipraio, G A", "Michalek, J E"});
  CHECK(s.journal.starts_with("Journal of interferon & cytokine research"));
  CHECK(s.journal.ends_with("International Society for Interferon and Cytokine Research"));
  CHECK(s.year == 1999);
  CHECK(s.doi.empty());
  CHECK(s.summary.starts_with("This study examined"));
  CHECK(s.relevance.starts_with("This study is relevant to ME/CFS research"));
  CHECK(s.limitations.starts_with("This study does not prove"));
  CHECK(s.limitations.ends_with("changes."));
  CHECK(s.id == "russell-1999-immune-system");
  CHECK(s.pem == Pem::unclear);
  const std::string all = to_json(s);
  CHECK(all.find("About the PEM badge") == std::string::npos);
  CHECK(all.find("Spotted an error") == std::string::npos);
  CHECK(all.find("How the atlas works") == std::string::npos);
}

TEST_CASE("atlas entries separated by --- with headers") {
  auto out = atlas(
      "\n---\n"
      "ID: given-2001-id\nTitle: Exercise and ME\nPEM: PEM required\nevidence: e2\ndesign: RCT\n"
      "url: https://atlas.example/x\n"
      "Doe, J · Brain · 2001 · https://doi.org/10.1/ab\nFirst.\nSecond.\nThird.\nFourth.\n"
      " --- \n\n"
      "Smith J, Jones AB | Gut | 2015\nOnly a summary.\n"
      "---\n");
  REQUIRE(out.issues.empty());
  REQUIRE(out.studies.size() == 2);
  CHECK(out.studies[0].line == 3);
  CHECK(to_json(out.studies[0].study) ==
        R"({"id":"given-2001-id","title":"Exercise and ME","authors":["Doe, J"],"journal":"Brain",)"
        R"("year":2001,"doi":"10.1/ab","summary":"First.","relevance":"Second.",)"
        R"("limitations":"Third. Fourth.","pem":"required","evidence_level":"E2","design":"RCT",)"
        R"("url":"https://atlas.example/x"})");
  CHECK(out.studies[1].line == 16);
  CHECK(to_json(out.studies[1].study) ==
        R"({"id":"smith-2015-only-summary","authors":["Smith J","Jones AB"],"journal":"Gut",)"
        R"("year":2015,"summary":"Only a summary.","pem":"unclear"})");
}

TEST_CASE("atlas paragraphs separated by blank lines may span several lines") {
  auto out = atlas("A, B · J · 2000 · DOI\nSummary line one\nline two.\n\nRelevance.\n\n"
                   "About the PEM badge: text\nmore badge text\n\nLimits.\n");
  REQUIRE(out.studies.size() == 1);
  CHECK(out.studies[0].study.summary == "Summary line one line two.");
  CHECK(out.studies[0].study.relevance == "Relevance.");
  CHECK(out.studies[0].study.limitations == "Limits.");
}

TEST_CASE("atlas byline parts may be missing") {
  auto out = atlas("Lee, K · 2010\nS.\n---\nLee, K · Some Journal\nS.\n---\nLee, K\nS.\n");
  REQUIRE(out.studies.size() == 3);
  CHECK(out.studies[0].study.year == 2010);
  CHECK(out.studies[0].study.journal.empty());
  CHECK(out.studies[1].study.journal == "Some Journal");
  CHECK_FALSE(out.studies[1].study.year.has_value());
  CHECK(out.studies[2].study.id == "lee");  // "S" is too short to be significant
}

TEST_CASE("atlas problems are issues at the entry's first line") {
  auto out = atlas("pem: sometimes\nA, B · J · 2000\nS.\n---\n\nA, B · J · 2000\n---\nA, B · J · 12345\nS.\n");
  CHECK(out.studies.empty());
  REQUIRE(out.issues.size() == 3);
  CHECK(out.issues[0].message() == "atlas.txt:1: pem: must be one of required, not_required, unclear (got 'sometimes')");
  CHECK(out.issues[1].line == 6);
  CHECK(out.issues[1].field == "summary");
  CHECK(out.issues[2].field == "year");
  auto bad = atlas("A, B · J · 2000\nS \xFF.\n");
  CHECK(bad.has_issue("", "invalid UTF-8 in line 2 at byte 3"));
  const ReaderOptions small{.max_record_bytes = 40};
  auto big = atlas("A, B · J · 2000\n" + std::string(30, 'x') + "\n---\nA, B · J · 2000\nS.\n", small);
  CHECK(big.has_issue("", "record exceeds 40 bytes"));
  CHECK(big.studies.size() == 1);
}

TEST_CASE("derive_id folds diacritics to ASCII and prefers the title") {
  Study s = full_study();
  s.title = "The Straße of Ørsted: a study";
  s.authors = {"Sjögren, Ø"};
  s.year = 2020;
  CHECK(derive_id(s) == "sjogren-2020-strasse-orsted");
  s.authors = {"Иванов, И"};
  CHECK(derive_id(s).starts_with("ivanov-2020-"));
}

TEST_CASE("derive_id without author, year or title") {
  Study s;
  s.summary = "Researchers examined 42 patients with POTS.";
  CHECK(derive_id(s) == "unknown-42-patients");
  s.summary = "";
  CHECK(derive_id(s) == "unknown");
  s.authors = {"Smith JA"};
  s.title = std::string(300, 'w') + " long title words";
  CHECK(derive_id(s) == "smith");  // a word that does not fit in 120 bytes ends the id
}

TEST_CASE("read_file picks the reader by extension and reports unreadable paths") {
  const auto dir = std::filesystem::temp_directory_path() /
                   ("studysearch-corpus-test-" + std::to_string(std::random_device{}()));
  std::filesystem::create_directories(dir);
  std::ofstream((dir / "a.JSONL").string()) << R();
  std::ofstream((dir / "b.txt").string()) << "A, B · J · 2000\nS.\n";
  std::ofstream((dir / "c.csv").string()) << "x";
  Collected out;
  for (const char* name : {"a.JSONL", "b.txt", "c.csv", "missing.jsonl"}) {
    read_file((dir / name).string(), {}, out.sink());
  }
  read_file(dir.string(), {}, out.sink());
  std::filesystem::remove_all(dir);
  CHECK(out.studies.size() == 2);
  REQUIRE(out.issues.size() == 3);
  CHECK(out.issues[0].reason == "unsupported file type (use .jsonl, .txt, .xml or .xml.gz)");
  CHECK(out.issues[1].line == 0);
  CHECK(out.issues[1].reason == "cannot open: No such file or directory");
  CHECK(out.issues[2].reason.find("is a directory") == 0);
}

TEST_CASE("error kinds have stable names") {
  CHECK(to_string(ErrorKind::invalid_input) == "invalid_input");
  CHECK(to_string(ErrorKind::forbidden) == "forbidden");
  CHECK(Error(ErrorKind::not_found, "x").kind() == ErrorKind::not_found);
}
