#include "json_io.hpp"

namespace studysearch::app {

using json = nlohmann::ordered_json;  // keys keep the documented order

// The one convention for absent values in every JSON we print: the key is
// always there, an absent text or number is null, an absent list is [].
namespace {
json field_json(const Field& field, const Study& study) {
  return std::visit(
      [&](auto member) -> json {
        const auto& value = study.*member;
        using V = std::decay_t<decltype(value)>;
        if constexpr (std::is_same_v<V, std::string>) return value.empty() ? json(nullptr) : json(value);
        else if constexpr (std::is_same_v<V, std::vector<std::string>>) return json(value);
        else if constexpr (std::is_same_v<V, std::optional<int>>) return value ? json(*value) : json(nullptr);
        else return json(std::string(to_string(value)));
      },
      field.member);
}

json values(const std::vector<FacetValue>& list) {
  json out = json::array();
  for (const auto& v : list) out.push_back({{"value", v.value}, {"count", v.count}, {"key", v.key}, {"selected", v.selected}});
  return out;
}
}  // namespace

json to_json(const Hit& hit) {
  json out = {{"id", hit.id}, {"rank", hit.rank}, {"score", hit.score}};
  for (const Field& field : study_fields())
    if (field.brief && field.name != "id") out[field.name] = field_json(field, hit.study);
  out["snippet"] = hit.snippet.empty() ? json(nullptr) : json(spans_html(hit.snippet));
  return out;
}

json to_json(const Facets& f) {
  json out = json::object();
  for (const auto& group : f.groups) out[group.name] = values(group.values);
  return out;
}

json facet_values_json(const std::string& group, const std::string& text, const FacetValueList& list) {
  return {{"group", group}, {"facet_q", text}, {"matched", list.matched}, {"values", values(list.values)}};
}

std::string spans_html(const std::vector<TextSpan>& spans) {
  std::string out;
  for (const auto& span : spans) {
    if (span.matched) out += "<mark>";
    for (const char c : span.text) {
      switch (c) {
        case '&': out += "&amp;"; break;
        case '<': out += "&lt;"; break;
        case '>': out += "&gt;"; break;
        case '"': out += "&quot;"; break;
        case '\'': out += "&#39;"; break;
        default: out += c;
      }
    }
    if (span.matched) out += "</mark>";
  }
  return out;
}

json highlight_json(const std::string& id, const std::string& query, const Study& study,
                    const std::vector<std::vector<TextSpan>>& spans) {
  // spans: title, summary, relevance, limitations, in this order (server.cpp).
  const auto text = [&](std::size_t i, const std::string& raw) { return raw.empty() ? json(nullptr) : json(spans_html(spans.at(i))); };
  return {{"id", id},
          {"query", query},
          {"title", text(0, study.title)},
          {"summary", text(1, study.summary)},
          {"relevance", text(2, study.relevance)},
          {"limitations", text(3, study.limitations)}};
}

json to_json(const SearchRequest& request, const SearchResult& result) {
  json hits = json::array();
  for (const auto& h : result.hits) hits.push_back(to_json(h));
  json out = {{"query", request.text},
              {"total", result.total},
              {"offset", request.offset},
              {"limit", request.limit},
              {"did_you_mean", result.did_you_mean ? json(*result.did_you_mean) : json(nullptr)},
              {"hits", hits},
              {"facets", to_json(result.facets)},
              {"took_ms", result.took_ms}};
  if (result.partial) {  // allow_partial: which shards the answer lacks
    out["partial"] = true;
    out["missing_shards"] = result.missing_shards;
  }
  return out;
}

json similar_json(const std::string& id, const std::vector<Hit>& hits) {
  json list = json::array();
  for (const auto& h : hits) list.push_back(to_json(h));
  return {{"id", id}, {"hits", list}};
}

json to_json(const IndexInfo& info) {
  return {{"documents", info.documents},
          {"schema_version", info.schema_version},
          {"analyzer", info.analyzer},
          {"revision", info.revision}};  // no path: the server must not reveal its folders
}

json to_json(const IndexReport& report) {
  json issues = json::array();
  for (const auto& i : report.issues)
    issues.push_back({{"file", i.file}, {"line", i.line}, {"field", i.field}, {"reason", i.reason}});
  return {{"added", report.added},     {"replaced", report.replaced}, {"deleted", report.deleted},
          {"skipped", report.skipped}, {"issues", issues},            {"seconds", report.seconds}};
}

json study_json(const Study& study) {
  // Every record field, in record order (README "Record format"); still valid
  // JSONL input, where null counts as absent.
  json out = json::object();
  for (const Field& field : study_fields()) out[field.name] = field_json(field, study);
  return out;
}

json error_json(ErrorKind kind, const std::string& message) {
  return {{"error", {{"kind", to_string(kind)}, {"message", message}}}};
}

std::string dump(const json& value, int indent) {
  return value.dump(indent, ' ', false, json::error_handler_t::replace);
}

}  // namespace studysearch::app
