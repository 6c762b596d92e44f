#include "server_params.hpp"

#include <charconv>
#include <vector>

namespace studysearch::app {
namespace {

// Every non-empty value of a repeatable parameter, in request order.
std::vector<std::string> values(const QueryParams& params, const std::string& name) {
  std::vector<std::string> out;
  const auto [first, last] = params.equal_range(name);
  for (auto it = first; it != last; ++it)
    if (!it->second.empty()) out.push_back(it->second);
  return out;
}

// Values are echoed in messages; keep them short so an error stays one line.
std::string quoted(const std::string& value) {
  return "'" + (value.size() > 40 ? value.substr(0, 40) + "..." : value) + "'";
}

[[noreturn]] void bad(const std::string& name, const std::string& rule, const std::string& value) {
  throw Error(ErrorKind::invalid_query, "parameter '" + name + "' must be " + rule + ", not " + quoted(value));
}

template <typename Int>
std::optional<Int> integer(const QueryParams& params, const std::string& name, const char* rule) {
  const std::string text = text_param(params, name);
  if (text.empty()) return std::nullopt;
  Int value{};
  const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (ec != std::errc{} || end != text.data() + text.size()) bad(name, rule, text);
  return value;
}

}  // namespace

bool flag_param(const QueryParams& params, const std::string& name, bool fallback) {
  const std::string text = text_param(params, name);
  if (text.empty()) return fallback;
  if (text == "1" || text == "true") return true;
  if (text == "0" || text == "false") return false;
  bad(name, "0 or 1", text);
}

std::string text_param(const QueryParams& params, const std::string& name) {
  auto all = values(params, name);
  return all.empty() ? std::string() : std::move(all.front());
}

std::size_t count_param(const QueryParams& params, const std::string& name, std::size_t fallback, std::size_t max) {
  // from_chars on an unsigned type rejects "-1" (no sign accepted): exactly the rule we want.
  const auto value = integer<std::size_t>(params, name, "a non-negative integer");
  if (!value) return fallback;
  if (*value > max)
    throw Error(ErrorKind::limit_exceeded,
                "parameter '" + name + "' is " + std::to_string(*value) + ", above the maximum of " + std::to_string(max));
  return *value;
}

SearchRequest search_request_from(const QueryParams& params) {
  SearchRequest r;
  r.text = text_param(params, "q");
  // One repeatable parameter per filter field (fields.hpp); the engine checks the values.
  for (const Field* field : keyword_filters())
    if (auto chosen = values(params, std::string(field->filter_param())); !chosen.empty())
      r.filters[std::string(field->name)] = std::move(chosen);
  r.year_from = integer<int>(params, "year_from", "a year");
  r.year_to = integer<int>(params, "year_to", "a year");
  if (const std::string sort = text_param(params, "sort"); !sort.empty()) {
    if (sort == "relevance") r.sort = Sort::relevance;
    else if (sort == "newest") r.sort = Sort::newest;
    else if (sort == "oldest") r.sort = Sort::oldest;
    else bad("sort", "relevance, newest or oldest", sort);
  }
  // The engine checks the caps (limit_exceeded); here only the form.
  r.offset = integer<std::size_t>(params, "offset", "a non-negative integer").value_or(r.offset);
  r.limit = integer<std::size_t>(params, "limit", "a non-negative integer").value_or(r.limit);
  r.facets = flag_param(params, "facets", r.facets);
  r.snippets = flag_param(params, "snippets", r.snippets);
  r.year_unknown = flag_param(params, "year_unknown", r.year_unknown);
  r.prefix_last_word = flag_param(params, "prefix", r.prefix_last_word);
  r.allow_partial = flag_param(params, "allow_partial", r.allow_partial);
  r.max_facet_values = count_param(params, "journal_facets", r.max_facet_values, kMaxJournalFacets);
  return r;
}

}  // namespace studysearch::app
