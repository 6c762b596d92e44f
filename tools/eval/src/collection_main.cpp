// studysearch-collection: converts a classic test collection to the
// corpus.jsonl / topics.tsv / qrels.txt layout of tools/evaluate.sh.
#include <filesystem>
#include <fstream>
#include <iostream>
#include <set>
#include <string>

#include "studysearch/eval_collection.hpp"

namespace {

constexpr const char* usage_text = R"(usage: studysearch-collection med SRC_DIR OUT_DIR
       studysearch-collection cranfield SRC_DIR OUT_DIR

Writes OUT_DIR/corpus.jsonl (study records), OUT_DIR/topics.tsv (qid<TAB>query)
and OUT_DIR/qrels.txt (qid 0 docid relevance, docids as in corpus.jsonl).
  med        SRC_DIR has MED.ALL, MED.QRY, MED.REL; ids med-<n>; title = first
             sentence of the abstract when shorter than 200 characters
  cranfield  SRC_DIR has cran.all.1400, topics.tsv, qrels.txt; ids cran-<n>;
             title .T, one author per .A line, summary .W (else the title)

exit status: 0 written, 1 bad input or unwritable output, 2 bad usage)";

std::ifstream open_input(const std::filesystem::path& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in)
    throw studysearch::Error(studysearch::ErrorKind::invalid_input,
                             path.string() + ": cannot open file (is SRC_DIR right?)");
  return in;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc == 2 && (std::string(argv[1]) == "-h" || std::string(argv[1]) == "--help")) {
    std::cout << usage_text << '\n';
    return 0;
  }
  if (argc != 4) {
    std::cerr << "studysearch-collection: expected 3 arguments\n\n" << usage_text << '\n';
    return 2;
  }
  std::string kind = argv[1];
  std::filesystem::path source = argv[2];
  std::filesystem::path out_dir = argv[3];
  using namespace studysearch::eval;
  try {
    Collection collection;
    if (kind == "med") {
      auto all = open_input(source / "MED.ALL");
      auto queries = open_input(source / "MED.QRY");
      auto judgements = open_input(source / "MED.REL");
      collection = convert_med(all, queries, judgements, source.string());
    } else if (kind == "cranfield") {
      auto all = open_input(source / "cran.all.1400");
      auto topics = open_input(source / "topics.tsv");
      auto judgements = open_input(source / "qrels.txt");
      collection = convert_cranfield(all, topics, judgements, source.string());
    } else {
      std::cerr << "studysearch-collection: unknown collection '" << kind
                << "' (use med or cranfield)\n\n" << usage_text << '\n';
      return 2;
    }
    write_collection(collection, out_dir);
    std::set<std::string> judged_queries;
    for (const Judgement& j : collection.judgements)
      if (j.relevance > 0) judged_queries.insert(j.qid);
    std::cout << "studysearch-collection: wrote " << collection.documents.size() << " documents, "
              << collection.topics.size() << " topics, " << collection.judgements.size()
              << " judgements (" << judged_queries.size() << " queries with a relevant document) to "
              << out_dir.string() << '\n';
  } catch (const studysearch::Error& error) {
    std::cerr << "studysearch-collection: " << error.what() << '\n';
    return 1;
  }
  return 0;
}
