// libFuzzer: the JSONL reader on arbitrary bytes. It must never throw or
// crash; every study it accepts must validate and survive a JSON round trip.
#include <cstdint>
#include <cstdlib>
#include <sstream>
#include <string>

#include "studysearch/readers.hpp"

using namespace studysearch;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  std::istringstream in(std::string(reinterpret_cast<const char*>(data), size));
  ReaderOptions options;
  options.max_record_bytes = 2048;  // small, so that the size limit is reached too
  read_jsonl(in, "fuzz.jsonl", options,
             RecordSink{[](SourcedStudy&& record) {
                          if (!validate(record.study).empty()) std::abort();  // accepted but invalid
                          std::vector<FieldProblem> problems;
                          const Study again = study_from_json(to_json(record.study), problems);
                          if (!problems.empty() || !(again == record.study)) std::abort();  // no round trip
                          (void)derive_id(record.study);
                        },
                        [](RecordIssue&& issue) { (void)issue.message(); }});
  return 0;
}
