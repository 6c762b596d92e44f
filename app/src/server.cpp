// The HTTP service. Every route is one row of the table in routes(); every
// error becomes a status in http_status(). Handlers translate only: query
// parameters -> SearchRequest (server_params.cpp), result -> JSON (json_io).
// The transport (limits, deadlines, connections) is server_http.cpp.
#include "server.hpp"

#include <algorithm>
#include <cstdio>
#include <mutex>
#include <span>
#include <sstream>
#include <thread>
#include <unordered_map>

#include "json_io.hpp"
#include "meili_page.hpp"
#include "meili_routes.hpp"
#include "server_assets.hpp"
#include "server_cors.hpp"
#include "server_http.hpp"
#include "server_params.hpp"
#include "server_wire.hpp"
#include "studysearch/index_writer.hpp"
#include "studysearch/shards.hpp"
#include "studysearch/readers.hpp"

namespace studysearch::app {
namespace {

using json = nlohmann::ordered_json;  // keys keep the documented order

/// The one table: error kind -> HTTP status. (Transport errors — 405, 413,
/// 414, 431 — carry their own status; kind_of_status() names their kind.)
int http_status(ErrorKind kind) {
  switch (kind) {
    case ErrorKind::invalid_input:
    case ErrorKind::invalid_query:
    case ErrorKind::limit_exceeded: return 400;
    case ErrorKind::unauthorized: return 401;
    case ErrorKind::forbidden: return 403;
    case ErrorKind::not_found: return 404;
    case ErrorKind::index_missing:
    case ErrorKind::index_incompatible:
    case ErrorKind::busy:
    case ErrorKind::shard_unavailable: return 503;
    case ErrorKind::internal: return 500;
  }
  return 500;
}

/// The kind of an error the transport or the router raises with its own status.
ErrorKind kind_of_status(int status) {
  switch (status) {
    case 404: return ErrorKind::not_found;
    case 413:
    case 414:
    case 431: return ErrorKind::limit_exceeded;
    case 400:
    case 405:
    case 408: return ErrorKind::invalid_input;
    default: return ErrorKind::internal;
  }
}

constexpr const char* kJsonType = "application/json; charset=utf-8";
constexpr const char* kHtmlPolicy =
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; object-src 'none'; "
    "base-uri 'none'; form-action 'self'; frame-ancestors 'none'";
// The InstantSearch demo may call a Meilisearch-dialect server on another origin (?host=).
constexpr const char* kInstantSearchPolicy =
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self' http: https:; "
    "object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'";
constexpr std::size_t kMaxIssuesListed = 100;  // a huge bad body must not give a huge error
constexpr std::size_t kMinGzipBytes = 1024;    // below this gzip saves less than it costs

// '<', '>' and '&' can only occur inside JSON strings, so escaping them keeps
// the same JSON value, and no response ever carries markup from the index
// verbatim (a "<script>" in a title stays inert even for a client that sniffs).
// dump() turns invalid UTF-8 (e.g. from a query parameter) into U+FFFD, not a 500.
std::string json_text(const json& value) {
  const std::string text = dump(value);
  std::string out;
  out.reserve(text.size() + 16);
  for (const char c : text) {
    if (c == '<') out += "\\u003c";
    else if (c == '>') out += "\\u003e";
    else if (c == '&') out += "\\u0026";
    else out += c;
  }
  return out;
}

HttpResponse json_response(const json& value, int status = 200) {
  HttpResponse res;
  res.status = status;
  res.set_header("Content-Type", kJsonType);
  res.set_header("Cache-Control", "no-store");
  res.body = json_text(value);
  return res;
}

HttpResponse error_response(ErrorKind kind, const std::string& message, int status) {
  HttpResponse res = json_response(error_json(kind, message), status);
  if (kind == ErrorKind::unauthorized) res.set_header("WWW-Authenticate", "Bearer");
  if (kind == ErrorKind::busy) res.set_header("Retry-After", "1");  // a write in progress: soon free again
  return res;
}

// Request targets are client-controlled: no control characters into the log.
std::string loggable(const std::string& text) {
  std::string out = text.substr(0, 2000);
  for (char& c : out)
    if (static_cast<unsigned char>(c) < 0x20 || c == 0x7f) c = '?';
  return out;
}

// A client-supplied id inside a message: as a JSON string literal (control
// characters escaped, so a NUL cannot cut the message), at most 200 bytes.
std::string quoted(const std::string& id) {
  return dump(json(id.size() > 200 ? id.substr(0, 200) + "..." : id));
}

std::vector<std::string_view> segments(std::string_view path) {
  std::vector<std::string_view> out;
  if (path.starts_with('/')) path.remove_prefix(1);
  for (std::size_t start = 0;;) {
    const auto slash = path.find('/', start);
    out.push_back(path.substr(start, slash == std::string_view::npos ? std::string_view::npos : slash - start));
    if (slash == std::string_view::npos) return out;
    start = slash + 1;
  }
}

// An embedded page name: one segment, no leading dot (so never "..").
bool is_page_name(std::string_view name) {
  const auto allowed = [](char c, bool first) {
    return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_' || c == '-' ||
           (!first && c == '.');
  };
  for (std::size_t i = 0; i < name.size(); ++i)
    if (!allowed(name[i], i == 0)) return false;
  return true;
}

/// Pattern segments: literals, "{id}" (any one non-empty segment) and "{page}"
/// (an embedded page name, or nothing for "/").
bool match(std::string_view pattern, std::string_view path, std::vector<std::string>& captures) {
  const auto want = segments(pattern), got = segments(path);
  if (want.size() != got.size()) return false;
  std::vector<std::string> found;
  for (std::size_t i = 0; i < want.size(); ++i) {
    if (want[i] == "{id}" && !got[i].empty()) found.emplace_back(got[i]);
    else if (want[i] == "{page}" && is_page_name(got[i])) found.emplace_back(got[i]);
    else if (want[i] != got[i]) return false;
  }
  captures = std::move(found);
  return true;
}

}  // namespace

struct Server::Impl {
  using Handler = HttpResponse (Impl::*)(const HttpRequest&);
  struct Route {
    const char* method;
    const char* pattern;
    Handler handler;
    bool write;  // needs the token (checked before any body is read)
    bool body;   // the only routes whose request body is read
  };

  static std::span<const Route> routes() {
    static constexpr Route table[] = {
        {"GET", "/v1/search", &Impl::search, false, false},
        {"GET", "/v1/complete", &Impl::complete, false, false},
        {"GET", "/v1/info", &Impl::info, false, false},
        {"GET", "/healthz", &Impl::health, false, false},
        {"GET", "/v1/studies/{id}", &Impl::show_study, false, false},
        {"GET", "/v1/studies/{id}/similar", &Impl::similar, false, false},
        {"GET", "/v1/studies/{id}/highlight", &Impl::highlight, false, false},
        {"GET", "/v1/facets/{id}", &Impl::facet_values, false, false},
        {"GET", "/study/{id}", &Impl::study_page, false, false},
        {"POST", "/v1/studies", &Impl::add_studies, true, true},
        {"DELETE", "/v1/studies/{id}", &Impl::delete_study, true, false},
        // The Meilisearch dialect (meili_routes.hpp) and its InstantSearch demo page.
        {"POST", "/multi-search", &Impl::meili_multi_search, false, true},
        {"POST", "/indexes/{id}/search", &Impl::meili_search, false, true},
        {"POST", "/indexes/{id}/facet-search", &Impl::meili_facet_search, false, true},
        {"GET", "/indexes/{id}", &Impl::meili_index, false, false},
        {"GET", "/health", &Impl::meili_health, false, false},
        {"GET", "/instantsearch/{page}", &Impl::instantsearch_page, false, false},
        {"GET", "/{page}", &Impl::asset, false, false},
    };
    return table;
  }

  std::string db_path;
  ServerOptions options;
  SearchEngine engine;
  meili::Dialect meili{engine, {options.index_uid, options.search_key}};
  InstantSearchPackages instantsearch_packages{options.instantsearch_modules};
  CorsPolicy cors{options.cors_origins};
  std::mutex write_mutex;  // one IndexWriter at a time (the index allows one writer)
  std::unique_ptr<HttpServer> http;
  std::thread thread;      // only with start()
  std::mutex stop_mutex;
  int port = -1;

  Impl(const std::string& db, ServerOptions o)
      : db_path(db), options(std::move(o)), engine(SearchEngine::open(db, options.engine)) {
    HttpLimits limits;
    limits.max_header_bytes = options.max_header_bytes;
    limits.max_header_count = options.max_header_count;
    limits.max_url_bytes = options.max_url_bytes;
    limits.max_body = options.max_body;
    limits.idle_seconds = options.timeout_seconds;
    limits.deadline_seconds = options.request_deadline_seconds;
    limits.max_connections_per_ip = options.max_connections_per_ip;
    limits.max_connections = options.max_connections;
    limits.workers = options.threads ? options.threads : std::max<std::size_t>(4, 2 * std::thread::hardware_concurrency());
    HttpApplication app;
    app.admit = [this](HttpRequest& req) { return admit(req); };
    app.handle = [this](HttpRequest& req) { return handle(req); };
    app.error = [](int status, const std::string& message) { return error_response(kind_of_status(status), message, status); };
    if (options.access_log)
      app.log = [log = options.access_log](const std::string& method, const std::string& target, int status, double ms) {
        char timing[32];
        std::snprintf(timing, sizeof timing, " %.1f ms", ms);
        log(method + " " + loggable(target) + " " + std::to_string(status) + timing);
      };
    app.finish = [this](const HttpRequest& req, HttpResponse& res) { cors.decorate(req, res); };
    app.default_headers = {{"X-Content-Type-Options", "nosniff"}, {"Referrer-Policy", "no-referrer"}, {"X-Frame-Options", "DENY"}};
    http = std::make_unique<HttpServer>(limits, std::move(app));
  }

  // Headers are in: route, method, token. Only a route that takes a body gets it read.
  Admission admit(HttpRequest& req) {
    const std::string method = req.method == "HEAD" ? "GET" : req.method;
    std::string allow;
    for (std::size_t i = 0; i < routes().size(); ++i) {
      const Route& route = routes()[i];
      std::vector<std::string> captures;
      if (!match(route.pattern, req.path, captures)) continue;
      if (method != route.method) {
        if (allow.find(route.method) == std::string::npos)
          allow += (allow.empty() ? "" : ", ") + std::string(route.method) + (route.method == std::string("GET") ? ", HEAD" : "");
        continue;
      }
      req.route = i;
      req.captures = std::move(captures);
      if (route.write) {
        try {
          check_write_access(req);
        } catch (const Error& e) {
          return {error_response(e.kind(), e.what(), http_status(e.kind())), false};
        }
      }
      return {std::nullopt, route.body};
    }
    if (req.method == "OPTIONS" && !allow.empty() && cors.enabled()) return {cors.preflight(allow), false};
    if (allow.empty())
      return {error_response(ErrorKind::not_found, "no route for " + loggable(req.method) + " " + loggable(req.path), 404), false};
    HttpResponse res = error_response(kind_of_status(405), "method " + loggable(req.method) + " is not allowed on " +
                                                               loggable(req.path) + "; allowed: " + allow, 405);
    res.set_header("Allow", allow);
    return {std::move(res), false};
  }

  // On a worker thread.
  HttpResponse handle(HttpRequest& req) {
    HttpResponse res;
    try {
      res = (this->*routes()[req.route].handler)(req);
    } catch (const Error& e) {
      res = error_response(e.kind(), e.what(), http_status(e.kind()));
    } catch (const std::exception& e) {
      res = error_response(ErrorKind::internal, std::string("internal error: ") + e.what(), 500);
    }
    if (res.header("Content-Type") == kJsonType) {
      res.set_header("Vary", "Accept-Encoding");
      if (res.body.size() >= kMinGzipBytes && accepts_gzip(req.header("Accept-Encoding")))
        if (auto packed = gzip(res.body)) {
          res.body = std::move(*packed);
          res.set_header("Content-Encoding", "gzip");
        }
    }
    return res;
  }

  // ---- read routes ----

  HttpResponse search(const HttpRequest& req) {
    const SearchRequest request = search_request_from(req.params);
    return json_response(to_json(request, engine.search(request)));
  }

  HttpResponse show_study(const HttpRequest& req) {
    const std::string& id = req.captures[0];
    const auto study = engine.find_study(id);
    if (!study) throw Error(ErrorKind::not_found, "no study with id " + quoted(id));
    return json_response(study_json(*study));
  }

  HttpResponse similar(const HttpRequest& req) {
    const std::string& id = req.captures[0];
    try {
      return json_response(similar_json(id, engine.similar(id, count_param(req.params, "k", 5, 100))));
    } catch (const Error& e) {
      // The engine's message holds the raw id; ours quotes it.
      if (e.kind() != ErrorKind::not_found) throw;
      throw Error(ErrorKind::not_found, "no study with id " + quoted(id));
    }
  }

  // The study view's texts with the query's words marked (q, prefix).
  HttpResponse highlight(const HttpRequest& req) {
    const std::string& id = req.captures[0];
    const auto study = engine.find_study(id);
    if (!study) throw Error(ErrorKind::not_found, "no study with id " + quoted(id));
    const std::string query = text_param(req.params, "q");
    const auto spans = engine.highlight({study->title, study->summary, study->relevance, study->limitations}, query,
                                        flag_param(req.params, "prefix", false));
    return json_response(highlight_json(id, query, *study, spans));
  }

  // One facet group's values: facet_q (text), k, and the search parameters.
  HttpResponse facet_values(const HttpRequest& req) {
    const std::string& group = req.captures[0];
    const std::string text = text_param(req.params, "facet_q");
    const SearchRequest request = search_request_from(req.params);
    return json_response(
        facet_values_json(group, text, engine.facet_values(request, group, text, count_param(req.params, "k", 20, 1000))));
  }

  // /study/{id} is the page too (app.js shows the study view for that path).
  HttpResponse study_page(const HttpRequest& req) {
    HttpRequest page = req;
    page.captures.assign(1, std::string());
    return asset(page);
  }

  HttpResponse complete(const HttpRequest& req) {
    const std::string prefix = text_param(req.params, "q");
    const auto completions = engine.complete(prefix, count_param(req.params, "k", 8, 50));
    return json_response({{"query", prefix}, {"completions", completions}});
  }

  // The index's location on disk is the operator's business, not the client's.
  HttpResponse info(const HttpRequest&) {
    json body = to_json(engine.info());
    body.erase("path");
    return json_response(body);
  }

  HttpResponse health(const HttpRequest&) { return json_response({{"status", "ok"}, {"documents", engine.info().documents}}); }

  HttpResponse asset(const HttpRequest& req) {
    const std::string& name = req.captures[0];
    const WebAsset* file = find_web_asset("/" + (name.empty() ? std::string("index.html") : name));
    if (!file) throw Error(ErrorKind::not_found, "no page at " + quoted(req.path));
    return static_file(file, req, kHtmlPolicy);
  }

  // The demo's own files are embedded; the npm packages come from --instantsearch-modules.
  HttpResponse instantsearch_page(const HttpRequest& req) {
    const std::string name = req.captures[0].empty() ? std::string("index.html") : req.captures[0];
    const WebAsset* file = find_web_asset("/instantsearch/" + name);
    if (!file) file = instantsearch_packages.find(name);
    if (!file) throw Error(ErrorKind::not_found, "no page at " + quoted(req.path) +
                                                     " (the InstantSearch packages come with --instantsearch-modules)");
    return static_file(file, req, kInstantSearchPolicy);
  }

  static HttpResponse static_file(const WebAsset* file, const HttpRequest& req, const char* html_policy) {
    HttpResponse res;
    res.set_header("Content-Type", std::string(file->content_type));
    if (file->content_type.starts_with("text/html")) res.set_header("Content-Security-Policy", html_policy);
    res.set_header("Cache-Control", "no-cache");
    const std::string tag = entity_tag(file->body);
    res.set_header("ETag", tag);
    res.set_header("Accept-Ranges", "bytes");
    if (etag_matches(req.header("If-None-Match"), tag)) {
      res.status = 304;
      return res;
    }
    // One range at most (several are ignored: the whole file, once); an
    // If-Range naming another version also means the whole file.
    const std::string if_range = req.header("If-Range");
    const auto range = if_range.empty() || if_range == tag ? single_range(req.header("Range"), file->body.size()) : std::nullopt;
    if (!range) {
      res.body = std::string(file->body);
      return res;
    }
    if (range->first >= file->body.size()) {
      res.status = 416;
      res.set_header("Content-Range", "bytes */" + std::to_string(file->body.size()));
      return res;
    }
    res.status = 206;
    res.set_header("Content-Range", "bytes " + std::to_string(range->first) + "-" + std::to_string(range->last) + "/" +
                                        std::to_string(file->body.size()));
    res.body = std::string(file->body.substr(range->first, range->last - range->first + 1));
    return res;
  }

  // ---- Meilisearch dialect: translation in meili_routes.cpp ----

  static HttpResponse meili_response(const meili::Response& r) { return json_response(r.body, r.status); }
  HttpResponse meili_multi_search(const HttpRequest& req) {
    return meili_response(meili.multi_search(req.header("Authorization"), req.body));
  }
  HttpResponse meili_search(const HttpRequest& req) {
    return meili_response(meili.search(req.header("Authorization"), req.captures[0], req.body));
  }
  HttpResponse meili_facet_search(const HttpRequest& req) {
    return meili_response(meili.facet_search(req.header("Authorization"), req.captures[0], req.body));
  }
  HttpResponse meili_index(const HttpRequest& req) { return meili_response(meili.index(req.header("Authorization"), req.captures[0])); }
  HttpResponse meili_health(const HttpRequest&) { return meili_response(meili.health()); }

  // ---- write routes ----

  void check_write_access(const HttpRequest& req) const {
    if (options.token.empty())
      throw Error(ErrorKind::forbidden, "writes are disabled on this server (start it with --token-file to enable them)");
    const std::string auth = req.header("Authorization");
    const std::string scheme = "Bearer ";
    if (auth.compare(0, scheme.size(), scheme) != 0 || !token_matches(options.token, auth.substr(scheme.size())))
      throw Error(ErrorKind::unauthorized, "missing or wrong token: send 'Authorization: Bearer <token>'");
  }

  // All or nothing, like `studysearch index`: every record is read and
  // validated first; one invalid record (or an id twice) means nothing is written.
  // The body is JSON Lines whatever Content-Type the client sent (curl's
  // --data-binary says application/x-www-form-urlencoded unless told otherwise).
  HttpResponse add_studies(const HttpRequest& req) {
    std::istringstream body(req.body);
    std::vector<SourcedStudy> studies;
    std::vector<RecordIssue> issues;
    read_jsonl(body, "<request>", ReaderOptions{},
               RecordSink{[&](SourcedStudy&& s) { studies.push_back(std::move(s)); },
                          [&](RecordIssue&& issue) { issues.push_back(std::move(issue)); }});
    // Ids twice in one body, found here so they are listed like the other issues.
    std::unordered_map<std::string, std::size_t> first_line;
    for (const auto& s : studies) {
      const auto [it, inserted] = first_line.emplace(s.study.id, s.line);
      if (!inserted)
        issues.push_back({"<request>", s.line, "id",
                          "duplicate id " + quoted(s.study.id) + " (first on line " + std::to_string(it->second) + ")"});
    }
    if (!issues.empty()) return invalid_records(std::move(issues));
    if (studies.empty())
      throw Error(ErrorKind::invalid_input, "the request body holds no records (expected JSON Lines: one study per line)");
    const std::lock_guard lock(write_mutex);
    if (is_shard_stub(db_path)) return json_response(to_json(RoutedWriter::open(db_path).index_studies(studies)));
    auto writer = IndexWriter::open(db_path);
    return json_response(to_json(writer.index_studies(studies)));
  }

  static HttpResponse invalid_records(std::vector<RecordIssue> issues) {
    std::stable_sort(issues.begin(), issues.end(), [](const auto& a, const auto& b) { return a.line < b.line; });
    const std::string message = std::to_string(issues.size()) + " invalid record" + (issues.size() == 1 ? "" : "s") +
                                "; nothing was written\n" + list_issues(issues, kMaxIssuesListed);
    json error = error_json(ErrorKind::invalid_input, message);
    json listed = json::array();
    for (std::size_t i = 0; i < std::min(issues.size(), kMaxIssuesListed); ++i)
      listed.push_back({{"line", issues[i].line}, {"field", issues[i].field}, {"reason", issues[i].reason}});
    error["error"]["issues"] = std::move(listed);
    error["error"]["more_issues"] = issues.size() - std::min(issues.size(), kMaxIssuesListed);
    return json_response(error, http_status(ErrorKind::invalid_input));
  }

  HttpResponse delete_study(const HttpRequest& req) {
    const std::string& id = req.captures[0];
    const std::lock_guard lock(write_mutex);
    try {
      if (is_shard_stub(db_path)) return json_response(to_json(RoutedWriter::open(db_path).delete_ids({id})));
      auto writer = IndexWriter::open(db_path);
      return json_response(to_json(writer.delete_ids({id})));
    } catch (const Error& e) {
      if (e.kind() != ErrorKind::not_found) throw;
      throw Error(ErrorKind::not_found, "no study with id " + quoted(id) + "; nothing was deleted");
    }
  }
};

Server::Server(const std::string& db_path, ServerOptions options)
    : impl_(std::make_unique<Impl>(db_path, std::move(options))) {}

Server::~Server() { stop(); }

int Server::bind() {
  if (impl_->port < 0) impl_->port = impl_->http->bind(impl_->options.host, impl_->options.port);
  return impl_->port;
}

void Server::run() {
  bind();
  impl_->http->run();
}

void Server::start() {
  bind();
  // The socket already listens: connections made from now on wait in its backlog.
  impl_->thread = std::thread([this] { impl_->http->run(); });
}

int Server::port() const { return impl_->port; }

void Server::stop() {
  const std::lock_guard lock(impl_->stop_mutex);
  impl_->http->stop();
  if (impl_->thread.joinable() && impl_->thread.get_id() != std::this_thread::get_id()) impl_->thread.join();
}

bool token_matches(const std::string& expected, const std::string& given) {
  unsigned char difference = expected.size() == given.size() ? 0 : 1;
  for (std::size_t i = 0; i < expected.size(); ++i)
    difference |= static_cast<unsigned char>(expected[i] ^ (i < given.size() ? given[i] : 0));
  return difference == 0;
}

}  // namespace studysearch::app
