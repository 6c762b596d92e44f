#include "meili_routes.hpp"

#include <cmath>

#include "meili_search.hpp"
#include "server.hpp"

namespace studysearch::app::meili {
namespace {

using json = nlohmann::json;
using ordered = nlohmann::ordered_json;

constexpr std::size_t kMaxQueries = 32;    // per multi-search (InstantSearch sends 1 + one per refined group)
constexpr int kMaxJsonDepth = 32;         // like records: deeper bodies are refused, not parsed

json parse_body(std::string_view body) {
  try {
    return json::parse(body, [](int depth, json::parse_event_t, json&) {
      if (depth > kMaxJsonDepth)
        throw bad_request("bad_request", "The JSON payload is nested more than " + std::to_string(kMaxJsonDepth) + " levels deep");
      return true;
    });
  } catch (const json::exception& e) {
    throw bad_request("bad_request", std::string("The JSON payload provided is malformed: ") + e.what());
  }
}

// The engine's errors in Meilisearch's shape (status from the same rules as the native API).
ApiError from_engine(const Error& e) {
  switch (e.kind()) {
    case ErrorKind::invalid_input:
    case ErrorKind::invalid_query:
    case ErrorKind::limit_exceeded: return bad_request("bad_request", e.what());
    case ErrorKind::index_missing:
    case ErrorKind::index_incompatible: return ApiError(503, "index_unavailable", "system", e.what());
    case ErrorKind::not_found: return ApiError(404, "not_found", "invalid_request", e.what());
    default: return ApiError(500, "internal", "internal", e.what());
  }
}

ApiError inside(const ApiError& e, std::size_t index) {
  return ApiError(e.status, e.code, e.type, "Inside `.queries[" + std::to_string(index) + "]`: " + e.what());
}

}  // namespace

Dialect::Dialect(SearchEngine engine, DialectOptions options) : engine_(std::move(engine)), options_(std::move(options)) {}

template <typename Fn>
Response Dialect::answer(std::string_view authorization, Fn&& fn) const {
  try {
    check_key(authorization);
    return {200, fn()};
  } catch (const ApiError& e) {
    return {e.status, error_body(e)};
  } catch (const Error& e) {
    const ApiError mapped = from_engine(e);
    return {mapped.status, error_body(mapped)};
  } catch (const std::exception& e) {
    const ApiError internal(500, "internal", "internal", std::string("internal error: ") + e.what());
    return {500, error_body(internal)};
  }
}

void Dialect::check_key(std::string_view authorization) const {
  if (options_.search_key.empty()) return;
  const std::string_view scheme = "Bearer ";
  if (authorization.empty())
    throw ApiError(401, "missing_authorization_header", "auth",
                   "The Authorization header is missing. It must use the bearer authorization method.");
  if (!authorization.starts_with(scheme) ||
      !token_matches(options_.search_key, std::string(authorization.substr(scheme.size()))))
    throw ApiError(403, "invalid_api_key", "auth", "The provided API key is invalid.");
}

void Dialect::check_uid(std::string_view uid) const {
  if (uid != options_.index_uid) {
    const std::string shown = uid.size() > 100 ? std::string(uid.substr(0, 100)) + "..." : std::string(uid);
    throw ApiError(404, "index_not_found", "invalid_request", "Index `" + shown + "` not found.");
  }
}

ordered Dialect::run_search(const Query& query) const {
  SearchResult result;
  if (query.possible) result = engine_.search(query.request);
  std::vector<Study> studies;
  studies.reserve(result.hits.size());
  for (const auto& hit : result.hits)
    if (auto study = engine_.find_study(hit.id)) studies.push_back(std::move(*study));  // gone since: a commit raced
  const std::string& text = query.request.text;
  return search_response(query, result, studies,
                         [&](const std::vector<std::string_view>& texts) { return engine_.highlight(texts, text, query.request.prefix_last_word); });
}

Response Dialect::multi_search(std::string_view authorization, std::string_view body) const {
  return answer(authorization, [&] {
    const json request = parse_body(body);
    if (!request.is_object() || !request.contains("queries") || !request["queries"].is_array())
      throw bad_request("bad_request", "The body must be {\"queries\": [...]}");
    for (const auto& [name, value] : request.items())
      if (name != "queries")
        throw bad_request(name == "federation" ? "invalid_multi_search_federation" : "bad_request",
                          "`" + name.substr(0, 60) + "` is not supported by studysearch (multi-search takes `queries` only)");
    const json& queries = request["queries"];
    if (queries.size() > kMaxQueries)
      throw bad_request("bad_request", "at most " + std::to_string(kMaxQueries) + " queries per multi-search");
    ordered results = ordered::array();
    for (std::size_t i = 0; i < queries.size(); ++i) {
      try {
        const Query query = parse_search(queries[i], Endpoint::multi_search, engine_.options());
        check_uid(query.index_uid);
        results.push_back(run_search(query));
      } catch (const ApiError& e) {
        throw inside(e, i);
      } catch (const Error& e) {
        throw inside(from_engine(e), i);
      }
    }
    return ordered{{"results", std::move(results)}};
  });
}

Response Dialect::search(std::string_view authorization, std::string_view uid, std::string_view body) const {
  return answer(authorization, [&] {
    check_uid(uid);
    return run_search(parse_search(parse_body(body), Endpoint::search, engine_.options()));
  });
}

Response Dialect::facet_search(std::string_view authorization, std::string_view uid, std::string_view body) const {
  return answer(authorization, [&] {
    check_uid(uid);
    const Query query = parse_search(parse_body(body), Endpoint::facet_search, engine_.options());
    SearchResult result;
    if (query.possible) result = engine_.search(query.request);
    return ordered{{"facetHits", facet_hits(query, result.facets)},
                   {"facetQuery", query.facet_query.empty() ? ordered(nullptr) : ordered(query.facet_query)},
                   {"processingTimeMs", static_cast<long long>(std::llround(result.took_ms))}};
  });
}

Response Dialect::health() const { return {200, ordered{{"status", "available"}}}; }

Response Dialect::index(std::string_view authorization, std::string_view uid) const {
  return answer(authorization, [&] {
    check_uid(uid);
    const IndexInfo info = engine_.info();
    return ordered{{"uid", options_.index_uid},
                   {"primaryKey", "id"},
                   {"createdAt", nullptr},
                   {"updatedAt", nullptr},
                   {"numberOfDocuments", info.documents}};
  });
}

}  // namespace studysearch::app::meili
