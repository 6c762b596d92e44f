// PubMed/MEDLINE XML: the reader against an independent tool (xmllint), field
// by field on hand-picked citations, updates (revisions, deletions, lost
// abstracts) through the writer, and the sync ledger.
#include <catch2/catch.hpp>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <map>
#include <regex>
#include <set>

#include "studysearch/error.hpp"
#include "studysearch/readers.hpp"
#include "studysearch/sync.hpp"
#include "test_support.hpp"

using namespace studysearch;
using studysearch::test::TempDir;
namespace fs = std::filesystem;

namespace {

const std::string kSample = std::string(STUDYSEARCH_DATA_DIR) + "/medline-sample/medline16n0902.xml.gz";
const std::string kFiles = std::string(STUDYSEARCH_DATA_DIR) + "/pubmed-tests/";

struct ReadResult {
  std::map<std::string, Study> studies;
  std::vector<RecordDeletion> no_abstract, listed;
  std::vector<RecordIssue> issues;
  std::size_t study_count = 0;
};

ReadResult read_all(const std::string& path) {
  ReadResult out;
  RecordSink sink;
  sink.on_study = [&](SourcedStudy&& s) {
    ++out.study_count;
    out.studies[s.study.id] = std::move(s.study);
  };
  sink.on_issue = [&](RecordIssue&& issue) { out.issues.push_back(std::move(issue)); };
  sink.on_delete = [&](RecordDeletion&& d) {
    (d.cause == RecordDeletion::Cause::no_abstract ? out.no_abstract : out.listed).push_back(std::move(d));
  };
  read_file(path, {}, sink);
  return out;
}

std::string run(const std::string& command) {
  std::string out;
  FILE* pipe = popen(command.c_str(), "r");
  REQUIRE(pipe != nullptr);
  char buffer[4096];
  while (std::size_t n = std::fread(buffer, 1, sizeof buffer, pipe)) out.append(buffer, n);
  REQUIRE(pclose(pipe) == 0);
  return out;
}

// The gunzipped sample, once per process, for xmllint.
const std::string& plain_sample() {
  static TempDir dir;
  static const std::string path = [] {
    const std::string p = dir.file("sample.xml");
    REQUIRE(std::system(("gzip -dc '" + kSample + "' > '" + p + "'").c_str()) == 0);
    return p;
  }();
  return path;
}

std::size_t xpath_count(const std::string& xpath) {
  return std::stoul(run("xmllint --nonet --xpath 'count(" + xpath + ")' '" + plain_sample() + "'"));
}

// Text of every node an XPath selects, in document order.
std::vector<std::string> xpath_texts(const std::string& xpath) {
  const std::string out = run("xmllint --nonet --xpath '" + xpath + "' '" + plain_sample() + "'");
  std::vector<std::string> texts;
  static const std::regex element(R"(<[^>]+>([^<]*)</[^>]+>)");
  for (std::sregex_iterator it(out.begin(), out.end(), element), end; it != end; ++it) texts.push_back((*it)[1]);
  return texts;
}

const std::string kCitation = "/MedlineCitationSet/MedlineCitation";
const std::string kWithAbstract = kCitation + "[Article/Abstract/AbstractText[normalize-space(.)!=\"\"]]";

}  // namespace

TEST_CASE("the sample's counts are exactly those xmllint finds", "[pubmed][sample]") {
  const ReadResult read = read_all(kSample);
  const std::size_t citations = xpath_count(kCitation);
  const std::size_t with_abstract = xpath_count(kWithAbstract);
  CHECK(citations == 604);  // the source note's number: the XPath itself is right
  CHECK(read.issues.empty());
  CHECK(read.study_count == with_abstract);
  CHECK(read.studies.size() == with_abstract);
  CHECK(read.no_abstract.size() == citations - with_abstract);
  CHECK(read.listed.size() == xpath_count("/MedlineCitationSet/DeleteCitation/PMID"));

  std::size_t with_doi = 0;
  for (const auto& [id, study] : read.studies) with_doi += !study.doi.empty();
  CHECK(with_doi == xpath_count(kWithAbstract + "[Article/ELocationID[@EIdType=\"doi\"][starts-with(normalize-space(.),\"10.\")]]"));
  CHECK(with_doi > 0);

  // MedlineDate-only citations: the year is the first 4-digit year of MedlineDate.
  const std::string medline_only = kWithAbstract + "[Article/Journal/JournalIssue/PubDate/MedlineDate]"
                                                   "[not(Article/Journal/JournalIssue/PubDate/Year)]";
  const auto pmids = xpath_texts(medline_only + "/PMID");
  const auto dates = xpath_texts(medline_only + "/Article/Journal/JournalIssue/PubDate/MedlineDate");
  REQUIRE(pmids.size() == dates.size());
  CHECK(pmids.size() == xpath_count(medline_only));
  CHECK(pmids.size() > 10);
  const std::regex year(R"((^|[^0-9])([0-9]{4})([^0-9]|$))");
  for (std::size_t i = 0; i < pmids.size(); ++i) {
    INFO("pmid " << pmids[i] << " MedlineDate " << dates[i]);
    std::smatch m;
    REQUIRE(std::regex_search(dates[i], m, year));
    REQUIRE(read.studies.count("pmid-" + pmids[i]));
    CHECK(read.studies.at("pmid-" + pmids[i]).year == std::stoi(m[2]));
  }
  // Every citation with an abstract is there under its PMID.
  for (const auto& pmid : xpath_texts(kWithAbstract + "/PMID")) CHECK(read.studies.count("pmid-" + pmid));

  SECTION("indexing it adds exactly those studies and counts the rest") {
    TempDir dir;
    auto writer = IndexWriter::open(dir.file("index"));
    const IndexReport report = writer.index_files({kSample});
    CHECK(report.added == with_abstract);
    CHECK(report.without_abstract == citations - with_abstract);
    CHECK(report.skipped == citations - with_abstract);
    CHECK(report.delete_requests == 1);
    CHECK(report.deleted == 0);  // PMID 26432306 is not a citation of the file
    CHECK(writer.document_count() == with_abstract);
  }
}

TEST_CASE("hand-picked sample citations map field by field", "[pubmed][sample]") {
  const ReadResult read = read_all(kSample);
  SECTION("labelled abstract, no PubDate/Year (MedlineDate), DOI only in ELocationID") {
    const Study& s = read.studies.at("pmid-18621939");
    CHECK(s.url == "https://pubmed.ncbi.nlm.nih.gov/18621939/");
    CHECK(s.title == "Clusters of alcohol use disorders diagnostic criteria and predictors of alcohol use after liver "
                     "transplantation for alcoholic liver disease.");
    CHECK(s.journal == "Psychosomatics");
    CHECK(s.year == 2008);  // MedlineDate "2008 Jul-Aug"
    CHECK(s.doi == "10.1176/appi.psy.49.4.332");
    CHECK(s.authors == std::vector<std::string>{"DiMartini A", "Dew MA", "Fitzgerald MG", "Fontes P"});
    CHECK(s.summary.rfind("BACKGROUND: Establishing the correct alcohol use disorder diagnosis", 0) == 0);
    CHECK(s.summary.find("\nOBJECTIVE: The authors hypothesized") != std::string::npos);
    CHECK(s.summary.find("\nCONCLUSION: Results therefore suggest") != std::string::npos);
    CHECK(s.design.empty());  // Journal Article, Research Support
    CHECK(s.pem == Pem::unclear);
  }
  SECTION("CollectiveName author first, then LastName Initials") {
    const Study& s = read.studies.at("pmid-25345997");
    REQUIRE(s.authors.size() == 15);
    CHECK(s.authors[0] == "Movement Disorder Group");
    CHECK(s.authors[1] == "Chan AY");
    CHECK(s.authors[14] == "Poon WS");
    CHECK(s.year == 2014);
    CHECK(s.doi == "10.12809/hkmj144242");
  }
  SECTION("the first citation: four labelled parts in order") {
    const Study& s = read.studies.at("pmid-17942999");
    CHECK(s.summary.rfind("PURPOSE: An auditory electrophysiological study", 0) == 0);
    const auto methods = s.summary.find("\nMETHODS: "), results = s.summary.find("\nRESULTS: "),
               conclusions = s.summary.find("\nCONCLUSIONS: ");
    CHECK(methods < results);
    CHECK(results < conclusions);
    CHECK(conclusions != std::string::npos);
    CHECK(s.authors == std::vector<std::string>{"Chandrasekaran B", "Gandour JT", "Krishnan A"});
    CHECK(s.journal == "Restorative neurology and neuroscience");
  }
}

TEST_CASE("hand-written PubmedArticleSet file maps every rule", "[pubmed][files]") {
  const ReadResult read = read_all(kFiles + "pubmed99n0001.xml");
  CHECK(read.issues.empty());
  REQUIRE(read.studies.size() == 3);
  const Study& a = read.studies.at("pmid-9000001");
  CHECK(a.title == "Graded exercise in myalgic encephalomyelitis: VO2 peak after two days");
  CHECK(a.authors == std::vector<std::string>{"Keller BA", "Pryor JL"});  // ValidYN="N" left out
  CHECK(a.doi == "10.9999/articleid.0001");                               // ArticleIdList before ELocationID
  CHECK(a.design == "RCT");
  CHECK(a.year == 2019);
  CHECK(a.journal == "Journal of Translational Medicine");
  CHECK(a.summary == "BACKGROUND: Post-exertional malaise is the hallmark symptom.\n"
                     "METHODS: Two cardiopulmonary exercise tests, 24 h apart, in 51 patients.\n"
                     "RESULTS: Workload at the ventilatory threshold fell on day two.");
  const Study& b = read.studies.at("pmid-9000002");
  CHECK(b.year == 2018);  // MedlineDate "Winter 2018-2019" before ArticleDate 2017
  CHECK(b.authors == std::vector<std::string>{"CFS Research Collaborative", "Strayer DR"});
  CHECK(b.design == "meta-analysis");
  CHECK(b.journal == "Fatigue: Biomedicine, Health & Behavior");
  CHECK(b.doi.empty());
  CHECK(b.summary == "Natural killer cell cytotoxicity was lower in patients than in controls across 17 studies.");
  const Study& d = read.studies.at("pmid-9000004");
  CHECK(d.year == 2020);  // ArticleDate: PubDate has only a season
  CHECK(d.doi == "10.3389/fneur.2020.00004");
  CHECK(d.design == "observational");
  CHECK(d.url == "https://pubmed.ncbi.nlm.nih.gov/9000004/");
  REQUIRE(read.no_abstract.size() == 1);
  CHECK(read.no_abstract[0].id == "pmid-9000003");
  CHECK(read.no_abstract[0].line > 0);
  CHECK(read.listed.empty());
}

TEST_CASE("gzip and the MedlineCitationSet layout read like plain PubmedArticleSet", "[pubmed][files]") {
  TempDir dir;
  const std::string gz = dir.file("pubmed99n0002.XML.GZ");
  REQUIRE(std::system(("gzip -c '" + kFiles + "pubmed99n0002.xml' > '" + gz + "'").c_str()) == 0);
  const ReadResult plain = read_all(kFiles + "pubmed99n0002.xml");
  const ReadResult zipped = read_all(gz);
  CHECK(zipped.studies == plain.studies);
  REQUIRE(zipped.listed.size() == 2);
  CHECK(zipped.listed[0].id == "pmid-9000002");
  CHECK(zipped.listed[1].id == "pmid-9999999");
  REQUIRE(zipped.no_abstract.size() == 1);
  CHECK(zipped.no_abstract[0].id == "pmid-9000004");
  CHECK(plain.studies.at("pmid-9000005").year == 2021);
  CHECK(plain.studies.at("pmid-9000005").design == "case report");

  const ReadResult old_layout = read_all(kFiles + "pubmed99n0003.xml");
  CHECK(old_layout.studies.size() == 2);
  CHECK(old_layout.studies.at("pmid-9000003").summary == "Short summary added in a revision.");
  REQUIRE(old_layout.listed.size() == 1);
  CHECK(old_layout.listed[0].id == "pmid-9000005");
}

TEST_CASE("malformed, truncated and foreign XML are issues with a line", "[pubmed][errors]") {
  const ReadResult bad = read_all(kFiles + "malformed.xml");
  REQUIRE(bad.issues.size() == 1);
  CHECK(bad.issues[0].line == 17);
  CHECK(bad.issues[0].message().rfind(kFiles + "malformed.xml:17: malformed XML", 0) == 0);

  TempDir dir;
  const std::string truncated = dir.file("truncated.xml.gz");
  REQUIRE(std::system(("gzip -dc '" + kSample + "' | head -c 1000000 | gzip -c | head -c 150000 > '" + truncated + "'")
                          .c_str()) == 0);
  const ReadResult cut = read_all(truncated);
  CHECK(cut.issues.size() == 1);
  CHECK(cut.study_count > 0);

  test::write_text_file(dir.file("other.xml"), "<?xml version=\"1.0\"?>\n<html><body/></html>\n");
  const ReadResult other = read_all(dir.file("other.xml"));
  REQUIRE(other.issues.size() == 1);
  CHECK(other.issues[0].reason.find("not PubMed/MEDLINE XML") != std::string::npos);

  test::write_text_file(dir.file("nopmid.xml"),
                        "<PubmedArticleSet><PubmedArticle><MedlineCitation><Article><Abstract><AbstractText>x"
                        "</AbstractText></Abstract></Article></MedlineCitation></PubmedArticle></PubmedArticleSet>");
  const ReadResult no_pmid = read_all(dir.file("nopmid.xml"));
  REQUIRE(no_pmid.issues.size() == 1);
  CHECK(no_pmid.issues[0].field == "id");
}

TEST_CASE("entities are decoded; external entities and entity expansion are refused", "[pubmed][errors]") {
  TempDir dir;
  const std::string head = "<?xml version=\"1.0\"?>\n";
  const std::string open = "<PubmedArticleSet><PubmedArticle><MedlineCitation><PMID>1</PMID><Article>";
  const std::string close = "</Article></MedlineCitation></PubmedArticle></PubmedArticleSet>\n";
  test::write_text_file(dir.file("entities.xml"),
                        head + open + "<ArticleTitle>A &amp; B &lt;3 &#233;t&#xE9; &#x3B1;<sup>2</sup>\n\t x</ArticleTitle>"
                                      "<Abstract><AbstractText Label=\"R&amp;D\">t<![CDATA[ <b>&amp; ]]>u</AbstractText>"
                                      "</Abstract>" + close);
  const ReadResult decoded = read_all(dir.file("entities.xml"));
  CHECK(decoded.issues.empty());
  REQUIRE(decoded.studies.count("pmid-1") == 1);
  CHECK(decoded.studies.at("pmid-1").title == "A & B <3 \u00e9t\u00e9 \u03b12 x");
  CHECK(decoded.studies.at("pmid-1").summary == "R&D: t <b>&amp; u");

  // XXE: the entity is never resolved (no file is read), the file is an issue.
  const std::string secret = dir.file("secret.txt");
  test::write_text_file(secret, "TOP-SECRET-CONTENT\n");
  test::write_text_file(dir.file("xxe.xml"),
                        head + "<!DOCTYPE PubmedArticleSet [<!ENTITY xxe SYSTEM \"file://" + secret + "\">]>\n" + open +
                            "<ArticleTitle>T</ArticleTitle><Abstract><AbstractText>&xxe;</AbstractText></Abstract>" + close);
  const ReadResult xxe = read_all(dir.file("xxe.xml"));
  REQUIRE(xxe.issues.size() == 1);
  CHECK(xxe.issues[0].reason.find("malformed XML") == 0);
  for (const auto& [id, study] : xxe.studies) CHECK(study.summary.find("TOP-SECRET") == std::string::npos);

  // Billion laughs: declarations are not recorded, so nothing is expanded.
  std::string laughs = head + "<!DOCTYPE PubmedArticleSet [<!ENTITY l0 \"lol\">";
  for (int i = 1; i <= 9; ++i) {
    laughs += "<!ENTITY l" + std::to_string(i) + " \"";
    for (int k = 0; k < 10; ++k) laughs += "&l" + std::to_string(i - 1) + ";";
    laughs += "\">";
  }
  laughs += "]>\n" + open + "<ArticleTitle>T</ArticleTitle><Abstract><AbstractText>&l9;</AbstractText></Abstract>" + close;
  test::write_text_file(dir.file("laughs.xml"), laughs);
  const ReadResult bomb = read_all(dir.file("laughs.xml"));
  REQUIRE(bomb.issues.size() == 1);
  CHECK(bomb.issues[0].reason.find("malformed XML") == 0);
  CHECK(bomb.studies.empty());
}

TEST_CASE("design follows the documented precedence", "[pubmed]") {
  CHECK(pubmed_design({"Journal Article"}).empty());
  CHECK(pubmed_design({"Clinical Trial, Phase III", "Multicenter Study", "Randomized Controlled Trial"}) == "RCT");
  CHECK(pubmed_design({"Review", "Systematic Review", "Meta-Analysis"}) == "meta-analysis");
  CHECK(pubmed_design({"Review", "Systematic Review"}) == "systematic review");
  CHECK(pubmed_design({"Clinical Trial, Phase II"}) == "clinical trial");
  CHECK(pubmed_design({"Review", "Observational Study"}) == "observational");
  CHECK(pubmed_design({"Review", "Case Reports"}) == "case report");
  CHECK(pubmed_design({"Comment", "Review"}) == "review");
  CHECK(pubmed_design({"randomized controlled trial, veterinary"}) == "RCT");
}

TEST_CASE("updates revise, delete and drop citations that lost their abstract", "[pubmed][writer]") {
  TempDir dir;
  const std::string index = dir.file("index");
  {
    auto writer = IndexWriter::open(index);
    const IndexReport first = writer.index_files({kFiles + "pubmed99n0001.xml"});
    CHECK(first.added == 3);
    CHECK(first.without_abstract == 1);
    const IndexReport second = writer.index_files({kFiles + "pubmed99n0002.xml"});
    CHECK(second.added == 1);      // 9000005
    CHECK(second.replaced == 1);   // 9000001
    CHECK(second.deleted == 2);    // 9000002 listed, 9000004 lost its abstract; 9999999 was never there
    CHECK(second.delete_requests == 2);
    CHECK(second.without_abstract == 1);
  }
  auto stored = test::stored_studies(SearchEngine::open(index));
  CHECK(stored.size() == 2);
  CHECK(stored.count("pmid-9000005"));
  REQUIRE(stored.count("pmid-9000001"));
  CHECK(stored.at("pmid-9000001").title == "Revised: graded exercise in myalgic encephalomyelitis");

  SECTION("in one run the last word per id wins: a study or its deletion") {
    TempDir other;
    test::write_text_file(other.file("delete-9000001.xml"),
                          "<PubmedArticleSet><DeleteCitation><PMID>9000001</PMID></DeleteCitation></PubmedArticleSet>");
    test::write_text_file(other.file("delete-9000006.xml"),
                          "<PubmedArticleSet><DeleteCitation><PMID>9000006</PMID></DeleteCitation></PubmedArticleSet>");
    auto writer = IndexWriter::open(other.file("index"));
    const IndexReport deleted_after = writer.index_files({kFiles + "pubmed99n0001.xml", other.file("delete-9000001.xml")});
    CHECK(deleted_after.added == 2);  // 9000001 is never written
    CHECK(writer.document_count() == 2);
    const IndexReport deleted_before = writer.index_files({other.file("delete-9000006.xml"), kFiles + "pubmed99n0003.xml"});
    CHECK(deleted_before.added == 2);  // 9000003 and 9000006: the deletion came first
    CHECK(deleted_before.deleted == 0);
    CHECK(writer.document_count() == 4);
  }
  SECTION("one run over all three files ends where three runs do: a later version of a PMID replaces the earlier") {
    TempDir other;
    auto writer = IndexWriter::open(other.file("index"));
    const IndexReport report = writer.index_files(
        {kFiles + "pubmed99n0001.xml", kFiles + "pubmed99n0002.xml", kFiles + "pubmed99n0003.xml"});
    CHECK(report.issues.empty());
    const auto together = test::stored_studies(SearchEngine::open(other.file("index")));
    CHECK(together.size() == 3);
    REQUIRE(together.count("pmid-9000001"));
    CHECK(together.at("pmid-9000001").title == "Revised: graded exercise in myalgic encephalomyelitis");
    CHECK(together.count("pmid-9000003"));
    CHECK(together.count("pmid-9000006"));
  }
  SECTION("two versions of one PMID in one file: the later one is indexed") {
    TempDir other;
    const std::string citation =
        "<PubmedArticle><MedlineCitation><PMID Version=\"@\">9100001</PMID><Article><ArticleTitle>T</ArticleTitle>"
        "<Abstract><AbstractText>A</AbstractText></Abstract></Article></MedlineCitation></PubmedArticle>\n";
    std::string first = citation, second = citation;
    first.replace(first.find('@'), 1, "1").replace(first.find(">T<") + 1, 1, "Version one");
    second.replace(second.find('@'), 1, "2").replace(second.find(">T<") + 1, 1, "Version two");
    test::write_text_file(other.file("versions.xml"), "<PubmedArticleSet>\n" + first + second + "</PubmedArticleSet>\n");
    auto writer = IndexWriter::open(other.file("index"));
    const IndexReport report = writer.index_files({other.file("versions.xml")});
    CHECK(report.added == 1);
    CHECK(test::stored_studies(SearchEngine::open(other.file("index"))).at("pmid-9100001").title == "Version two");
  }
}

TEST_CASE("sha256 matches the FIPS vectors and sha256sum", "[pubmed][sync]") {
  TempDir dir;
  test::write_text_file(dir.file("abc"), "abc");
  test::write_text_file(dir.file("empty"), "");
  CHECK(sha256_file(dir.file("abc")) == "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
  CHECK(sha256_file(dir.file("empty")) == "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
  CHECK(sha256_file(kSample) == run("sha256sum '" + kSample + "'").substr(0, 64));
}

TEST_CASE("sync applies new files in name order, once, and refuses changed ones", "[pubmed][sync]") {
  TempDir dir;
  const std::string folder = dir.file("updates"), index = dir.file("index");
  fs::create_directories(folder);
  // Copied newest first: the order must come from the names.
  for (const char* name : {"pubmed99n0003.xml", "pubmed99n0002.xml", "pubmed99n0001.xml"})
    fs::copy_file(kFiles + name, folder + "/" + name);
  test::write_text_file(folder + "/notes.txt", "not a PubMed file");
  auto writer = IndexWriter::open(index);
  SyncPlan plan = plan_sync(writer, folder);
  REQUIRE(plan.pending.size() == 3);
  CHECK(plan.pending[0].entry.name == "pubmed99n0001.xml");
  CHECK(plan.pending[1].entry.name == "pubmed99n0002.xml");
  CHECK(plan.pending[2].entry.name == "pubmed99n0003.xml");
  CHECK(plan.pending[0].entry.size == fs::file_size(kFiles + "pubmed99n0001.xml"));
  CHECK(plan.pending[0].entry.sha256 == sha256_file(kFiles + "pubmed99n0001.xml"));
  for (const auto& file : plan.pending) writer.apply_file(file.path, file.entry);

  CHECK(writer.document_count() == 3);
  const auto stored = test::stored_studies(SearchEngine::open(index));
  CHECK(std::set<std::string>{"pmid-9000001", "pmid-9000003", "pmid-9000006"} ==
        std::set<std::string>{stored.begin()->first, std::next(stored.begin())->first, stored.rbegin()->first});
  CHECK(writer.applied_files().size() == 3);
  CHECK(writer.applied_files()[1] == plan.pending[1].entry);

  SECTION("a second run has nothing to do") {
    const SyncPlan again = plan_sync(writer, folder);
    CHECK(again.pending.empty());
    CHECK(again.already_applied == 3);
    CHECK_THROWS_AS(writer.apply_file(plan.pending[0].path, plan.pending[0].entry), Error);
    CHECK(writer.document_count() == 3);
  }
  SECTION("a new file is picked up, after the applied ones") {
    test::write_text_file(folder + "/pubmed99n0004.xml",
                          "<PubmedArticleSet><DeleteCitation><PMID>9000006</PMID></DeleteCitation></PubmedArticleSet>");
    const SyncPlan next = plan_sync(writer, folder);
    REQUIRE(next.pending.size() == 1);
    writer.apply_file(next.pending[0].path, next.pending[0].entry);
    CHECK(writer.document_count() == 2);
  }
  SECTION("an applied file that changed is an error naming it, and nothing is planned") {
    std::string text = test::read_text_file(folder + "/pubmed99n0002.xml");
    text.replace(text.find("Revised"), 7, "REVISED");  // same size, other bytes
    test::write_text_file(folder + "/pubmed99n0002.xml", text);
    try {
      plan_sync(writer, folder);
      FAIL("no error");
    } catch (const Error& e) {
      CHECK(e.kind() == ErrorKind::invalid_input);
      CHECK(std::string(e.what()).find("pubmed99n0002.xml: changed since it was applied") != std::string::npos);
    }
  }
  SECTION("a file touched but not changed is still applied (its hash is checked again)") {
    const std::string path = folder + "/pubmed99n0002.xml";
    fs::last_write_time(path, fs::last_write_time(path) + std::chrono::hours(1));
    const SyncPlan again = plan_sync(writer, folder);
    CHECK(again.pending.empty());
    CHECK(again.already_applied == 3);
  }
}

TEST_CASE("a malformed file stops the sync with nothing of it applied, earlier files kept", "[pubmed][sync]") {
  TempDir dir;
  const std::string folder = dir.file("updates"), index = dir.file("index");
  fs::create_directories(folder);
  fs::copy_file(kFiles + "pubmed99n0001.xml", folder + "/pubmed99n0001.xml");
  fs::copy_file(kFiles + "malformed.xml", folder + "/pubmed99n0002.xml");
  fs::copy_file(kFiles + "pubmed99n0003.xml", folder + "/pubmed99n0003.xml");
  auto writer = IndexWriter::open(index);
  const SyncPlan plan = plan_sync(writer, folder);
  REQUIRE(plan.pending.size() == 3);
  writer.apply_file(plan.pending[0].path, plan.pending[0].entry);
  try {
    writer.apply_file(plan.pending[1].path, plan.pending[1].entry);
    FAIL("no error");
  } catch (const Error& e) {
    CHECK(e.kind() == ErrorKind::invalid_input);
    CHECK(std::string(e.what()).find("pubmed99n0002.xml:17: malformed XML") != std::string::npos);
  }
  CHECK(writer.document_count() == 3);  // as after 0001; 9000007 (valid, before the break) not written
  CHECK(writer.applied_files().size() == 1);

  // The fixed file is applied on the next run, then the rest.
  fs::copy_file(kFiles + "pubmed99n0002.xml", folder + "/pubmed99n0002.xml", fs::copy_options::overwrite_existing);
  const SyncPlan resumed = plan_sync(writer, folder);
  REQUIRE(resumed.pending.size() == 2);
  CHECK(resumed.pending[0].entry.name == "pubmed99n0002.xml");
  for (const auto& file : resumed.pending) writer.apply_file(file.path, file.entry);
  CHECK(writer.document_count() == 3);
  CHECK(writer.applied_files().size() == 3);
}
