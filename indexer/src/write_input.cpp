#include "write_input.hpp"

#include <unistd.h>

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <iterator>

#include "studysearch/error.hpp"

namespace studysearch {
namespace {

std::string where(const std::string& file, std::size_t line) { return file + ":" + std::to_string(line); }

}  // namespace

const std::string& StdinSpool::spool() {
  if (!path_.empty()) return path_;
  // A .jsonl name: a routed write hands the spool to every shard's run as a file.
  std::string pattern = (std::filesystem::temp_directory_path() / "studysearch-stdin-XXXXXX.jsonl").string();
  const int fd = mkstemps(pattern.data(), 6);
  if (fd < 0) throw Error(ErrorKind::internal, "cannot create a temporary file for standard input");
  close(fd);
  path_ = pattern;
  std::ofstream out(path_, std::ios::binary);
  // Not `out << std::cin.rdbuf()`: that sets failbit on empty input, and
  // empty standard input is as valid as an empty file (zero records).
  std::copy(std::istreambuf_iterator<char>(std::cin), std::istreambuf_iterator<char>(),
            std::ostreambuf_iterator<char>(out));
  out.flush();
  if (!out) throw Error(ErrorKind::internal, "cannot spool standard input to " + path_);
  return path_;
}

void Validation::study(const SourcedStudy& record) {
  auto [it, inserted] = first_seen.emplace(record.study.id, Seen{record.file, record.line, order++});
  if (inserted) {
    ++valid;
    return;
  }
  if (record.revision) {  // the later version wins; the earlier one is not written
    left_out.emplace(it->second.file, it->second.line);
    it->second = Seen{record.file, record.line, order - 1};
    return;
  }
  left_out.emplace(record.file, record.line);
  issues.push_back({record.file, record.line, "id",
                    "duplicate id '" + record.study.id + "' (first at " + where(it->second.file, it->second.line) +
                        ")"});
}

void Validation::deletion(const RecordDeletion& record) {
  if (record.cause == RecordDeletion::Cause::no_abstract) ++without_abstract;
  else ++delete_requests;
  deletions[record.id] = order++;
}

void Validation::resolve() {
  for (auto it = deletions.begin(); it != deletions.end();) {
    const auto study = first_seen.find(it->first);
    if (study != first_seen.end() && study->second.order > it->second) {
      it = deletions.erase(it);  // re-added after its deletion
      continue;
    }
    if (study != first_seen.end() && left_out.emplace(study->second.file, study->second.line).second) --valid;
    ++it;
  }
  // Only this pass needs every id: freed before the write pass, whose
  // allocations (Xapian's, on this thread) reuse the memory.
  first_seen = {};
}

RecordSink Validation::checker() {
  RecordSink check;
  check.on_study = [this](SourcedStudy&& record) { study(record); };
  check.on_issue = [this](RecordIssue&& issue) {
    ++reader_issues;
    issues.push_back(std::move(issue));
  };
  check.on_delete = [this](RecordDeletion&& record) { deletion(record); };
  return check;
}

void throw_invalid(const std::vector<RecordIssue>& issues) {
  std::string message = std::to_string(issues.size()) + " invalid record" + (issues.size() == 1 ? "" : "s") +
                        "; nothing was written";
  message += "\n" + list_issues(issues);
  throw Error(ErrorKind::invalid_input, message);
}

void read_input(const Input& input, const ReaderOptions& options, const RecordSink& sink) {
  if (!input.jsonl) return read_file(input.path, options, sink);
  std::ifstream in(input.path, std::ios::binary);
  read_jsonl(in, input.name, options, sink);
}

}  // namespace studysearch
