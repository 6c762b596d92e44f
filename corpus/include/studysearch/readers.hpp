#pragma once
// Readers turn input files into studies. They stream: memory does not grow
// with the size of the input. They never throw for bad records; each bad
// record becomes a RecordIssue and reading goes on.
#include <cstddef>
#include <functional>
#include <iosfwd>
#include <string>

#include "studysearch/study.hpp"

namespace studysearch {

/// Where and why one record is invalid.
struct RecordIssue {
  std::string file;
  std::size_t line = 0;  ///< 1-based line where the record starts (0: whole file)
  std::string field;     ///< empty when the record as a whole is bad
  std::string reason;
  /// "file:line: field: reason" (parts that are empty are left out).
  std::string message() const;
};

/// A valid study and where it came from.
struct SourcedStudy {
  Study study;
  std::string file;
  std::size_t line = 0;
};

struct ReaderOptions {
  /// A JSONL line or an atlas text entry longer than this is invalid (1 MiB).
  std::size_t max_record_bytes = std::size_t{1} << 20;
};

/// Receives the reader's output in input order.
struct RecordSink {
  std::function<void(SourcedStudy&&)> on_study;
  std::function<void(RecordIssue&&)> on_issue;
};

/// JSON Lines: one object per line; blank lines are skipped. Invalid UTF-8,
/// unknown fields, wrong types and failed field rules are issues.
void read_jsonl(std::istream& in, const std::string& name, const ReaderOptions& options,
                const RecordSink& sink);

/// Atlas text: entries separated by a line "---". Optional headers
/// ("id: ", "title: ", "pem: ", "evidence: ", "design: ", "url: ") precede the byline
/// "Authors · Journal · Year · DOI"; then summary, relevance, limitations paragraphs.
/// Page boilerplate ("About the PEM badge", "Spotted an error") is dropped.
void read_atlas_text(std::istream& in, const std::string& name, const ReaderOptions& options,
                     const RecordSink& sink);

/// Picks the reader by extension, case-insensitive (".jsonl"/".json"/".ndjson" JSONL,
/// ".txt" atlas text); "-" reads JSONL from standard input (file name "<stdin>").
/// A missing or unreadable file, a directory or another extension is one issue (line 0).
void read_file(const std::string& path, const ReaderOptions& options, const RecordSink& sink);

/// Atlas-style id: <first author surname>-<year>-<two significant words>,
/// ASCII-folded and lowercase; "unknown-..." without author, no year part without
/// year. Words come from the title, else from the summary (skipping stopwords and
/// openers like "This study examined"). At most 120 bytes, cut at a word boundary.
std::string derive_id(const Study& study);

}  // namespace studysearch
