// Helper of tests/crash_safety.sh (not a Catch2 program).
//
//   crash_check gen SEED COUNT PREFIX [REPLACE_PREFIX REPLACE_COUNT]
//       Seeded JSONL corpus on stdout: COUNT studies with ids PREFIX-1..PREFIX-COUNT,
//       then REPLACE_COUNT studies that replace REPLACE_PREFIX-1.. with new text
//       (titles start with "revised"), so a half-applied run would show.
//   crash_check verify DB BASE.jsonl SECOND.jsonl
//       Checks that DB is consistent (Xapian::Database::check), opens with the
//       engine, answers a search, and holds exactly the studies of BASE
//       (prints "before") or of BASE then SECOND applied (prints "after").
//       Anything else prints "PARTIAL ..." or "CORRUPT ..." and exits 1.
#include <xapian.h>

#include <cstdlib>
#include <fstream>
#include <iostream>
#include <map>
#include <random>
#include <sstream>
#include <string>
#include <vector>

#include "studysearch/readers.hpp"
#include "studysearch/studysearch.hpp"
#include "test_support.hpp"

namespace {

using namespace studysearch;

int generate(std::uint64_t seed, std::size_t count, const std::string& prefix, const std::string& replace_prefix,
             std::size_t replace_count) {
  auto options = test::StudyGenerator::default_options();
  // A larger vocabulary than the default 40 words, so that indexing does
  // realistic work (many posting lists, a real spelling table).
  std::mt19937_64 letters(seed ^ 0x5eed);
  for (int i = 0; i < 3000; ++i) {
    std::string word;
    const int length = 4 + static_cast<int>(letters() % 7);
    for (int j = 0; j < length; ++j) word += static_cast<char>('a' + letters() % 26);
    options.vocabulary.push_back(word);
  }
  options.min_summary_words = 60;
  options.max_summary_words = 160;
  test::StudyGenerator generator(seed, options);
  for (std::size_t i = 1; i <= count; ++i) {
    Study s = generator.next();
    s.id = prefix + "-" + std::to_string(i);
    std::cout << to_json(s) << "\n";
  }
  for (std::size_t i = 1; i <= replace_count; ++i) {
    Study s = generator.next();
    s.id = replace_prefix + "-" + std::to_string(i);
    s.title = "revised " + s.title;
    std::cout << to_json(s) << "\n";
  }
  return std::cout ? 0 : 1;
}

std::map<std::string, Study> read_studies(const std::string& path) {
  std::map<std::string, Study> out;
  std::size_t issues = 0;
  read_file(path, ReaderOptions{},
            RecordSink{[&](SourcedStudy&& s) { out[s.study.id] = std::move(s.study); },
                       [&](RecordIssue&& issue) {
                         std::cerr << "crash_check: " << issue.message() << "\n";
                         ++issues;
                       }});
  if (issues) throw std::runtime_error(path + ": invalid input file");
  return out;
}

int verify(const std::string& db_path, const std::string& base_path, const std::string& second_path) {
  const auto before = read_studies(base_path);
  auto after = before;
  for (auto& [id, study] : read_studies(second_path)) after[id] = study;

  std::ostringstream check_log;
  std::size_t errors = 0;
  try {
    errors = Xapian::Database::check(db_path, Xapian::DBCHECK_FULL_TREE, &check_log);
  } catch (const Xapian::Error& e) {
    std::cout << "CORRUPT check threw " << e.get_description() << "\n";
    return 1;
  }
  if (errors) {
    std::cout << "CORRUPT " << errors << " errors\n" << check_log.str();
    return 1;
  }

  // Exactly what is stored, straight from Xapian: id term -> document data.
  std::map<std::string, Study> stored;
  {
    Xapian::Database db(db_path);
    for (auto term = db.allterms_begin("Q"); term != db.allterms_end("Q"); ++term) {
      const std::string id = (*term).substr(1);
      auto posting = db.postlist_begin(*term);
      std::vector<FieldProblem> problems;
      stored[id] = study_from_json(db.get_document(*posting).get_data(), problems);
      if (!problems.empty()) {
        std::cout << "CORRUPT stored study '" << id << "' does not parse\n";
        return 1;
      }
      if (++posting != db.postlist_end(*term)) {
        std::cout << "CORRUPT id '" << id << "' is stored twice\n";
        return 1;
      }
    }
    if (db.get_doccount() != stored.size()) {
      std::cout << "CORRUPT " << db.get_doccount() << " documents but " << stored.size() << " ids\n";
      return 1;
    }
  }

  const auto engine = SearchEngine::open(db_path);
  const auto info = engine.info();
  SearchRequest browse;
  browse.limit = 1;
  const auto all = engine.search(browse);
  SearchRequest words;
  words.text = stored.empty() ? "anything" : stored.begin()->second.summary.substr(0, 40);
  const auto found = engine.search(words);
  if (all.total != stored.size() || info.documents != stored.size() || (!stored.empty() && found.total == 0)) {
    std::cout << "CORRUPT engine sees " << all.total << " / " << info.documents << " documents, search found "
              << found.total << ", index holds " << stored.size() << "\n";
    return 1;
  }

  if (stored == before) {
    std::cout << "before " << stored.size() << "\n";
    return 0;
  }
  if (stored == after) {
    std::cout << "after " << stored.size() << "\n";
    return 0;
  }
  std::size_t as_before = 0, as_after = 0;
  for (const auto& [id, study] : stored) {
    if (auto it = before.find(id); it != before.end() && it->second == study) ++as_before;
    if (auto it = after.find(id); it != after.end() && it->second == study) ++as_after;
  }
  std::cout << "PARTIAL " << stored.size() << " studies (expected " << before.size() << " or " << after.size()
            << "); " << as_before << " match the before-set, " << as_after << " the after-set\n";
  return 1;
}

}  // namespace

int main(int argc, char** argv) {
  const std::vector<std::string> args(argv + 1, argv + argc);
  try {
    if (args.size() >= 4 && args[0] == "gen")
      return generate(std::stoull(args[1]), std::stoul(args[2]), args[3], args.size() >= 6 ? args[4] : "",
                      args.size() >= 6 ? std::stoul(args[5]) : 0);
    if (args.size() == 4 && args[0] == "verify") return verify(args[1], args[2], args[3]);
  } catch (const std::exception& e) {
    std::cout << "CORRUPT " << e.what() << "\n";
    return 1;
  }
  std::cerr << "usage: crash_check gen SEED COUNT PREFIX [REPLACE_PREFIX REPLACE_COUNT]\n"
               "       crash_check verify DB BASE.jsonl SECOND.jsonl\n";
  return 2;
}
