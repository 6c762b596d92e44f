#include <istream>
#include <string>
#include <string_view>

#include "emit_record.hpp"
#include "studysearch/readers.hpp"
#include "text_util.hpp"

namespace studysearch {

void read_jsonl(std::istream& in, const std::string& name, const ReaderOptions& options,
                const RecordSink& sink) {
  std::string line;
  std::size_t line_number = 0;
  std::size_t bytes = 0;
  for (;;) {
    const auto status = text::read_bounded_line(in, line, options.max_record_bytes, bytes);
    if (status == text::LineStatus::end) break;
    ++line_number;
    if (status == text::LineStatus::too_long) {
      detail::emit_issue(sink, name, line_number, "",
                         "record exceeds " + std::to_string(options.max_record_bytes) +
                             " bytes (line is " + std::to_string(bytes) + " bytes)");
      continue;
    }
    std::string_view record = line;
    if (line_number == 1 && record.starts_with("\xEF\xBB\xBF")) record.remove_prefix(3);  // BOM
    if (text::trim(record).empty()) continue;
    std::vector<FieldProblem> problems;
    Study study = study_from_json(record, problems);
    detail::emit_record(std::move(study), std::move(problems), name, line_number, sink);
  }
}

}  // namespace studysearch
