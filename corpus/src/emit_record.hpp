#pragma once
// Private: turns one parsed record plus its problems into sink calls.
#include <algorithm>
#include <string>
#include <utility>
#include <vector>

#include "studysearch/readers.hpp"

namespace studysearch::detail {

/// Positions in messages ("at byte N") are 1-based, like lines.
inline void emit_record(Study&& study, std::vector<FieldProblem> problems, const std::string& file,
                        std::size_t line, const RecordSink& sink) {
  const bool record_unreadable = std::any_of(problems.begin(), problems.end(),
                                             [](const FieldProblem& p) { return p.field.empty(); });
  // Field rules are only meaningful once the record could be read; a field
  // that already has a problem is not reported twice.
  if (!record_unreadable) {
    for (auto& problem : validate(study)) {
      const bool known = std::any_of(problems.begin(), problems.end(),
                                     [&](const FieldProblem& p) { return p.field == problem.field; });
      if (!known) problems.push_back(std::move(problem));
    }
  }
  if (problems.empty()) {
    if (sink.on_study) sink.on_study(SourcedStudy{std::move(study), file, line});
    return;
  }
  if (!sink.on_issue) return;
  // A hostile record (thousands of unknown keys) must not flood the report.
  constexpr std::size_t kMaxIssuesPerRecord = 20;
  for (std::size_t i = 0; i < problems.size() && i < kMaxIssuesPerRecord; ++i) {
    sink.on_issue(RecordIssue{file, line, std::move(problems[i].field), std::move(problems[i].reason)});
  }
  if (problems.size() > kMaxIssuesPerRecord) {
    sink.on_issue(RecordIssue{file, line, "",
                              "and " + std::to_string(problems.size() - kMaxIssuesPerRecord) +
                                  " more problems in this record"});
  }
}

inline void emit_issue(const RecordSink& sink, const std::string& file, std::size_t line,
                       std::string field, std::string reason) {
  if (sink.on_issue) sink.on_issue(RecordIssue{file, line, std::move(field), std::move(reason)});
}

}  // namespace studysearch::detail
