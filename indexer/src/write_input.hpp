#pragma once
// The first pass of a writer run: its inputs (files, or standard input
// spooled to a temporary file so that it can be read twice) and their
// validation (first place of every id, records to leave out, deletions).
#include <cstddef>
#include <cstdio>
#include <set>
#include <string>
#include <unordered_map>
#include <utility>
#include <vector>

#include "studysearch/index_writer.hpp"
#include "studysearch/readers.hpp"

namespace studysearch {

// One input of a run: a file, or standard input spooled to a temporary file
// so that it can be read twice.
struct Input {
  std::string name;  // as the user gave it, used in messages
  std::string path;  // what to open
  bool jsonl = false;
};

// Standard input copied once to a temporary .jsonl file (removed with the spool).
class StdinSpool {
 public:
  StdinSpool() = default;
  StdinSpool(const StdinSpool&) = delete;
  StdinSpool& operator=(const StdinSpool&) = delete;
  ~StdinSpool() {
    if (!path_.empty()) std::remove(path_.c_str());
  }
  const std::string& spool();

 private:
  std::string path_;
};

void read_input(const Input& input, const ReaderOptions& options, const RecordSink& sink);

// Validation state of a run: first place of every id, records to leave out,
// and the deletions readers asked for. For each id the last word in input
// order wins: a study followed by its deletion is left out and the deletion
// applied; a deletion followed by a study is dropped (the study replaces).
struct Validation {
  struct Seen {
    std::string file;
    std::size_t line = 0;
    std::size_t order = 0;  // position among studies and deletions
  };
  std::unordered_map<std::string, Seen> first_seen;          // id -> first study of that id (latest revision)
  std::set<std::pair<std::string, std::size_t>> left_out;    // (file, line): duplicates, superseded
  std::unordered_map<std::string, std::size_t> deletions;    // id -> order of its last deletion
  std::vector<RecordIssue> issues;
  std::size_t valid = 0;           // studies to write
  std::size_t reader_issues = 0;   // issues the readers reported (not duplicates)
  std::size_t without_abstract = 0;
  std::size_t delete_requests = 0;
  std::size_t order = 0;

  void study(const SourcedStudy& record);
  void deletion(const RecordDeletion& record);
  // Once every record has been seen: which of the two wins for ids with both.
  void resolve();
  RecordSink checker();
};

[[noreturn]] void throw_invalid(const std::vector<RecordIssue>& issues);

}  // namespace studysearch
