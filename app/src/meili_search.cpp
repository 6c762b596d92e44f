#include "meili_search.hpp"

#include <algorithm>
#include <cmath>
#include <map>

#include "json_io.hpp"
#include "studysearch/analyzer.hpp"

namespace studysearch::app::meili {
namespace {

using json = nlohmann::json;
using ordered = nlohmann::ordered_json;

constexpr std::size_t kMaxValuesPerFacet = 100;  // Meilisearch's default maxValuesPerFacet
// The record fields the free text searches: the only ones whose words get marked.
const std::set<std::string> kSearchable{"title", "authors", "journal", "summary", "relevance", "limitations"};

std::string shorten(const std::string& text) { return text.size() > 60 ? text.substr(0, 60) + "..." : text; }

std::string field(const std::string& name) { return "`." + name + "`"; }

std::string snake(const std::string& camel) {
  std::string out;
  for (char c : camel) {
    if (c >= 'A' && c <= 'Z') out += '_', out += static_cast<char>(c + 32);
    else out += c;
  }
  return out;
}

// Meilisearch's codes: invalid_search_<snake_case name> (invalid_facet_search_... for facet-search's own).
[[noreturn]] void invalid(const std::string& name, const std::string& message, const char* prefix = "invalid_search_") {
  throw bad_request(prefix + snake(name), "Invalid value at " + field(name) + ": " + message);
}

std::optional<std::size_t> count(const json& body, const std::string& name) {
  const auto it = body.find(name);
  if (it == body.end() || it->is_null()) return std::nullopt;
  if (it->is_number_unsigned()) return it->get<std::size_t>();
  if (it->is_number_integer() && it->get<long long>() >= 0) return static_cast<std::size_t>(it->get<long long>());
  invalid(name, "expected a positive integer, but found " + shorten(it->dump()));
}

std::optional<std::string> text(const json& body, const std::string& name, const char* prefix = "invalid_search_") {
  const auto it = body.find(name);
  if (it == body.end() || it->is_null()) return std::nullopt;
  if (!it->is_string()) invalid(name, "expected a string, but found " + shorten(it->dump()), prefix);
  return it->get<std::string>();
}

std::optional<std::vector<std::string>> strings(const json& body, const std::string& name) {
  const auto it = body.find(name);
  if (it == body.end() || it->is_null()) return std::nullopt;
  if (!it->is_array()) invalid(name, "expected an array of strings, but found " + shorten(it->dump()));
  std::vector<std::string> out;
  for (const auto& item : *it) {
    if (!item.is_string()) invalid(name, "expected an array of strings, but found " + shorten(it->dump()));
    out.push_back(item.get<std::string>());
  }
  return out;
}

bool flag(const json& body, const std::string& name) {
  const auto it = body.find(name);
  if (it == body.end() || it->is_null()) return false;
  if (!it->is_boolean()) invalid(name, "expected a boolean, but found " + shorten(it->dump()));
  return it->get<bool>();
}

std::string available() {
  std::string out;
  for (const auto& name : filterable_attributes()) out += (out.empty() ? "`" : ", `") + name + "`";
  return out;
}

void check_facetable(const std::string& name, const std::string& param, const char* code) {
  const auto& names = filterable_attributes();
  if (std::find(names.begin(), names.end(), name) == names.end())
    throw bad_request(code, "Invalid value at " + field(param) + ": attribute `" + shorten(name) +
                                "` is not filterable. Available filterable attributes are: " + available() + ".");
}

// Which body fields each endpoint takes. Anything else is refused, so a
// misspelt or unsupported parameter never silently changes nothing.
void check_fields(const json& body, Endpoint endpoint) {
  static const std::set<std::string> common{
      "q", "filter", "facets", "sort", "limit", "offset", "hitsPerPage", "page", "attributesToRetrieve",
      "attributesToHighlight", "highlightPreTag", "highlightPostTag", "attributesToCrop", "cropLength", "cropMarker",
      "matchingStrategy", "showRankingScore", "showRankingScoreDetails", "showMatchesPosition", "retrieveVectors"};
  static const std::set<std::string> unsupported{"hybrid", "vector", "distinct", "attributesToSearchOn",
                                                 "rankingScoreThreshold", "locales", "media", "federationOptions",
                                                 "personalize", "showPerformanceDetails"};
  for (const auto& [name, value] : body.items()) {
    if (common.count(name)) continue;
    if (endpoint == Endpoint::multi_search && name == "indexUid") continue;
    if (endpoint == Endpoint::facet_search && (name == "facetName" || name == "facetQuery" || name == "exhaustiveFacetCount"))
      continue;
    if (unsupported.count(name))
      throw bad_request("invalid_search_" + snake(name), "`" + name + "` is not supported by studysearch (keyword search "
                                                         "only: no vectors, hybrid search, distinct or per-request "
                                                         "searchable attributes)");
    throw bad_request("bad_request", "Unknown field `" + shorten(name) + "`: expected one of `q`, `filter`, `facets`, "
                                     "`sort`, `limit`, `offset`, `hitsPerPage`, `page`, `attributesToRetrieve`, "
                                     "`attributesToHighlight`, `highlightPreTag`, `highlightPostTag`");
  }
  for (const char* name : {"showMatchesPosition", "retrieveVectors"})
    if (flag(body, name))
      throw bad_request("invalid_search_" + snake(name), "`" + std::string(name) + ": true` is not supported by studysearch");
}

Sort sort_of(const std::vector<std::string>& sort) {
  if (sort.empty()) return Sort::relevance;
  if (sort.size() > 1)
    throw bad_request("invalid_search_sort", "Invalid value at `.sort`: studysearch sorts by one attribute (`year:asc` "
                                             "or `year:desc`), not " + std::to_string(sort.size()));
  const std::string& s = sort.front();
  const auto colon = s.rfind(':');
  if (colon == std::string::npos || (s.substr(colon + 1) != "asc" && s.substr(colon + 1) != "desc"))
    throw bad_request("invalid_search_sort", "Invalid value at `.sort[0]`: expected `attribute:asc` or "
                                             "`attribute:desc`, found `" + shorten(s) + "`");
  if (s.substr(0, colon) != "year")
    throw bad_request("invalid_search_sort", "Invalid value at `.sort[0]`: attribute `" + shorten(s.substr(0, colon)) +
                                                 "` is not sortable. Available sortable attributes are: `year`.");
  return s.substr(colon + 1) == "desc" ? Sort::newest : Sort::oldest;
}

// Whether a facet value of `group` is one the request's own filter of that group selects.
// nullopt = the group has no filter of its own.
std::optional<bool> selected(const std::string& group, const std::string& value, const SearchRequest& r) {
  if (group != "year") {  // keyword fields: compare keys (FacetValue::key), never fold here
    const auto chosen = r.filters.find(group);
    if (chosen == r.filters.end() || chosen->second.empty()) return std::nullopt;
    const std::string key = value_key(value);
    return std::any_of(chosen->second.begin(), chosen->second.end(),
                       [&](const std::string& c) { return value_key(c) == key; });
  }
  // year: the value is a year (never "unknown": handled by the caller)
  if (!r.year_from && !r.year_to) {
    if (r.year_unknown) return false;  // only yearless studies pass
    return std::nullopt;
  }
  const int year = std::stoi(value);
  return (!r.year_from || year >= *r.year_from) && (!r.year_to || year <= *r.year_to);
}

// The group's values with Meilisearch's semantics (see facet_distribution), in the engine's order.
std::vector<FacetValue> meili_values(const Facets& facets, const SearchRequest& request, const std::string& group) {
  std::vector<FacetValue> out;
  for (const auto& v : facets[group]) {
    if (v.count == 0 || (group == "year" && v.value == "unknown")) continue;
    if (selected(group, v.value, request).value_or(true)) out.push_back(v);
  }
  return out;
}

std::string render(const std::vector<TextSpan>& spans, const Query& q) {
  std::string out;
  for (const auto& s : spans) out += s.matched ? q.pre_tag + s.text + q.post_tag : s.text;
  return out;
}

}  // namespace

Query parse_search(const json& body, Endpoint endpoint, const EngineOptions& limits) {
  if (!body.is_object())
    throw bad_request("bad_request", "the request body must be a JSON object, not " + shorten(body.dump()));
  check_fields(body, endpoint);
  Query q;
  if (endpoint == Endpoint::multi_search) {
    const auto uid = text(body, "indexUid", "invalid_");
    if (!uid) throw bad_request("missing_index_uid", "Missing field `indexUid` in the query");
    q.index_uid = *uid;
  }
  SearchRequest& r = q.request;
  r.text = text(body, "q").value_or("");
  r.snippets = false;  // Meilisearch has no snippet; _formatted comes from highlight()
  r.suggest = false;
  r.prefix_last_word = true;  // Meilisearch's search as you type: the last word is also a prefix
  q.possible = apply_filter(body.contains("filter") ? body["filter"] : json(), r);
  r.sort = sort_of(strings(body, "sort").value_or(std::vector<std::string>{}));

  for (const auto& name : strings(body, "facets").value_or(std::vector<std::string>{})) {
    if (name == "*") {
      q.facets = filterable_attributes();
      break;
    }
    check_facetable(name, "facets", "invalid_search_facets");
    if (std::find(q.facets.begin(), q.facets.end(), name) == q.facets.end()) q.facets.push_back(name);
  }
  std::sort(q.facets.begin(), q.facets.end());

  if (const auto retrieve = strings(body, "attributesToRetrieve"))
    if (std::find(retrieve->begin(), retrieve->end(), "*") == retrieve->end())
      q.retrieve = std::set<std::string>(retrieve->begin(), retrieve->end());
  const auto highlight = strings(body, "attributesToHighlight");
  if (highlight) q.highlight = std::set<std::string>(highlight->begin(), highlight->end());
  q.formatted = highlight.has_value() || strings(body, "attributesToCrop").has_value();
  q.pre_tag = text(body, "highlightPreTag").value_or(q.pre_tag);
  q.post_tag = text(body, "highlightPostTag").value_or(q.post_tag);

  // The window. Meilisearch answers an empty page past its maximum instead of
  // an error, so the engine's caps clamp here.
  const auto hits_per_page = count(body, "hitsPerPage");
  const auto page = count(body, "page");
  std::size_t offset = 0, limit = 0;
  if (hits_per_page || page) {
    q.pages = true;
    q.hits_per_page = hits_per_page.value_or(20);
    q.page = page.value_or(1);
    limit = q.page == 0 ? 0 : q.hits_per_page;
    const std::size_t before = q.page == 0 ? 0 : q.page - 1;
    offset = q.hits_per_page && before > limits.max_window / q.hits_per_page ? limits.max_window : before * q.hits_per_page;
  } else {
    q.limit = count(body, "limit").value_or(20);
    q.offset = count(body, "offset").value_or(0);
    limit = q.limit;
    offset = q.offset;
  }
  r.offset = std::min(offset, limits.max_window);
  r.limit = std::min({limit, limits.max_limit, limits.max_window - r.offset});

  if (endpoint == Endpoint::facet_search) {
    const auto name = text(body, "facetName", "invalid_facet_search_");
    if (!name) throw bad_request("invalid_facet_search_facet_name", "Missing field `facetName`");
    check_facetable(*name, "facetName", "invalid_facet_search_facet_name");
    q.facet_name = *name;
    q.facet_query = text(body, "facetQuery", "invalid_facet_search_").value_or("");
    q.facets = {*name};
    r.offset = 0;
    r.limit = 0;
  }
  r.facets = !q.facets.empty();
  // Meilisearch's default maxValuesPerFacet; a facet search looks at every value.
  r.max_facet_values = endpoint == Endpoint::facet_search ? SIZE_MAX : kMaxValuesPerFacet;
  return q;
}

ordered facet_distribution(const Facets& facets, const SearchRequest& request, const std::vector<std::string>& names) {
  ordered out = ordered::object();
  for (const auto& name : names) {
    auto values = meili_values(facets, request, name);
    std::sort(values.begin(), values.end(), [](const FacetValue& a, const FacetValue& b) { return a.value < b.value; });
    ordered group = ordered::object();
    for (const auto& v : values) group[v.value] = v.count;
    out[name] = std::move(group);
  }
  return out;
}

ordered search_response(const Query& q, const SearchResult& result, const std::vector<Study>& studies,
                        const Highlighter& highlighter) {
  // Every document as stored, then the texts to mark, highlighted in one batch.
  std::vector<ordered> documents;
  for (const auto& study : studies) {
    ordered doc = study_json(study);
    if (q.retrieve) {
      ordered kept = ordered::object();
      for (auto& [key, value] : doc.items())
        if (q.retrieve->count(key)) kept[key] = value;
      doc = std::move(kept);
    }
    documents.push_back(std::move(doc));
  }
  const bool all = q.highlight.count("*") > 0;
  const auto marks = [&](const std::string& key) {
    return !q.request.text.empty() && kSearchable.count(key) && (all || q.highlight.count(key));
  };
  std::vector<std::string_view> texts;
  if (q.formatted)
    for (const auto& doc : documents)
      for (const auto& [key, value] : doc.items()) {
        if (!marks(key)) continue;
        if (value.is_string()) texts.push_back(value.get_ref<const std::string&>());
        else if (value.is_array())
          for (const auto& item : value)
            if (item.is_string()) texts.push_back(item.get_ref<const std::string&>());
      }
  const auto spans = texts.empty() ? std::vector<std::vector<TextSpan>>{} : highlighter(texts);
  std::size_t next = 0;
  ordered hits = ordered::array();
  for (auto& doc : documents) {
    if (q.formatted) {
      ordered formatted = doc;
      for (auto& [key, value] : formatted.items()) {
        if (!marks(key)) continue;
        if (value.is_string()) value = render(spans.at(next++), q);
        else if (value.is_array())
          for (auto& item : value)
            if (item.is_string()) item = render(spans.at(next++), q);
      }
      doc["_formatted"] = std::move(formatted);
    }
    hits.push_back(std::move(doc));
  }

  ordered out = ordered::object();
  if (!q.index_uid.empty()) out["indexUid"] = q.index_uid;
  out["hits"] = std::move(hits);
  out["query"] = q.request.text;
  out["processingTimeMs"] = static_cast<long long>(std::llround(result.took_ms));
  if (q.pages) {
    out["hitsPerPage"] = q.hits_per_page;
    out["page"] = q.page;
    out["totalPages"] = q.hits_per_page ? (result.total + q.hits_per_page - 1) / q.hits_per_page : 0;
    out["totalHits"] = result.total;
  } else {
    out["limit"] = q.limit;
    out["offset"] = q.offset;
    out["estimatedTotalHits"] = result.total;  // exact here
  }
  if (!q.facets.empty()) {
    ordered distribution = facet_distribution(result.facets, q.request, q.facets);
    ordered stats = ordered::object();
    if (distribution.contains("year") && !distribution["year"].empty()) {
      int lo = kMaxYear, hi = kMinYear;
      for (const auto& [year, n] : distribution["year"].items()) lo = std::min(lo, std::stoi(year)), hi = std::max(hi, std::stoi(year));
      stats["year"] = {{"min", lo}, {"max", hi}};
    }
    out["facetDistribution"] = std::move(distribution);
    out["facetStats"] = std::move(stats);
  }
  return out;
}

ordered facet_hits(const Query& q, const Facets& facets) {
  const auto words = [](const std::string& text) {
    std::vector<std::string> out;
    const std::string normal = normalize_text(text);
    for (std::size_t start = 0; start < normal.size();) {
      const auto space = normal.find(' ', start);
      const auto end = space == std::string::npos ? normal.size() : space;
      if (end > start) out.push_back(normal.substr(start, end - start));
      start = end + 1;
    }
    return out;
  };
  const auto wanted = words(q.facet_query);
  std::vector<FacetValue> found;
  for (const auto& v : meili_values(facets, q.request, q.facet_name)) {
    const auto have = words(v.value);
    const bool all_match = std::all_of(wanted.begin(), wanted.end(), [&](const std::string& w) {
      return std::any_of(have.begin(), have.end(), [&](const std::string& h) { return h.starts_with(w); });
    });
    if (all_match) found.push_back(v);
  }
  std::sort(found.begin(), found.end(), [](const FacetValue& a, const FacetValue& b) {
    return a.count != b.count ? a.count > b.count : a.value < b.value;
  });
  if (found.size() > kMaxValuesPerFacet) found.resize(kMaxValuesPerFacet);
  ordered out = ordered::array();
  for (const auto& v : found) out.push_back({{"value", v.value}, {"count", v.count}});
  return out;
}

ordered error_body(const ApiError& error) {
  return {{"message", error.what()},
          {"code", error.code},
          {"type", error.type},
          {"link", "https://docs.meilisearch.com/errors#" + error.code}};
}

}  // namespace studysearch::app::meili
