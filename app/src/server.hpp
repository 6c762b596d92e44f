#pragma once
// The studysearch HTTP service: a JSON API over one shared SearchEngine and
// the embedded web page. Handlers only translate HTTP <-> library structs;
// errors travel as studysearch::Error and become an HTTP status in one table
// (http_status() in server.cpp). Routes: the table in Server::Impl::install_routes().
//
// Server is usable in-process (tests): construct, start(), port(), stop().
// `studysearch serve` (add_serve_command) adds signal handling and logging.
#include <CLI/CLI.hpp>

#include <cstddef>
#include <functional>
#include <memory>
#include <string>

#include "studysearch/studysearch.hpp"

namespace studysearch::app {

struct ServerOptions {
  std::string host = "127.0.0.1";   ///< loopback by default: exposing the service is a choice
  int port = 8080;                   ///< 0 = any free port (see Server::port())
  std::size_t threads = 0;           ///< worker threads; 0 = 2 x hardware threads, at least 4
  std::string token;                 ///< bearer token for writes; empty = writes disabled (403)
  std::size_t max_body = std::size_t{8} << 20;  ///< request body limit in bytes (413 above)
  int timeout_seconds = 5;           ///< socket read and write timeouts
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

  /// Binds and listens on host:port; returns the real port. Throws Error{internal}
  /// when the address cannot be bound.
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
