#pragma once
// The studysearch HTTP service: a JSON API over one shared SearchEngine and
// the embedded web page. Handlers only translate HTTP <-> library structs;
// errors travel as studysearch::Error and become an HTTP status in one table
// (http_status() in server.cpp). Routes: the table in Server::Impl::routes().
// The transport (Boost.Beast, limits and deadlines) is server_http.hpp.
//
// Server is usable in-process (tests): construct, start(), port(), stop().
// `studysearch serve` (add_serve_command) adds signal handling and logging.
#include <CLI/CLI.hpp>

#include <cstddef>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "studysearch/studysearch.hpp"

namespace studysearch::app {

struct ServerOptions {
  std::string host = "127.0.0.1";   ///< loopback by default: exposing the service is a choice
  int port = 8080;                   ///< 0 = any free port (see Server::port())
  std::size_t threads = 0;           ///< workers that run requests; 0 = 2 x hardware threads, at least 4.
                                     ///< Sockets are all served by one I/O thread, so this is not a connection limit.
  std::string token;                 ///< bearer token for writes; empty = writes disabled (403)
  std::size_t max_body = std::size_t{8} << 20;  ///< request body limit in bytes, any Content-Type (413 above)
  int timeout_seconds = 5;           ///< idle timeout: longest wait for the next bytes of a request, or for the next request
  int request_deadline_seconds = 10; ///< a whole request (headers + body), and a whole response write; then the connection is closed
  std::size_t max_header_bytes = 16 * 1024;  ///< request line + headers (431 above)
  std::size_t max_header_count = 100;        ///< request headers (431 above)
  std::size_t max_url_bytes = 8 * 1024;      ///< request target (414 above)
  std::size_t max_connections_per_ip = 32;   ///< open connections from one client address; more are closed at once
  std::size_t max_connections = 1000;        ///< open connections in all
  /// Browser origins allowed to call the API (CORS), e.g. "https://atlas.example"; "*" = any; empty = none.
  std::vector<std::string> cors_origins;
  std::string index_uid = "studies";  ///< the Meilisearch dialect's one index uid
  std::string search_key;             ///< Meilisearch routes need `Authorization: Bearer <key>`; empty = open
  std::string instantsearch_modules;  ///< node_modules folder with the /instantsearch/ page's npm packages; empty = none
  /// Receives one line per request ("GET /v1/search?q=x 200 1.3 ms"); null = no log.
  std::function<void(const std::string&)> access_log;
  EngineOptions engine;
};

class Server {
 public:
  /// Opens the index at `db_path` for reading (throws Error{index_missing |
  /// index_incompatible}). Writes open an IndexWriter on the same path per request.
  Server(const std::string& db_path, ServerOptions options);
  ~Server();  ///< stops and joins
  Server(const Server&) = delete;
  Server& operator=(const Server&) = delete;

  /// Binds and listens on host:port; returns the real port. Throws Error{invalid_input}
  /// naming the address when it cannot be bound (in use, unknown host).
  int bind();
  /// Serves until stop(). Binds first if bind() was not called.
  void run();
  /// bind() + run() on a background thread; returns once connections are accepted.
  void start();
  int port() const;
  /// Stops accepting, finishes requests in flight. Safe from any thread, idempotent.
  void stop();

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

/// First line of `path`, trimmed. Throws Error{invalid_input} when the file is
/// unreadable or the token is empty.
std::string read_token_file(const std::string& path);

/// Constant-time comparison (time depends only on expected.size()).
bool token_matches(const std::string& expected, const std::string& given);

/// Registers `studysearch serve`. `add_ranking_options` is the CLI's shared
/// ranking flag set, so serve ranks exactly like search.
void add_serve_command(CLI::App& app, std::function<void(std::function<int()>)> set_action,
                       void (*add_ranking_options)(CLI::App*, EngineOptions&));

}  // namespace studysearch::app
