// SMART-format reading and the MED / Cranfield converters.
#include <algorithm>
#include <fstream>
#include <nlohmann/json.hpp>
#include <set>

#include "line_parsing.hpp"
#include "studysearch/eval_collection.hpp"

namespace studysearch::eval {
namespace {

constexpr std::size_t max_med_title = 200;

// A marker line is "." plus one upper-case letter, possibly with trailing blanks.
char marker_of(std::string_view line) {
  std::string word = detail::collapse_whitespace(line);
  if (word.size() == 2 && word[0] == '.' && word[1] >= 'A' && word[1] <= 'Z') return word[1];
  return 0;
}

std::string section(const SmartRecord& record, char marker) {
  auto found = record.sections.find(marker);
  return found == record.sections.end() ? std::string() : detail::collapse_whitespace(found->second);
}

// "wing in a slipstream ." -> "wing in a slipstream"
std::string strip_final_period(std::string text) {
  if (!text.empty() && text.back() == '.') text.pop_back();
  while (!text.empty() && text.back() == ' ') text.pop_back();
  return text;
}

// The indexer requires a non-empty summary: fall back to the title, then to
// the id (Cranfield 471 and 995 are empty; the id adds no query-like words).
void ensure_summary(Document& document) {
  if (document.summary.empty()) document.summary = document.title;
  if (document.summary.empty()) document.summary = document.id;
}

std::string file_name(const std::string& source, const char* file) {
  return source.empty() ? std::string(file) : source + "/" + file;
}

// Rewrites judgement docids to corpus ids and checks that every judged
// document and query exists, so a bad id never turns into a silent zero.
void link_judgements(Collection& collection, const std::string& prefix, const std::string& name) {
  std::set<std::string> ids;
  for (const Document& document : collection.documents) ids.insert(document.id);
  std::set<std::string> qids;
  for (const Topic& topic : collection.topics) qids.insert(topic.qid);
  for (Judgement& judgement : collection.judgements) {
    std::string where = name + ":" + std::to_string(judgement.line) + ": ";
    if (!detail::is_digits(judgement.docid))
      throw Error(ErrorKind::invalid_input, where + "docid '" + judgement.docid + "' is not a number");
    judgement.docid = prefix + judgement.docid;
    if (!ids.contains(judgement.docid))
      throw Error(ErrorKind::invalid_input, where + "judges document " + judgement.docid +
                                                ", which is not in the collection");
    if (!qids.contains(judgement.qid))
      throw Error(ErrorKind::invalid_input, where + "judges for query '" + judgement.qid +
                                                "', which is not among the queries");
  }
}

void write_file(const std::filesystem::path& path, const std::string& content) {
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out << content;
  out.close();
  if (!out) throw Error(ErrorKind::invalid_input, path.string() + ": cannot write file");
}

}  // namespace

std::vector<SmartRecord> read_smart(std::istream& in, const std::string& name) {
  std::vector<SmartRecord> records;
  std::set<std::string> numbers;
  detail::LineReader lines(in, name);
  std::string line;
  char current = 0;  // marker of the section being read; 0 right after `.I`
  while (lines.next(line)) {
    if (line.starts_with(".I") && (line.size() == 2 || detail::is_space(line[2]))) {
      std::string number = detail::collapse_whitespace(std::string_view(line).substr(2));
      if (!detail::is_digits(number))
        throw lines.error("expected `.I <number>`, got '" + line + "'");
      if (!numbers.insert(number).second) throw lines.error("record number " + number + " appears twice");
      records.push_back({number, lines.number(), {}});
      current = 0;
      continue;
    }
    if (char marker = marker_of(line)) {
      if (records.empty()) throw lines.error("section marker before the first `.I <number>` line");
      if (current == 'W') continue;  // stray marker inside the text: keep reading text
      current = marker;
      records.back().sections[current];
      continue;
    }
    if (detail::is_blank(line)) continue;
    if (records.empty()) throw lines.error("text before the first `.I <number>` line");
    if (current == 0) throw lines.error("text before a section marker such as `.W`");
    std::string& text = records.back().sections[current];
    if (!text.empty()) text += '\n';
    text += line;
  }
  return records;
}

std::string med_title(std::string_view text) {
  std::vector<std::string_view> lines;
  for (std::size_t start = 0; start <= text.size();) {
    std::size_t end = std::min(text.find('\n', start), text.size());
    if (!detail::is_blank(text.substr(start, end - start))) lines.push_back(text.substr(start, end - start));
    start = end + 1;
  }
  if (lines.empty()) return {};
  std::string_view first = lines[0];
  while (!first.empty() && detail::is_space(first.front())) first.remove_prefix(1);
  std::size_t digits = 0;  // accession number "4181." or "7839.cortical"
  while (digits < first.size() && first[digits] >= '0' && first[digits] <= '9') ++digits;
  if (digits > 0 && digits < first.size() && first[digits] == '.') first.remove_prefix(digits + 1);
  while (!first.empty() && detail::is_space(first.front())) first.remove_prefix(1);

  auto finish = [](std::string title) {
    title = detail::collapse_whitespace(title);
    title = strip_final_period(title.substr(0, title.find(" . ")));
    return title.size() < max_med_title ? title : std::string();
  };
  // Padded abstracts: the title may wrap; the first paragraph starts indented.
  std::string title;
  for (std::size_t i = 1; i < lines.size(); ++i) {
    if (!detail::is_space(lines[i].front())) continue;
    title = std::string(first);
    for (std::size_t j = 1; j < i; ++j) title += " " + std::string(lines[j]);
    title = finish(title);
    break;
  }
  if (!title.empty()) return title;
  // Ragged abstracts: the first line, up to a double space within it.
  while (!first.empty() && detail::is_space(first.back())) first.remove_suffix(1);
  return finish(std::string(first.substr(0, first.find("  "))));
}

Collection convert_med(std::istream& all, std::istream& queries, std::istream& judgements,
                       const std::string& source) {
  Collection collection;
  for (const SmartRecord& record : read_smart(all, file_name(source, "MED.ALL"))) {
    Document document;
    document.id = "med-" + record.number;
    auto text = record.sections.find('W');
    document.summary = section(record, 'W');
    document.title = text == record.sections.end() ? std::string() : med_title(text->second);
    ensure_summary(document);
    collection.documents.push_back(std::move(document));
  }
  std::string queries_name = file_name(source, "MED.QRY");
  for (const SmartRecord& record : read_smart(queries, queries_name)) {
    std::string query = section(record, 'W');
    if (query.empty())
      throw Error(ErrorKind::invalid_input, queries_name + ":" + std::to_string(record.line) +
                                                ": query " + record.number + " has no text");
    collection.topics.push_back({record.number, std::move(query)});
  }
  std::string judgements_name = file_name(source, "MED.REL");
  collection.judgements = read_judgements(judgements, judgements_name);
  link_judgements(collection, "med-", judgements_name);
  return collection;
}

Collection convert_cranfield(std::istream& all, std::istream& topics, std::istream& judgements,
                             const std::string& source) {
  Collection collection;
  for (const SmartRecord& record : read_smart(all, file_name(source, "cran.all.1400"))) {
    Document document;
    document.id = "cran-" + record.number;
    document.title = strip_final_period(section(record, 'T'));
    if (auto authors = record.sections.find('A'); authors != record.sections.end()) {
      std::string_view rest = authors->second;
      while (!rest.empty()) {  // one author string per line
        std::size_t end = std::min(rest.find('\n'), rest.size());
        std::string author = detail::collapse_whitespace(rest.substr(0, end));
        if (!author.empty()) document.authors.push_back(std::move(author));
        rest.remove_prefix(std::min(end + 1, rest.size()));
      }
    }
    document.summary = section(record, 'W');
    ensure_summary(document);
    collection.documents.push_back(std::move(document));
  }
  collection.topics = read_topics(topics, file_name(source, "topics.tsv"));
  std::string judgements_name = file_name(source, "qrels.txt");
  collection.judgements = read_judgements(judgements, judgements_name);
  link_judgements(collection, "cran-", judgements_name);
  return collection;
}

std::string to_jsonl(const Document& document) {
  nlohmann::ordered_json record;
  record["id"] = document.id;
  if (!document.title.empty()) record["title"] = document.title;
  if (!document.authors.empty()) record["authors"] = document.authors;
  record["summary"] = document.summary;
  return record.dump(-1, ' ', false, nlohmann::ordered_json::error_handler_t::replace);
}

void write_collection(const Collection& collection, const std::filesystem::path& out_dir) {
  std::error_code error;
  std::filesystem::create_directories(out_dir, error);
  if (error)
    throw Error(ErrorKind::invalid_input, out_dir.string() + ": cannot create directory: " + error.message());
  std::string corpus;
  for (const Document& document : collection.documents) corpus += to_jsonl(document) + '\n';
  std::string topics;
  for (const Topic& topic : collection.topics) topics += topic.qid + '\t' + topic.query + '\n';
  std::string qrels;
  for (const Judgement& j : collection.judgements)
    qrels += j.qid + " 0 " + j.docid + ' ' + std::to_string(j.relevance) + '\n';
  write_file(out_dir / "corpus.jsonl", corpus);
  write_file(out_dir / "topics.tsv", topics);
  write_file(out_dir / "qrels.txt", qrels);
}

}  // namespace studysearch::eval
