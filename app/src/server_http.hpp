#pragma once
// The HTTP/1.1 transport under the studysearch service (Boost.Beast/Asio,
// implemented in server_http.cpp; no Beast type appears here, so only that one
// file pays Beast's compile time). It knows nothing about routes or JSON: it
// parses requests within hard limits, asks the application what to do with
// each one, runs the handler on a worker pool, and writes the answer back.
//
// Why event-driven: one I/O thread owns every socket, so a slow or idle client
// costs a socket and a small buffer, never a thread. Engine calls run on a
// fixed pool of workers that never touch a socket, so nothing a client does on
// the wire can hold a worker.
#include <cstddef>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "server_params.hpp"

namespace studysearch::app {

using HeaderList = std::vector<std::pair<std::string, std::string>>;

struct HttpRequest {
  std::string method;  ///< as sent ("GET", "POST", ...)
  std::string target;  ///< raw request target, for the access log
  std::string path;    ///< percent-decoded path, no query
  QueryParams params;  ///< decoded query parameters ('+' is a space)
  HeaderList headers;
  std::string body;    ///< only read when the route takes a body
  std::size_t route = 0;               ///< set by the application's admit(), read by its handle()
  std::vector<std::string> captures;  ///< path segments captured by the router ({id})
  std::string client;  ///< peer address

  /// The first value of header `name` (case-insensitive), "" when absent.
  std::string header(std::string_view name) const;
};

struct HttpResponse {
  int status = 200;
  HeaderList headers;
  std::string body;
  void set_header(std::string name, std::string value);
  std::string header(std::string_view name) const;
};

struct HttpLimits {
  std::size_t max_header_bytes = 16 * 1024;  ///< request line + headers (431 above; 414 for the line)
  std::size_t max_header_count = 100;        ///< 431 above
  std::size_t max_url_bytes = 8 * 1024;      ///< request target (414 above)
  std::size_t max_body = std::size_t{8} << 20;  ///< 413 above, whatever the Content-Type
  int idle_seconds = 5;      ///< longest wait for the next bytes of a request (or the next request)
  int deadline_seconds = 10; ///< a whole request, headers and body, from its first wait; also a whole response write
  std::size_t max_connections_per_ip = 32;   ///< further connections from one address are closed at once
  std::size_t max_connections = 1000;        ///< all addresses together
  std::size_t workers = 4;                   ///< threads that run handlers
};

/// What the application does with a request whose headers are complete
/// (called on the I/O thread; must be quick and must not block).
struct Admission {
  std::optional<HttpResponse> answer;  ///< answer now (404, 405, 401, ...); no body is read
  bool read_body = false;              ///< the route takes a body: read it, then handle()
};

struct HttpApplication {
  std::function<Admission(HttpRequest&)> admit;
  /// Runs on a worker thread; must not throw (the caller turns a throw into a 500).
  std::function<HttpResponse(HttpRequest&)> handle;
  /// A response for an error the transport finds itself (400, 408, 413, 414, 431, 500).
  std::function<HttpResponse(int status, const std::string& message)> error;
  /// One call per response, when it is handed to the socket. method/target are "-"
  /// when the request line was never complete.
  std::function<void(const std::string& method, const std::string& target, int status, double ms)> log;
  HeaderList default_headers;  ///< added to every response
  /// Called with every response before it is written, errors included (CORS
  /// headers); the request's headers are empty when they never completed.
  std::function<void(const HttpRequest&, HttpResponse&)> finish;
};

class HttpServer {
 public:
  HttpServer(HttpLimits limits, HttpApplication app);
  ~HttpServer();  ///< stops and joins
  HttpServer(const HttpServer&) = delete;
  HttpServer& operator=(const HttpServer&) = delete;

  /// Binds and listens; returns the port. Throws Error{invalid_input} naming the
  /// address when it cannot be bound (e.g. in use).
  int bind(const std::string& host, int port);
  /// Serves on the calling thread until stop(); returns once requests in flight are answered.
  void run();
  /// Safe from any thread, idempotent: stops accepting, closes connections that
  /// wait for a request, lets requests being handled finish and be written.
  void stop();

  struct Impl;  // public only so that server_http.cpp's Session can name it

 private:
  std::unique_ptr<Impl> impl_;
};

}  // namespace studysearch::app
