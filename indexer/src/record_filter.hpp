#pragma once
// Routed writes: a record sink that passes on only the studies and deletions
// whose id a shard owns (WriterOptions::owns). Issues always pass: every
// record of a run is validated, whichever shard it belongs to.
#include <functional>
#include <string_view>
#include <utility>

#include "studysearch/readers.hpp"

namespace studysearch {

inline RecordSink owned_records(const RecordSink& sink, const std::function<bool(std::string_view)>& owns) {
  if (!owns) return sink;
  RecordSink out;
  out.on_study = [&sink, &owns](SourcedStudy&& record) {
    if (owns(record.study.id)) sink.on_study(std::move(record));
  };
  out.on_issue = sink.on_issue;
  if (sink.on_delete)
    out.on_delete = [&sink, &owns](RecordDeletion&& record) {
      if (owns(record.id)) sink.on_delete(std::move(record));
    };
  return out;
}

}  // namespace studysearch
