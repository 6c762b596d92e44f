#include <cerrno>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <system_error>

#include "emit_record.hpp"
#include "studysearch/readers.hpp"
#include "text_util.hpp"

namespace studysearch {

std::string RecordIssue::message() const {
  std::string out = file;
  if (line > 0) {
    if (!out.empty()) out += ':';
    out += std::to_string(line);
  }
  for (const std::string* part : {&field, &reason}) {
    if (part->empty()) continue;
    if (!out.empty()) out += ": ";
    out += *part;
  }
  return out;
}

void read_file(const std::string& path, const ReaderOptions& options, const RecordSink& sink) {
  if (path == "-") {
    read_jsonl(std::cin, "<stdin>", options, sink);
    return;
  }
  std::error_code error;
  if (std::filesystem::is_directory(path, error)) {
    detail::emit_issue(sink, path, 0, "", "is a directory; pass a .jsonl or .txt file");
    return;
  }
  const std::string extension = text::ascii_lower(std::filesystem::path(path).extension().string());
  const std::string name = text::ascii_lower(std::filesystem::path(path).filename().string());
  const bool jsonl = extension == ".jsonl" || extension == ".json" || extension == ".ndjson";
  const auto ends_with = [&](std::string_view suffix) {
    return name.size() >= suffix.size() && name.compare(name.size() - suffix.size(), suffix.size(), suffix) == 0;
  };
  const bool pubmed = ends_with(".xml") || ends_with(".xml.gz");
  if (!jsonl && !pubmed && extension != ".txt") {
    detail::emit_issue(sink, path, 0, "", "unsupported file type (use .jsonl, .txt, .xml or .xml.gz)");
    return;
  }
  errno = 0;
  std::ifstream in(path, std::ios::binary);
  if (!in.is_open()) {
    const int open_errno = errno;
    const std::string why =
        open_errno != 0 ? std::generic_category().message(open_errno) : "cannot open file";
    detail::emit_issue(sink, path, 0, "", "cannot open: " + why);
    return;
  }
  if (pubmed) {
    in.close();
    read_pubmed_xml(path, options, sink);
  } else if (jsonl) {
    read_jsonl(in, path, options, sink);
  } else {
    read_atlas_text(in, path, options, sink);
  }
}

}  // namespace studysearch
