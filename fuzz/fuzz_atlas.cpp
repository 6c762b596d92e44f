// libFuzzer: the atlas text reader on arbitrary bytes. It must never throw or
// crash, and every study it accepts must be valid.
#include <cstdint>
#include <cstdlib>
#include <sstream>
#include <string>

#include "studysearch/readers.hpp"

using namespace studysearch;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  std::istringstream in(std::string(reinterpret_cast<const char*>(data), size));
  ReaderOptions options;
  options.max_record_bytes = 4096;
  read_atlas_text(in, "fuzz.txt", options,
                  RecordSink{[](SourcedStudy&& record) {
                               if (!validate(record.study).empty()) std::abort();  // accepted but invalid
                               std::vector<FieldProblem> problems;
                               (void)study_from_json(to_json(record.study), problems);
                               if (!problems.empty()) std::abort();
                             },
                             [](RecordIssue&& issue) { (void)issue.message(); }});
  return 0;
}
