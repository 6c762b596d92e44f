// Readers for the TREC text formats: qrels, runs and topics.
#include <algorithm>
#include <fstream>
#include <set>
#include <string>
#include <unordered_map>

#include "line_parsing.hpp"
#include "studysearch/eval.hpp"

namespace studysearch::eval {
namespace {

std::string quoted(std::string_view text) { return "'" + std::string(text) + "'"; }

std::ifstream open_input(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in)
    throw Error(ErrorKind::invalid_input, path + ": cannot open file (does it exist and is it readable?)");
  return in;
}

Judgement parse_judgement(const detail::LineReader& lines, std::string_view line) {
  auto fields = detail::split_fields(line);
  if (fields.size() != 4)
    throw lines.error("expected 4 fields `qid iteration docid relevance`, got " +
                      std::to_string(fields.size()));
  auto relevance = detail::parse_int(fields[3]);
  if (!relevance) throw lines.error("relevance " + quoted(fields[3]) + " is not an integer");
  return {std::string(fields[0]), std::string(fields[2]), *relevance, lines.number()};
}

}  // namespace

std::vector<Judgement> read_judgements(std::istream& in, const std::string& name) {
  std::vector<Judgement> judgements;
  detail::LineReader lines(in, name);
  std::string line;
  while (lines.next(line))
    if (!detail::is_blank(line)) judgements.push_back(parse_judgement(lines, line));
  return judgements;
}

Qrels read_qrels(std::istream& in, const std::string& name) {
  Qrels qrels;
  detail::LineReader lines(in, name);
  std::string line;
  while (lines.next(line)) {
    if (detail::is_blank(line)) continue;
    Judgement judgement = parse_judgement(lines, line);
    if (!qrels[judgement.qid].emplace(judgement.docid, judgement.relevance).second)
      throw lines.error("query " + quoted(judgement.qid) + " judges document " + quoted(judgement.docid) +
                        " twice (keep one line per pair)");
  }
  return qrels;
}

Run read_run(std::istream& in, const std::string& name) {
  Run run;
  std::unordered_map<std::string, std::set<std::string>> seen;
  detail::LineReader lines(in, name);
  std::string line;
  while (lines.next(line)) {
    if (detail::is_blank(line)) continue;
    auto fields = detail::split_fields(line);
    if (fields.size() != 6)
      throw lines.error("expected 6 fields `qid Q0 docid rank score tag`, got " +
                        std::to_string(fields.size()));
    if (!detail::parse_int(fields[3]))
      throw lines.error("rank " + quoted(fields[3]) + " is not an integer");
    auto score = detail::parse_double(fields[4]);
    if (!score) throw lines.error("score " + quoted(fields[4]) + " is not a finite number");
    std::string qid(fields[0]);
    std::string docid(fields[2]);
    if (!seen[qid].insert(docid).second)
      throw lines.error("query " + quoted(qid) + " retrieves document " + quoted(docid) +
                        " twice (trec_eval rejects duplicate documents)");
    run[qid].push_back({std::move(docid), *score});
  }
  for (auto& [qid, docs] : run) sort_trec_order(docs);
  return run;
}

std::vector<Topic> read_topics(std::istream& in, const std::string& name) {
  std::vector<Topic> topics;
  std::set<std::string> seen;
  detail::LineReader lines(in, name);
  std::string line;
  while (lines.next(line)) {
    if (detail::is_blank(line)) continue;
    auto tab = line.find('\t');
    if (tab == std::string::npos) throw lines.error("expected `qid<TAB>query`, found no tab");
    std::string qid = detail::collapse_whitespace(std::string_view(line).substr(0, tab));
    std::string query = detail::collapse_whitespace(std::string_view(line).substr(tab + 1));
    if (qid.empty() || qid.find(' ') != std::string::npos)
      throw lines.error("query id " + quoted(qid) + " must be one non-empty word");
    if (query.empty()) throw lines.error("query " + quoted(qid) + " has empty text");
    if (!seen.insert(qid).second) throw lines.error("query id " + quoted(qid) + " appears twice");
    topics.push_back({std::move(qid), std::move(query)});
  }
  return topics;
}

Qrels read_qrels_file(const std::string& path) {
  auto in = open_input(path);
  return read_qrels(in, path);
}

Run read_run_file(const std::string& path) {
  auto in = open_input(path);
  return read_run(in, path);
}

void sort_trec_order(std::vector<ScoredDoc>& docs) {
  std::sort(docs.begin(), docs.end(), [](const ScoredDoc& a, const ScoredDoc& b) {
    if (a.score != b.score) return a.score > b.score;
    return a.docid > b.docid;
  });
}

}  // namespace studysearch::eval
