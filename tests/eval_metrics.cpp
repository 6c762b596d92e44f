// The evaluation harness, specified by hand-computed examples: every expected
// number below has its arithmetic in a comment.
#include <catch2/catch.hpp>
#include <cmath>
#include <sstream>
#include <string>

#include "studysearch/eval.hpp"
#include "studysearch/eval_collection.hpp"

using namespace studysearch::eval;
using Catch::Matchers::Contains;

namespace {

Qrels qrels_from(const std::string& text) {
  std::istringstream in(text);
  return read_qrels(in, "qrels.txt");
}

Run run_from(const std::string& text) {
  std::istringstream in(text);
  return read_run(in, "run.txt");
}

// A ranking with the given docids at ranks 1, 2, ... (descending scores).
std::vector<ScoredDoc> ranked(const std::vector<std::string>& docids) {
  std::vector<ScoredDoc> docs;
  for (std::size_t i = 0; i < docids.size(); ++i)
    docs.push_back({docids[i], static_cast<double>(docids.size() - i)});
  return docs;
}

}  // namespace

TEST_CASE("nDCG@10 uses the grade as gain and the qrels' ideal ranking") {
  const std::map<std::string, int> judged{{"a", 3}, {"b", 2}, {"c", 1}, {"d", 0}};
  // ranks: 1 b (2), 2 x (unjudged, 0), 3 a (3), 4 c (1)
  // DCG  = 2/log2(2) + 0/log2(3) + 3/log2(4) + 1/log2(5) = 2 + 0 + 1.5 + 0.430677 = 3.930677
  // IDCG = 3/log2(2) + 2/log2(3) + 1/log2(4)             = 3 + 1.261860 + 0.5     = 4.761860
  // nDCG = 3.930677 / 4.761860 = 0.825450
  auto scores = score_query("q", judged, ranked({"b", "x", "a", "c"}));
  CHECK(scores.ndcg_at_10 == Approx(0.825450).epsilon(1e-5));

  // The ideal ranking itself scores 1; the judged-0 "d" adds nothing.
  CHECK(score_query("q", judged, ranked({"a", "b", "c", "d"})).ndcg_at_10 == Approx(1.0));
}

TEST_CASE("nDCG@10 ignores documents below rank 10 and ideal entries past 10") {
  // 11 relevant docs of grade 1; the run puts r0..r9 at ranks 1-10, r10 at 11.
  std::map<std::string, int> judged;
  std::vector<std::string> order;
  for (int i = 0; i <= 10; ++i) {
    judged["r" + std::to_string(i)] = 1;
    order.push_back("r" + std::to_string(i));
  }
  // DCG@10 = IDCG@10 = sum_{k=1..10} 1/log2(k+1) -> nDCG@10 = 1
  CHECK(score_query("q", judged, ranked(order)).ndcg_at_10 == Approx(1.0));
}

TEST_CASE("AP averages the precision at each relevant document over all relevant") {
  const std::map<std::string, int> judged{{"a", 1}, {"b", 1}, {"c", 2}, {"n", 0}};
  // relevant a, b, c found at ranks 1, 3, 6:
  // AP = (1/1 + 2/3 + 3/6) / 3 = (1 + 0.666667 + 0.5) / 3 = 0.722222
  auto scores = score_query("q", judged, ranked({"a", "x", "b", "n", "y", "c"}));
  CHECK(scores.average_precision == Approx(0.722222).epsilon(1e-5));
  CHECK(scores.relevant == 3);
  CHECK(scores.relevant_retrieved == 3);
  // P@10 = 3 relevant in the top 10 / 10 = 0.3 (6 retrieved, still divided by 10)
  CHECK(scores.precision_at_10 == Approx(0.3));

  // A fourth relevant document never retrieved: same sum over 4.
  // AP = (1 + 0.666667 + 0.5) / 4 = 0.541667
  auto judged4 = judged;
  judged4["d"] = 1;
  CHECK(score_query("q", judged4, ranked({"a", "x", "b", "n", "y", "c"})).average_precision ==
        Approx(0.541667).epsilon(1e-5));
}

TEST_CASE("AP counts only the first 1000 documents") {
  // The only relevant doc at rank 1001: outside the depth, AP = 0.
  std::vector<std::string> order;
  for (int i = 0; i < 1000; ++i) order.push_back("n" + std::to_string(i));
  order.push_back("rel");
  auto scores = score_query("q", {{"rel", 1}}, ranked(order));
  CHECK(scores.average_precision == 0.0);
  CHECK(scores.retrieved == 1000);
}

TEST_CASE("recall@100 counts relevant documents in the top 100") {
  // 4 relevant, placed at ranks 5, 50, 100 and 101 of a 150-document run.
  std::map<std::string, int> judged{{"r5", 1}, {"r50", 1}, {"r100", 1}, {"r101", 1}};
  std::vector<std::string> order;
  for (int rank = 1; rank <= 150; ++rank) {
    std::string id = "n" + std::to_string(rank);
    if (judged.contains("r" + std::to_string(rank))) id = "r" + std::to_string(rank);
    order.push_back(id);
  }
  auto scores = score_query("q", judged, ranked(order));
  // recall@100 = 3 (ranks 5, 50, 100) / 4 = 0.75
  CHECK(scores.recall_at_100 == Approx(0.75));
  // P@10 = 1 (rank 5) / 10 = 0.1
  CHECK(scores.precision_at_10 == Approx(0.1));
  // AP = (1/5 + 2/50 + 3/100 + 4/101) / 4 = (0.2 + 0.04 + 0.03 + 0.039604) / 4 = 0.077401
  CHECK(scores.average_precision == Approx(0.077401).epsilon(1e-4));
}

TEST_CASE("queries missing from the run count as zero; queries without relevant docs are skipped") {
  // q1: one relevant doc, retrieved first -> AP 1, nDCG 1.
  // q2: one relevant doc, absent from the run -> all metrics 0.
  // q3: judged but nothing relevant -> skipped.
  // q9: only in the run -> ignored.
  auto qrels = qrels_from("q1 0 a 1\nq2 0 b 2\nq3 0 c 0\n");
  auto run = run_from("q1 Q0 a 1 5.0 t\nq9 Q0 z 1 3.0 t\n");
  auto result = evaluate(qrels, run);
  REQUIRE(result.queries.size() == 2);
  CHECK(result.missing_from_run == 1);
  CHECK(result.skipped_no_relevant == 1);
  CHECK(result.unjudged_run_queries == 1);
  // MAP = (1 + 0) / 2 = 0.5, nDCG@10 = (1 + 0) / 2 = 0.5, P@10 = (0.1 + 0) / 2 = 0.05
  CHECK(result.mean.average_precision == Approx(0.5));
  CHECK(result.mean.ndcg_at_10 == Approx(0.5));
  CHECK(result.mean.recall_at_100 == Approx(0.5));
  CHECK(result.mean.precision_at_10 == Approx(0.05));
  CHECK(result.queries[1].qid == "q2");
  CHECK(result.queries[1].retrieved == 0);
}

TEST_CASE("ties are broken by docid descending, the rank column is ignored") {
  // The file ranks d1 first, but both score 1.0: trec_eval orders them
  // d2, d1 (docid descending), so the relevant d1 is at rank 2: AP = 1/2.
  auto run = run_from("q Q0 d1 1 1.0 t\nq Q0 d2 2 1.0 t\n");
  REQUIRE(run.at("q").size() == 2);
  CHECK(run.at("q")[0].docid == "d2");
  CHECK(score_query("q", {{"d1", 1}}, run.at("q")).average_precision == Approx(0.5));

  // Byte order, not numeric: "d9" > "d10" > "d1"; a higher score still wins.
  std::vector<ScoredDoc> docs{{"d1", 2.0}, {"d10", 2.0}, {"d9", 2.0}, {"low", 0.5}, {"top", 3.0}};
  sort_trec_order(docs);
  std::vector<std::string> order;
  for (const auto& doc : docs) order.push_back(doc.docid);
  CHECK(order == std::vector<std::string>{"top", "d9", "d10", "d1", "low"});
}

TEST_CASE("readers accept CRLF, tabs and blank lines") {
  auto qrels = qrels_from("1\t0\tdoc-a\t2\r\n\n1 0 doc-b 0\r\n");
  CHECK(qrels.at("1").at("doc-a") == 2);
  CHECK(qrels.at("1").at("doc-b") == 0);
  auto run = run_from("1 Q0 doc-a 1 -2.5e-1 tag\r\n\n1 Q0 doc-b 2 +3 tag\n");
  CHECK(run.at("1")[0].docid == "doc-b");
  CHECK(run.at("1")[1].score == -0.25);
}

TEST_CASE("malformed qrels and run lines are errors that name file and line") {
  using studysearch::Error;
  CHECK_THROWS_WITH(qrels_from("1 0 a 1\n1 0 b\n"), Contains("qrels.txt:2:") && Contains("4 fields"));
  CHECK_THROWS_WITH(qrels_from("1 0 a high\n"), Contains("qrels.txt:1:") && Contains("'high' is not an integer"));
  CHECK_THROWS_WITH(qrels_from("1 0 a 1\n\n1 0 a 2\n"), Contains("qrels.txt:3:") && Contains("twice"));
  CHECK_THROWS_WITH(run_from("1 Q0 a 1 0.5 t\n1 Q0 b 2 t\n"), Contains("run.txt:2:") && Contains("6 fields"));
  CHECK_THROWS_WITH(run_from("1 Q0 a 1 high t\n"), Contains("run.txt:1:") && Contains("score 'high'"));
  CHECK_THROWS_WITH(run_from("1 Q0 a 1 nan t\n"), Contains("run.txt:1:"));
  CHECK_THROWS_WITH(run_from("1 Q0 a first 1 t\n"), Contains("run.txt:1:") && Contains("rank 'first'"));
  CHECK_THROWS_WITH(run_from("1 Q0 a 1 2 t\n1 Q0 a 2 1 t\n"), Contains("run.txt:2:") && Contains("twice"));
  try {
    run_from("broken\n");
    FAIL("expected an error");
  } catch (const Error& error) {
    CHECK(error.kind() == studysearch::ErrorKind::invalid_input);
  }
  std::istringstream topics("1\tfirst query\n2 no tab here\n");
  CHECK_THROWS_WITH(read_topics(topics, "topics.tsv"), Contains("topics.tsv:2:") && Contains("no tab"));
  CHECK_THROWS_WITH(read_qrels_file("/nonexistent/qrels.txt"), Contains("/nonexistent/qrels.txt: cannot open"));
}

TEST_CASE("MED converter: ids, first-sentence titles, collapsed summaries, rewritten qrels") {
  std::istringstream all(
      ".I 1\r\n.W\r\ncorrelation between maternal and fetal plasma levels of glucose and free\r\n"
      "fatty acids .   \r\n  correlation coefficients have been determined .\r\n"
      ".I 2\n.W\n a study with \"quotes\" and no sentence end\n");
  std::istringstream queries(".I 1\n.W\n the crystalline lens in\n vertebrates.\n.I 2\n.W\nfatty acids\n");
  std::istringstream rel("1 0 2 1\n2 0 1 1\n");
  Collection med = convert_med(all, queries, rel);

  REQUIRE(med.documents.size() == 2);
  const Document& first = med.documents[0];
  CHECK(first.id == "med-1");
  CHECK(first.title == "correlation between maternal and fetal plasma levels of glucose and free fatty acids");
  CHECK(first.summary ==
        "correlation between maternal and fetal plasma levels of glucose and free fatty acids . "
        "correlation coefficients have been determined .");
  CHECK(med.documents[1].title == "a study with \"quotes\" and no sentence end");
  CHECK(to_jsonl(med.documents[1]) ==
        R"({"id":"med-2","title":"a study with \"quotes\" and no sentence end",)"
        R"("summary":"a study with \"quotes\" and no sentence end"})");

  REQUIRE(med.topics.size() == 2);
  CHECK(med.topics[0].qid == "1");
  CHECK(med.topics[0].query == "the crystalline lens in vertebrates.");
  REQUIRE(med.judgements.size() == 2);
  CHECK(med.judgements[0].docid == "med-2");
  CHECK(med.judgements[1].qid == "2");
}

TEST_CASE("MED converter rejects judgements of unknown documents and malformed records") {
  std::istringstream all(".I 1\n.W\ntext .\n");
  std::istringstream queries(".I 1\n.W\nquery\n");
  std::istringstream rel("1 0 1 1\n1 0 7 1\n");
  CHECK_THROWS_WITH(convert_med(all, queries, rel), Contains("MED.REL:2:") && Contains("med-7"));

  std::istringstream bad(".I 1\n.W\ntext\n.I x\n");
  CHECK_THROWS_WITH(read_smart(bad, "MED.ALL"), Contains("MED.ALL:4:"));
  std::istringstream orphan("stray text\n.I 1\n");
  CHECK_THROWS_WITH(read_smart(orphan, "MED.ALL"), Contains("MED.ALL:1:"));
}

TEST_CASE("MED titles: the lines before the indented paragraph, else the first line") {
  // Padded abstract: the title wraps and the first paragraph is indented.
  CHECK(med_title("changes of the nucleic acid levels of the livers in the   \n"
                  "course of fetal development .     \n  we have followed the evolution") ==
        "changes of the nucleic acid levels of the livers in the course of fetal development");
  // Ragged abstract: the first line, without its accession number and period.
  CHECK(med_title("4181. cerebrospinal fluid in man native to high altitude\ncsf ph was shown") ==
        "cerebrospinal fluid in man native to high altitude");
  CHECK(med_title("670.  steroid aerosol spray in contact dermatitis.\nprophylactic use") ==
        "steroid aerosol spray in contact dermatitis");
  CHECK(med_title("7839.cortical ph and the blood-brain barrier\na method was described") ==
        "cortical ph and the blood-brain barrier");
  // A double space inside the first line ends the title.
  CHECK(med_title("3075. vaccinia pneumonia in mice.  a light and electron\nmicroscopic study") ==
        "vaccinia pneumonia in mice");
  CHECK(med_title("short title . more text .") == "short title");
  // 200 characters or more: no title.
  CHECK(med_title(std::string(250, 'a') + " . rest") == "");
}

TEST_CASE("Cranfield converter: title, one author per line, stray markers, empty records") {
  std::istringstream all(
      ".I 1\n.T\nexperimental investigation of a\nwing in a slipstream .\n.A\nbrenckman,m.\nsmith, j.\n"
      ".B\nj. ae. scs. 25, 1958, 324.\n.W\nan experimental study\n.A\nstill the abstract .\n"
      ".I 2\n.T\n.A\n.B\n.W\n"
      ".I 3\n.T\nonly a title .\n.A\n.B\n.W\n");
  std::istringstream topics("1\twhat similarity laws .\n");
  std::istringstream qrels("1 0 3 4\n1 0 1 2\n");
  Collection cran = convert_cranfield(all, topics, qrels);

  REQUIRE(cran.documents.size() == 3);
  CHECK(cran.documents[0].id == "cran-1");
  CHECK(cran.documents[0].title == "experimental investigation of a wing in a slipstream");
  CHECK(cran.documents[0].authors == std::vector<std::string>{"brenckman,m.", "smith, j."});
  // The stray ".A" inside the text is dropped, the line after it kept.
  CHECK(cran.documents[0].summary == "an experimental study still the abstract .");
  // An empty record gets its id as summary, so every record is valid.
  CHECK(cran.documents[1].summary == "cran-2");
  CHECK(to_jsonl(cran.documents[1]) == R"({"id":"cran-2","summary":"cran-2"})");
  // No text: the title stands in.
  CHECK(cran.documents[2].summary == "only a title");
  REQUIRE(cran.judgements.size() == 2);
  CHECK(cran.judgements[0].docid == "cran-3");
  CHECK(cran.judgements[0].relevance == 4);
}
