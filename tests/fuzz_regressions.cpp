// Inputs found by the fuzz targets (fuzz/, scripts/fuzz.sh) that once
// crashed or misbehaved. Each case names the target that found it.
#include <catch2/catch.hpp>
#include <sstream>

#include "studysearch/readers.hpp"
#include "studysearch/study.hpp"

using namespace studysearch;

namespace {

struct Collected {
  std::vector<SourcedStudy> studies;
  std::vector<RecordIssue> issues;
};

Collected read_jsonl_text(const std::string& text) {
  Collected out;
  std::istringstream in(text);
  read_jsonl(in, "fuzz.jsonl", ReaderOptions{},
             RecordSink{[&](SourcedStudy&& s) { out.studies.push_back(std::move(s)); },
                        [&](RecordIssue&& issue) { out.issues.push_back(std::move(issue)); }});
  return out;
}

}  // namespace

// fuzz_jsonl: nlohmann::json throws out_of_range (not parse_error) for a number
// too large for a double; it escaped study_from_json and terminated the reader.
TEST_CASE("a JSON number too large for a double is an invalid record, not a crash") {
  std::vector<FieldProblem> problems;
  REQUIRE_NOTHROW(study_from_json(R"({"id":"a-1","summary":"s","year":211111E11111111111111111111111111})", problems));
  REQUIRE(problems.size() == 1);
  CHECK_THAT(problems[0].reason, Catch::Contains("number overflow"));

  const auto read = read_jsonl_text("[0,211111E11111111111111111111111111]\n"
                                    R"({"id":"b-2","summary":"still read"})"
                                    "\n");
  REQUIRE(read.issues.size() == 1);
  CHECK(read.issues[0].line == 1);
  REQUIRE(read.studies.size() == 1);
  CHECK(read.studies[0].study.id == "b-2");
}
