// pubmed_sync_check: helper of tests/pubmed_sync.sh.
//   pubmed_sync_check gen SAMPLE.xml OFFSET [revise] [delete-from FILE.xml N]
//     writes the sample to stdout with every PMID + OFFSET (fresh PMIDs); "revise"
//     prefixes titles with "Revised: "; "delete-from F N" adds a DeleteCitation of
//     the first N citation PMIDs of F (a file this command wrote).
//   pubmed_sync_check dump INDEX
//     one line per ledger entry and per stored study (id and a hash of its
//     stored JSON), sorted: two indexes hold the same state iff the dumps match.
#include <xapian.h>

#include <fstream>
#include <functional>
#include <iostream>
#include <regex>
#include <set>
#include <sstream>
#include <string>

namespace {

int gen(int argc, char** argv) {
  std::ifstream in(argv[2]);
  const unsigned long long offset = std::stoull(argv[3]);
  const bool revise = argc > 4 && std::string(argv[4]) == "revise";
  std::string deletion;
  for (int i = 4; i + 2 < argc; ++i) {
    if (std::string(argv[i]) != "delete-from") continue;
    std::ifstream other(argv[i + 1]);
    const int wanted = std::stoi(argv[i + 2]);
    std::string line;
    int found = 0;
    deletion = "<DeleteCitation>\n";
    static const std::regex citation_pmid(R"(^<PMID Version="1">([0-9]+)</PMID>$)");
    bool after_citation = false;
    while (found < wanted && std::getline(other, line)) {
      std::smatch m;
      if (line.rfind("<MedlineCitation ", 0) == 0) after_citation = true;
      else if (after_citation && std::regex_match(line, m, citation_pmid)) {
        deletion += "<PMID Version=\"1\">" + m[1].str() + "</PMID>\n";
        ++found;
        after_citation = false;
      }
    }
    deletion += "</DeleteCitation>\n";
  }
  static const std::regex pmid(R"re(<PMID Version="([0-9]+)">([0-9]+)</PMID>)re");
  std::string line;
  while (std::getline(in, line)) {
    if (line.find("<PMID") != std::string::npos) {
      std::smatch m;
      if (std::regex_search(line, m, pmid))
        line = m.prefix().str() + "<PMID Version=\"" + m[1].str() + "\">" +
               std::to_string(std::stoull(m[2].str()) + offset) + "</PMID>" + m.suffix().str();
    }
    if (revise && line.rfind("<ArticleTitle>", 0) == 0) line.insert(14, "Revised: ");
    if (line == "</MedlineCitationSet>") std::cout << deletion;
    std::cout << line << '\n';
  }
  return 0;
}

int dump(const char* path) {
  const Xapian::Database db(path);
  std::set<std::string> lines;
  for (auto it = db.metadata_keys_begin("studysearch.applied/"); it != db.metadata_keys_end("studysearch.applied/"); ++it)
  {
    // "<size> <sha256> <modified_ns>": the time is a hint that differs between copies of a file.
    const std::string value = db.get_metadata(*it);
    lines.insert("ledger " + (*it).substr(20) + " " + value.substr(0, value.find(' ', value.find(' ') + 1)));
  }
  for (auto it = db.postlist_begin(""); it != db.postlist_end(""); ++it) {
    const std::string data = db.get_document(*it).get_data();
    static const std::regex id(R"re("id":"([^"]+)")re");
    std::smatch m;
    std::regex_search(data, m, id);
    lines.insert("study " + m[1].str() + " " + std::to_string(std::hash<std::string>{}(data)));
  }
  for (const auto& line : lines) std::cout << line << '\n';
  return 0;
}

}  // namespace

int main(int argc, char** argv) try {
  const std::string command = argc > 1 ? argv[1] : "";
  if (command == "gen" && argc >= 4) return gen(argc, argv);
  if (command == "dump" && argc == 3) return dump(argv[2]);
  std::cerr << "usage: pubmed_sync_check gen SAMPLE.xml OFFSET [revise] [delete-from FILE N] | dump INDEX\n";
  return 2;
} catch (const std::exception& e) {
  std::cerr << "pubmed_sync_check: " << e.what() << "\n";
  return 2;
} catch (const Xapian::Error& e) {
  std::cerr << "pubmed_sync_check: " << e.get_description() << "\n";
  return 2;
}
