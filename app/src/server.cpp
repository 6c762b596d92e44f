// The HTTP service. Every route is one row of the table in install_routes();
// every error becomes a status in http_status(). Handlers translate only:
// query parameters -> SearchRequest (server_params.cpp), result -> JSON (json_io).
#include "server.hpp"

#include <httplib.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <mutex>
#include <sstream>
#include <stdexcept>
#include <thread>

#include "json_io.hpp"
#include "server_assets.hpp"
#include "server_params.hpp"
#include "studysearch/index_writer.hpp"
#include "studysearch/readers.hpp"

namespace studysearch::app {
namespace {

using json = nlohmann::ordered_json;  // keys keep the documented order

/// The one table: error kind -> HTTP status. (Body size over the limit is
/// limit_exceeded too, but httplib answers it with 413 before any handler runs.)
int http_status(ErrorKind kind) {
  switch (kind) {
    case ErrorKind::invalid_input:
    case ErrorKind::invalid_query:
    case ErrorKind::limit_exceeded: return 400;
    case ErrorKind::unauthorized: return 401;
    case ErrorKind::forbidden: return 403;
    case ErrorKind::not_found: return 404;
    case ErrorKind::index_missing:
    case ErrorKind::index_incompatible: return 503;
    case ErrorKind::internal: return 500;
  }
  return 500;
}

/// Errors httplib raises itself (no route, body too large, malformed request).
ErrorKind kind_of_status(int status) {
  switch (status) {
    case 404: return ErrorKind::not_found;
    case 413:
    case 414: return ErrorKind::limit_exceeded;
    case 400: return ErrorKind::invalid_input;
    default: return ErrorKind::internal;
  }
}

constexpr const char* kJsonType = "application/json; charset=utf-8";
constexpr const char* kHtmlPolicy =
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; object-src 'none'; "
    "base-uri 'none'; form-action 'self'; frame-ancestors 'none'";

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

void send_json(httplib::Response& res, const json& value, int status = 200) {
  res.status = status;
  res.set_header("Cache-Control", "no-store");
  res.set_content(json_text(value), kJsonType);
}

void send_error(httplib::Response& res, ErrorKind kind, const std::string& message, int status) {
  if (kind == ErrorKind::unauthorized) res.set_header("WWW-Authenticate", "Bearer");
  send_json(res, error_json(kind, message), status);
}

// Request targets are client-controlled: no control characters into the log.
std::string loggable(const std::string& text) {
  std::string out = text.substr(0, 2000);
  for (char& c : out)
    if (static_cast<unsigned char>(c) < 0x20 || c == 0x7f) c = '?';
  return out;
}

// Start time of the request this worker thread is handling (set before routing,
// read by the access log). Per-thread scratch, not shared state.
thread_local std::optional<std::chrono::steady_clock::time_point> request_start;

}  // namespace

struct Server::Impl {
  using Handler = void (Impl::*)(const httplib::Request&, httplib::Response&);
  struct Route {
    const char* method;
    const char* pattern;  // std::regex, whole path; groups -> req.matches
    Handler handler;
  };

  std::string db_path;
  ServerOptions options;
  SearchEngine engine;
  httplib::Server http;
  std::mutex write_mutex;  // one IndexWriter at a time (the index allows one writer)
  std::mutex stop_mutex;
  std::thread thread;      // only with start()
  std::atomic<bool> in_listen{false}, stop_requested{false};
  bool stopped = false;    // guarded by stop_mutex
  int port = -1;

  Impl(const std::string& db, ServerOptions o)
      : db_path(db), options(std::move(o)), engine(SearchEngine::open(db, options.engine)) {
    configure();
    install_routes();
  }

  void install_routes() {
    static constexpr Route routes[] = {
        {"GET", "/v1/search", &Impl::search},
        {"GET", "/v1/complete", &Impl::complete},
        {"GET", "/v1/info", &Impl::info},
        {"GET", "/healthz", &Impl::health},
        {"GET", R"(/v1/studies/([^/]+))", &Impl::show_study},
        {"GET", R"(/v1/studies/([^/]+)/similar)", &Impl::similar},
        {"POST", "/v1/studies", &Impl::add_studies},
        {"DELETE", R"(/v1/studies/([^/]+))", &Impl::delete_study},
        // The embedded page: one path segment, no leading dot (so never "..").
        {"GET", R"(/([A-Za-z0-9_-][A-Za-z0-9._-]*)?)", &Impl::asset},
    };
    for (const Route& route : routes) {
      auto guarded = [this, handler = route.handler](const httplib::Request& req, httplib::Response& res) {
        try {
          (this->*handler)(req, res);
        } catch (const Error& e) {
          send_error(res, e.kind(), e.what(), http_status(e.kind()));
        } catch (const std::exception& e) {
          send_error(res, ErrorKind::internal, std::string("internal error: ") + e.what(), 500);
        }
      };
      const std::string method = route.method;
      if (method == "GET") http.Get(route.pattern, guarded);
      else if (method == "POST") http.Post(route.pattern, guarded);
      else if (method == "DELETE") http.Delete(route.pattern, guarded);
      else throw std::logic_error("route table: unsupported method " + method);
    }
  }

  void configure() {
    std::size_t threads = options.threads;
    if (threads == 0) threads = std::max<std::size_t>(4, 2 * std::thread::hardware_concurrency());
    // httplib owns and deletes the queue it gets from this factory.
    http.new_task_queue = [threads] { return new httplib::ThreadPool(threads); };
    http.set_read_timeout(options.timeout_seconds, 0);
    http.set_write_timeout(options.timeout_seconds, 0);
    // An idle keep-alive connection holds its worker until this runs out, also
    // at shutdown: keep it short so SIGTERM finishes within about two seconds.
    http.set_keep_alive_timeout(2);
    // Headers and body go out in separate writes; without this, Nagle plus a
    // delayed ACK adds ~40 ms to small responses.
    http.set_tcp_nodelay(true);
    // httplib's default adds SO_REUSEPORT, which would let a second server
    // silently share the port; a busy port must be an error at start instead.
    http.set_socket_options([](socket_t sock) {
      int yes = 1;
      setsockopt(sock, SOL_SOCKET, SO_REUSEADDR, &yes, sizeof yes);
    });
    http.set_payload_max_length(options.max_body);
    http.set_default_headers({{"X-Content-Type-Options", "nosniff"},
                              {"Referrer-Policy", "no-referrer"},
                              {"X-Frame-Options", "DENY"}});
    http.set_pre_routing_handler([](const httplib::Request&, httplib::Response&) {
      request_start = std::chrono::steady_clock::now();
      return httplib::Server::HandlerResponse::Unhandled;
    });
    // Errors raised by httplib itself get the same JSON body as ours.
    http.set_error_handler(httplib::Server::HandlerWithResponse([this](const httplib::Request& req, httplib::Response& res) {
      if (!res.body.empty()) return httplib::Server::HandlerResponse::Unhandled;
      std::string message;
      if (res.status == 404) message = "no route for " + req.method + " " + req.path;
      else if (res.status == 413) message = "request body is larger than the limit of " + std::to_string(options.max_body) + " bytes";
      else message = "malformed request (HTTP status " + std::to_string(res.status) + ")";
      send_error(res, kind_of_status(res.status), message, res.status);
      return httplib::Server::HandlerResponse::Handled;
    }));
    http.set_logger([this](const httplib::Request& req, const httplib::Response& res) {
      if (!options.access_log) return;
      std::ostringstream line;
      line << req.method << " " << loggable(req.target) << " " << res.status << " ";
      if (request_start) {
        const double ms = std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - *request_start).count();
        char buffer[32];
        std::snprintf(buffer, sizeof buffer, "%.1f", ms);
        line << buffer << " ms";
      } else {
        line << "- ms";
      }
      request_start.reset();
      options.access_log(line.str());
    });
  }

  // ---- read routes ----

  void search(const httplib::Request& req, httplib::Response& res) {
    const SearchRequest request = search_request_from(req.params);
    send_json(res, to_json(request, engine.search(request)));
  }

  void show_study(const httplib::Request& req, httplib::Response& res) {
    const std::string id = req.matches[1];
    const auto study = engine.find_study(id);
    if (!study) throw Error(ErrorKind::not_found, "no study with id '" + id + "'");
    send_json(res, study_json(*study));
  }

  void similar(const httplib::Request& req, httplib::Response& res) {
    const std::string id = req.matches[1];
    send_json(res, similar_json(id, engine.similar(id, count_param(req.params, "k", 5, 100))));
  }

  void complete(const httplib::Request& req, httplib::Response& res) {
    const std::string prefix = text_param(req.params, "q");
    const auto completions = engine.complete(prefix, count_param(req.params, "k", 8, 50));
    send_json(res, {{"query", prefix}, {"completions", completions}});
  }

  void info(const httplib::Request&, httplib::Response& res) { send_json(res, to_json(engine.info())); }

  void health(const httplib::Request&, httplib::Response& res) {
    send_json(res, {{"status", "ok"}, {"documents", engine.info().documents}});
  }

  void asset(const httplib::Request& req, httplib::Response& res) {
    const std::string name = req.matches[1];
    const WebAsset* file = find_web_asset("/" + (name.empty() ? std::string("index.html") : name));
    if (!file) throw Error(ErrorKind::not_found, "no page at " + req.path);
    if (file->content_type.starts_with("text/html")) res.set_header("Content-Security-Policy", kHtmlPolicy);
    res.set_header("Cache-Control", "no-cache");
    res.set_content(std::string(file->body), std::string(file->content_type));
  }

  // ---- write routes ----

  void check_write_access(const httplib::Request& req) const {
    if (options.token.empty())
      throw Error(ErrorKind::forbidden, "writes are disabled on this server (start it with --token-file to enable them)");
    const std::string auth = req.get_header_value("Authorization");
    const std::string scheme = "Bearer ";
    if (auth.compare(0, scheme.size(), scheme) != 0 || !token_matches(options.token, auth.substr(scheme.size())))
      throw Error(ErrorKind::unauthorized, "missing or wrong token: send 'Authorization: Bearer <token>'");
  }

  // All or nothing, like `studysearch index`: every record is read and
  // validated first; one invalid record means nothing is written.
  void add_studies(const httplib::Request& req, httplib::Response& res) {
    check_write_access(req);
    std::istringstream body(req.body);
    std::vector<SourcedStudy> studies;
    IndexReport rejected;
    read_jsonl(body, "<request>", ReaderOptions{},
               RecordSink{[&](SourcedStudy&& s) { studies.push_back(std::move(s)); },
                          [&](RecordIssue&& issue) { rejected.issues.push_back(std::move(issue)); }});
    if (!rejected.issues.empty()) {
      std::string message = std::to_string(rejected.issues.size()) + " invalid record(s); nothing was written";
      for (const auto& issue : rejected.issues) message += "\n" + issue.message();
      json error = error_json(ErrorKind::invalid_input, message);
      error["error"]["issues"] = to_json(rejected)["issues"];
      send_json(res, error, http_status(ErrorKind::invalid_input));
      return;
    }
    if (studies.empty())
      throw Error(ErrorKind::invalid_input, "the request body holds no records (expected JSON Lines: one study per line)");
    const std::lock_guard lock(write_mutex);
    auto writer = IndexWriter::open(db_path);
    send_json(res, to_json(writer.index_studies(studies)));
  }

  void delete_study(const httplib::Request& req, httplib::Response& res) {
    check_write_access(req);
    const std::lock_guard lock(write_mutex);
    auto writer = IndexWriter::open(db_path);
    send_json(res, to_json(writer.delete_ids({req.matches[1]})));
  }
};

Server::Server(const std::string& db_path, ServerOptions options)
    : impl_(std::make_unique<Impl>(db_path, std::move(options))) {}

Server::~Server() { stop(); }

int Server::bind() {
  if (impl_->port >= 0) return impl_->port;
  const auto& o = impl_->options;
  const int port = o.port == 0 ? impl_->http.bind_to_any_port(o.host)
                               : (impl_->http.bind_to_port(o.host, o.port) ? o.port : -1);
  if (port < 0)
    throw Error(ErrorKind::internal, "cannot listen on " + o.host + ":" + std::to_string(o.port) +
                                         " (address in use or not available; try another --port)");
  return impl_->port = port;
}

void Server::run() {
  bind();
  // stop() and run() may race (a signal right at start-up): each side sets its
  // flag before looking at the other's, so one of them always sees the other.
  impl_->in_listen = true;
  if (!impl_->stop_requested) impl_->http.listen_after_bind();
  impl_->in_listen = false;
}

void Server::start() {
  bind();
  // The socket already listens: connections made from now on wait in its backlog.
  impl_->thread = std::thread([this] { run(); });
}

int Server::port() const { return impl_->port; }

void Server::stop() {
  const std::lock_guard lock(impl_->stop_mutex);
  if (!impl_->stopped) {
    impl_->stop_requested = true;
    // listen_after_bind() may be starting: it can only be stopped once running.
    while (impl_->in_listen && !impl_->http.is_running()) std::this_thread::sleep_for(std::chrono::milliseconds(1));
    impl_->http.stop();
    impl_->stopped = true;
  }
  if (impl_->thread.joinable() && impl_->thread.get_id() != std::this_thread::get_id()) impl_->thread.join();
}

bool token_matches(const std::string& expected, const std::string& given) {
  unsigned char difference = expected.size() == given.size() ? 0 : 1;
  for (std::size_t i = 0; i < expected.size(); ++i)
    difference |= static_cast<unsigned char>(expected[i] ^ (i < given.size() ? given[i] : 0));
  return difference == 0;
}

}  // namespace studysearch::app
