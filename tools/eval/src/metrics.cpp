// trec_eval-compatible per-query metrics and their means.
#include <algorithm>
#include <cmath>
#include <functional>

#include "studysearch/eval.hpp"

namespace studysearch::eval {
namespace {

constexpr std::size_t ndcg_cutoff = 10;
constexpr std::size_t precision_cutoff = 10;
constexpr std::size_t recall_cutoff = 100;

// Discounted gain of the document at 0-based position i (rank i + 1).
double discounted(int grade, std::size_t i) {
  return grade > 0 ? grade / std::log2(static_cast<double>(i) + 2.0) : 0.0;
}

double ideal_dcg(const std::map<std::string, int>& judged) {
  std::vector<int> grades;
  for (const auto& [docid, grade] : judged)
    if (grade > 0) grades.push_back(grade);
  std::sort(grades.begin(), grades.end(), std::greater<>());
  double ideal = 0;
  for (std::size_t i = 0; i < grades.size() && i < ndcg_cutoff; ++i) ideal += discounted(grades[i], i);
  return ideal;
}

}  // namespace

QueryScores score_query(const std::string& qid, const std::map<std::string, int>& judged,
                        std::vector<ScoredDoc> ranking) {
  sort_trec_order(ranking);
  QueryScores scores;
  scores.qid = qid;
  scores.relevant = static_cast<std::size_t>(
      std::count_if(judged.begin(), judged.end(), [](const auto& entry) { return entry.second > 0; }));
  scores.retrieved = std::min(ranking.size(), run_depth);

  double precision_sum = 0;  // sum of precision at each relevant retrieved doc
  double dcg = 0;
  std::size_t hits_at_10 = 0;
  std::size_t hits_at_100 = 0;
  for (std::size_t i = 0; i < scores.retrieved; ++i) {
    auto found = judged.find(ranking[i].docid);
    int grade = found == judged.end() ? 0 : found->second;
    if (i < ndcg_cutoff) dcg += discounted(grade, i);
    if (grade <= 0) continue;
    ++scores.relevant_retrieved;
    precision_sum += static_cast<double>(scores.relevant_retrieved) / static_cast<double>(i + 1);
    if (i < precision_cutoff) ++hits_at_10;
    if (i < recall_cutoff) ++hits_at_100;
  }
  if (scores.relevant > 0) {
    double relevant = static_cast<double>(scores.relevant);
    scores.average_precision = precision_sum / relevant;
    scores.recall_at_100 = static_cast<double>(hits_at_100) / relevant;
    scores.ndcg_at_10 = dcg / ideal_dcg(judged);
  }
  scores.precision_at_10 = static_cast<double>(hits_at_10) / static_cast<double>(precision_cutoff);
  return scores;
}

Evaluation evaluate(const Qrels& qrels, const Run& run) {
  Evaluation result;
  result.mean.qid = "all";
  static const std::vector<ScoredDoc> nothing_retrieved;
  for (const auto& [qid, judged] : qrels) {
    bool has_relevant = std::any_of(judged.begin(), judged.end(), [](const auto& e) { return e.second > 0; });
    if (!has_relevant) {
      ++result.skipped_no_relevant;
      continue;
    }
    auto in_run = run.find(qid);
    if (in_run == run.end()) ++result.missing_from_run;
    result.queries.push_back(
        score_query(qid, judged, in_run == run.end() ? nothing_retrieved : in_run->second));
  }
  for (const auto& [qid, docs] : run)
    if (!qrels.contains(qid)) ++result.unjudged_run_queries;

  QueryScores& mean = result.mean;
  for (const QueryScores& q : result.queries) {
    mean.ndcg_at_10 += q.ndcg_at_10;
    mean.average_precision += q.average_precision;
    mean.recall_at_100 += q.recall_at_100;
    mean.precision_at_10 += q.precision_at_10;
    mean.relevant += q.relevant;
    mean.retrieved += q.retrieved;
    mean.relevant_retrieved += q.relevant_retrieved;
  }
  if (!result.queries.empty()) {
    double n = static_cast<double>(result.queries.size());
    mean.ndcg_at_10 /= n;
    mean.average_precision /= n;
    mean.recall_at_100 /= n;
    mean.precision_at_10 /= n;
  }
  return result;
}

}  // namespace studysearch::eval
