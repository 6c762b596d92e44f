#include "request_check.hpp"

#include <algorithm>
#include <string>

#include "query_limits.hpp"

namespace studysearch {

void check_request(const SearchRequest& r, const EngineOptions& o) {
  if (r.limit > o.max_limit)
    throw Error(ErrorKind::limit_exceeded, "limit " + std::to_string(r.limit) + " is above the maximum of " +
                                               std::to_string(o.max_limit));
  // Two checks, so that a huge offset is named as it is (offset + limit could wrap).
  if (r.offset > o.max_window)
    throw Error(ErrorKind::limit_exceeded, "offset " + std::to_string(r.offset) + " is beyond the result window of " +
                                               std::to_string(o.max_window));
  if (r.offset + r.limit > o.max_window)
    throw Error(ErrorKind::limit_exceeded, "offset + limit (" + std::to_string(r.offset) + " + " +
                                               std::to_string(r.limit) + ") is above the result window of " +
                                               std::to_string(o.max_window));
  check_query_bytes(r.text, o);
  // Filters follow the record rules (study.hpp), the same for every front end.
  for (const auto& [name, year] : {std::pair{"year_from", r.year_from}, std::pair{"year_to", r.year_to}})
    if (year && (*year < kMinYear || *year > kMaxYear))
      throw Error(ErrorKind::invalid_query, std::string(name) + " must be a year between " + std::to_string(kMinYear) +
                                                " and " + std::to_string(kMaxYear) + ", not " + std::to_string(*year));
  for (const auto& [name, values] : r.filters) {
    const Field* field = find_field(name);
    if (!field || !field->filter || field->type == FieldType::integer) {
      std::string names;
      for (const Field* f : keyword_filters()) names += (names.empty() ? "" : ", ") + std::string(f->name);
      throw Error(ErrorKind::invalid_query, "unknown filter '" + name.substr(0, 40) + "' (one of " + names + ")");
    }
    // Enumeration values as records have them (fields.hpp), the same for every front end.
    const auto& vocabulary = field->vocabulary;
    if (field->type == FieldType::enumeration)
      for (const auto& value : values)
        if (std::find(vocabulary.begin(), vocabulary.end(), value) == vocabulary.end())
          throw Error(ErrorKind::invalid_query, "filter '" + std::string(field->filter_param()) + "' must be one of " +
                                                    vocabulary_list(*field) + ", not '" + value.substr(0, 40) + "'");
  }
  if (r.year_from && r.year_to && *r.year_from > *r.year_to)
    throw Error(ErrorKind::invalid_query, "year_from " + std::to_string(*r.year_from) + " is after year_to " +
                                              std::to_string(*r.year_to));
}


}  // namespace studysearch
