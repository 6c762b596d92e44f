// studysearch-eval: trec_eval-style scores of a TREC run against qrels.
#include <cstdio>
#include <iostream>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "studysearch/eval.hpp"

namespace {

constexpr const char* usage_text = R"(usage: studysearch-eval QRELS RUN [--per-query] [--json]

Scores a TREC run (`qid Q0 docid rank score tag`) against qrels
(`qid iteration docid relevance`), as trec_eval 9 would:
  nDCG@10     gain = relevance grade (linear), discount log2(rank + 1),
              ideal ranking from the qrels (trec_eval ndcg_cut.10)
  MAP         mean average precision over the first 1000 documents
  recall@100  relevant documents in the top 100 / relevant documents
  P@10        relevant documents in the top 10 / 10
Relevance > 0 counts as relevant. Ranking: score descending, ties by docid
descending (byte order), as trec_eval; the rank column is ignored.
Queries of the qrels without a relevant document are skipped; queries of the
qrels missing from the run score 0 (trec_eval -c); run queries absent from the
qrels are ignored. Means are over the scored queries.

  --per-query  also print one line (or JSON object) per query
  --json       print JSON instead of a table

exit status: 0 scored, 1 bad input file, 2 bad usage)";

struct Arguments {
  std::string qrels;
  std::string run;
  bool per_query = false;
  bool json = false;
};

int usage_error(const std::string& message) {
  std::cerr << "studysearch-eval: " << message << "\n\n" << usage_text << '\n';
  return 2;
}

std::string fixed4(double value) {
  char buffer[32];
  std::snprintf(buffer, sizeof buffer, "%.4f", value);
  return buffer;
}

nlohmann::ordered_json to_json(const studysearch::eval::QueryScores& q) {
  return {{"qid", q.qid},
          {"ndcg@10", q.ndcg_at_10},
          {"ap", q.average_precision},
          {"recall@100", q.recall_at_100},
          {"p@10", q.precision_at_10},
          {"relevant", q.relevant},
          {"retrieved", q.retrieved},
          {"relevant_retrieved", q.relevant_retrieved}};
}

void print_json(const studysearch::eval::Evaluation& result, bool per_query) {
  const auto& mean = result.mean;
  nlohmann::ordered_json out = {{"queries", result.queries.size()},
                                {"ndcg@10", mean.ndcg_at_10},
                                {"map", mean.average_precision},
                                {"recall@100", mean.recall_at_100},
                                {"p@10", mean.precision_at_10},
                                {"missing_from_run", result.missing_from_run},
                                {"skipped_no_relevant", result.skipped_no_relevant},
                                {"unjudged_run_queries", result.unjudged_run_queries}};
  if (per_query) {
    out["per_query"] = nlohmann::ordered_json::array();
    for (const auto& q : result.queries) out["per_query"].push_back(to_json(q));
  }
  std::cout << out.dump(2) << '\n';
}

void print_table(const studysearch::eval::Evaluation& result, bool per_query) {
  if (per_query) {
    std::printf("%-10s %8s %8s %10s %8s %6s %6s\n", "qid", "nDCG@10", "AP", "recall@100", "P@10",
                "rel", "ret");
    for (const auto& q : result.queries)
      std::printf("%-10s %8s %8s %10s %8s %6zu %6zu\n", q.qid.c_str(), fixed4(q.ndcg_at_10).c_str(),
                  fixed4(q.average_precision).c_str(), fixed4(q.recall_at_100).c_str(),
                  fixed4(q.precision_at_10).c_str(), q.relevant, q.retrieved);
    std::printf("\n");
  }
  const auto& mean = result.mean;
  std::printf("%-12s %zu", "queries", result.queries.size());
  if (result.missing_from_run > 0) std::printf("  (%zu missing from the run, scored 0)", result.missing_from_run);
  std::printf("\n%-12s %s\n%-12s %s\n%-12s %s\n%-12s %s\n", "nDCG@10", fixed4(mean.ndcg_at_10).c_str(),
              "MAP", fixed4(mean.average_precision).c_str(), "recall@100",
              fixed4(mean.recall_at_100).c_str(), "P@10", fixed4(mean.precision_at_10).c_str());
  if (result.skipped_no_relevant > 0)
    std::printf("(%zu qrels queries without a relevant document skipped)\n", result.skipped_no_relevant);
  if (result.unjudged_run_queries > 0)
    std::printf("(%zu run queries not in the qrels ignored)\n", result.unjudged_run_queries);
}

}  // namespace

int main(int argc, char** argv) {
  Arguments args;
  std::vector<std::string> files;
  for (int i = 1; i < argc; ++i) {
    std::string arg = argv[i];
    if (arg == "-h" || arg == "--help") {
      std::cout << usage_text << '\n';
      return 0;
    }
    if (arg == "--per-query") args.per_query = true;
    else if (arg == "--json") args.json = true;
    else if (arg.starts_with("--")) return usage_error("unknown option " + arg);
    else files.push_back(arg);
  }
  if (files.size() != 2) return usage_error("expected two files, QRELS and RUN");
  args.qrels = files[0];
  args.run = files[1];
  try {
    auto qrels = studysearch::eval::read_qrels_file(args.qrels);
    auto run = studysearch::eval::read_run_file(args.run);
    auto result = studysearch::eval::evaluate(qrels, run);
    if (result.queries.empty()) {
      std::cerr << "studysearch-eval: " << args.qrels
                << ": no query has a relevant document (relevance > 0); nothing to score\n";
      return 1;
    }
    if (args.json) print_json(result, args.per_query);
    else print_table(result, args.per_query);
  } catch (const studysearch::Error& error) {
    std::cerr << "studysearch-eval: " << error.what() << '\n';
    return 1;
  }
  return 0;
}
