#pragma once
// Ranking evaluation: TREC qrels/run/topics readers and trec_eval-compatible
// metrics (nDCG@10, AP/MAP, recall@100, P@10).
//
// Conventions, all those of trec_eval 9 unless said otherwise:
// - A run is ranked by score descending, ties by docid descending (byte order,
//   trec_eval's comp_sim_docno); the rank column is read but ignored.
// - Only the first `run_depth` (1000) documents of a query count (MAP@1000).
// - Relevance > 0 is relevant for AP, recall and precision; nDCG uses the grade
//   itself as gain (linear), discount log2(rank + 1), ideal ranking from the
//   qrels; grades <= 0 give no gain.
// - Queries of the qrels without a relevant document are skipped; queries of
//   the qrels missing from the run score 0 (trec_eval -c); run queries not in
//   the qrels are ignored.
//
// Errors: readers throw studysearch::Error{ErrorKind::invalid_input} with
// "name:line: what is wrong (expected ...)" for malformed lines and duplicates.
#include <cstddef>
#include <iosfwd>
#include <map>
#include <string>
#include <vector>

#include "studysearch/error.hpp"

namespace studysearch::eval {

/// Documents per query that count; later ones are ignored (trec_eval -M1000).
inline constexpr std::size_t run_depth = 1000;

/// One line of a qrels file: `qid iteration docid relevance`.
struct Judgement {
  std::string qid;
  std::string docid;
  int relevance = 0;
  std::size_t line = 0;  ///< 1-based line it was read from (0: not from a file)
};

/// One line of a topics file: `qid<TAB>query`.
struct Topic {
  std::string qid;
  std::string query;
};

/// qid -> docid -> relevance grade.
using Qrels = std::map<std::string, std::map<std::string, int>>;

/// One retrieved document of one query.
struct ScoredDoc {
  std::string docid;
  double score = 0;
};

/// qid -> retrieved documents, in trec_eval order (see sort_trec_order).
using Run = std::map<std::string, std::vector<ScoredDoc>>;

/// Qrels lines in file order. Blank lines are skipped; anything but four
/// fields with an integer relevance is an error.
std::vector<Judgement> read_judgements(std::istream& in, const std::string& name);

/// Qrels as a map; a (qid, docid) pair judged twice is an error.
Qrels read_qrels(std::istream& in, const std::string& name);

/// Run lines `qid Q0 docid rank score tag` (six fields, integer rank, finite
/// score); a docid listed twice for one query is an error. Each query's list
/// is returned in trec_eval order.
Run read_run(std::istream& in, const std::string& name);

/// `qid<TAB>query` lines; empty qid or query, or a repeated qid, is an error.
std::vector<Topic> read_topics(std::istream& in, const std::string& name);

/// File versions of the readers; an unreadable file is an invalid_input error.
Qrels read_qrels_file(const std::string& path);
Run read_run_file(const std::string& path);

/// Score descending, then docid descending (byte order), as trec_eval ranks.
void sort_trec_order(std::vector<ScoredDoc>& docs);

/// Scores of one query (or, in Evaluation::mean, their averages).
struct QueryScores {
  std::string qid;
  double ndcg_at_10 = 0;
  double average_precision = 0;  ///< the mean of these is MAP
  double recall_at_100 = 0;
  double precision_at_10 = 0;    ///< divided by 10 even if fewer were retrieved
  std::size_t relevant = 0;      ///< judged relevant in the qrels
  std::size_t retrieved = 0;     ///< in the run, at most run_depth
  std::size_t relevant_retrieved = 0;
};

/// Scores one query. `ranking` need not be sorted: it is put in trec_eval
/// order first. `judged` maps docid to grade.
QueryScores score_query(const std::string& qid, const std::map<std::string, int>& judged,
                        std::vector<ScoredDoc> ranking);

struct Evaluation {
  std::vector<QueryScores> queries;   ///< evaluated queries, in qid order
  QueryScores mean;                   ///< qid "all"; counts are sums
  std::size_t missing_from_run = 0;   ///< evaluated queries the run has no line for
  std::size_t skipped_no_relevant = 0;  ///< qrels queries without a relevant doc
  std::size_t unjudged_run_queries = 0;  ///< run queries absent from the qrels
};

/// Scores every qrels query with at least one relevant document.
Evaluation evaluate(const Qrels& qrels, const Run& run);

}  // namespace studysearch::eval
