// The HTTP transport (see server_http.hpp): Boost.Beast parsing and writing on
// one Asio I/O thread, handlers on a worker pool.
//
// Every connection lives in a Session that is only ever touched on the I/O
// thread; a request's data moves to a worker and the response comes back by a
// post to the I/O context. Limits:
//   - each read waits at most idle_seconds, and a whole request (headers and
//     body, from the moment the connection waits for it) at most
//     deadline_seconds: a client that drips bytes is cut off at the deadline;
//   - header bytes are capped by the parser (431; 414 when the request line alone
//     is too long), header count and target length are checked once headers
//     are complete, the body by the parser whatever the Content-Type (413);
//   - a response write has deadline_seconds in all, so a slow reader costs a
//     socket and its response buffer for at most that long, never a worker;
//   - per-address and total connection caps close excess connections at accept.
#include "server_http.hpp"

#include <boost/asio.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>

#include <algorithm>
#include <array>
#include <atomic>
#include <chrono>
#include <list>
#include <unordered_map>

#include "server_wire.hpp"
#include "studysearch/error.hpp"

namespace studysearch::app {
namespace {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
using tcp = asio::ip::tcp;
using Clock = std::chrono::steady_clock;

bool same_name(std::string_view a, std::string_view b) { return beast::iequals({a.data(), a.size()}, {b.data(), b.size()}); }

class Session;

}  // namespace

struct HttpServer::Impl {
  HttpLimits limits;
  HttpApplication app;
  // Touched on the I/O thread only. Declared before io: a handler still queued
  // when io is destroyed may own the last reference to a Session, whose
  // destructor updates these.
  std::unordered_map<std::string, std::size_t> per_address;
  std::size_t connections = 0;
  std::list<std::weak_ptr<Session>> sessions;
  asio::io_context io{1};
  tcp::acceptor acceptor{io};
  asio::steady_timer accept_retry{io};
  asio::thread_pool workers;  // declared after io: joined before io goes away
  std::atomic<bool> stopping{false};
  int port = -1;

  Impl(HttpLimits l, HttpApplication a)
      : limits(l), app(std::move(a)), workers(std::max<std::size_t>(1, l.workers)) {}

  void accept();
  void admit_connection(tcp::socket socket);
  void begin_stop();
};

namespace {

class Session : public std::enable_shared_from_this<Session> {
 public:
  Session(HttpServer::Impl& server, tcp::socket socket, std::string client)
      : server_(server), stream_(std::move(socket)), buffer_(server.limits.max_header_bytes + 64 * 1024),
        client_(std::move(client)) {}

  ~Session() {
    --server_.connections;
    const auto it = server_.per_address.find(client_);
    if (it != server_.per_address.end() && --it->second == 0) server_.per_address.erase(it);
    server_.sessions.erase(place_);
  }
  Session(const Session&) = delete;
  Session& operator=(const Session&) = delete;

  void start(std::list<std::weak_ptr<Session>>::iterator place) {
    place_ = place;
    wait_for_request();
  }

  // stop(): a connection waiting for (or in the middle of) a request is closed;
  // one whose request is being handled or written finishes that response first.
  void close_if_reading() {
    if (phase_ == Phase::reading || phase_ == Phase::draining) stream_.close();
  }

 private:
  enum class Phase { reading, handling, writing, draining };

  const HttpLimits& limits() const { return server_.limits; }

  void wait_for_request() {
    phase_ = Phase::reading;
    parser_.emplace();
    parser_->header_limit(static_cast<std::uint32_t>(limits().max_header_bytes));
    parser_->body_limit(limits().max_body);
    header_done_ = false;
    request_ = HttpRequest{};
    request_.client = client_;
    deadline_ = Clock::now() + std::chrono::seconds(limits().deadline_seconds);
    on_read({});  // a pipelined request may already be in the buffer
  }

  // Reads socket bytes ourselves and feeds them to the parser (rather than
  // http::async_read_some, which keeps reading until the parser progresses):
  // so the idle timeout is between any two reads, and only the deadline
  // bounds a request whose bytes trickle in.
  void read_more() {
    const std::size_t room = buffer_.max_size() - buffer_.size();
    if (room == 0) return fail(431, "request headers are larger than the limit of " + std::to_string(limits().max_header_bytes) + " bytes");
    stream_.expires_at(std::min(Clock::now() + std::chrono::seconds(limits().idle_seconds), deadline_));
    stream_.async_read_some(buffer_.prepare(std::min<std::size_t>(room, 16 * 1024)),
                            [self = shared_from_this()](beast::error_code ec, std::size_t n) {
                              self->buffer_.commit(n);
                              self->on_read(ec);
                            });
  }

  void on_read(beast::error_code ec) {
    // Timeouts (the stream is already closed), a peer that went away, stop():
    // nothing to answer.
    if (ec) return;
    while (buffer_.size() > 0 && !parser_->is_done()) {
      const std::size_t used = parser_->put(buffer_.data(), ec);
      buffer_.consume(used);
      if (ec == http::error::need_more) {
        ec = {};
        break;
      }
      if (ec) break;
      if (!header_done_ && parser_->is_header_done()) {
        header_done_ = true;
        if (!on_header()) return;
      }
      if (used == 0) break;
    }
    if (ec == http::error::header_limit)
      return fail(target_length() > limits().max_url_bytes ? 414 : 431,
                  target_length() > limits().max_url_bytes
                      ? "request target is longer than the limit of " + std::to_string(limits().max_url_bytes) + " bytes"
                      : "request headers are larger than the limit of " + std::to_string(limits().max_header_bytes) + " bytes");
    if (ec == http::error::body_limit)
      return fail(413, "request body is larger than the limit of " + std::to_string(limits().max_body) + " bytes");
    if (ec) return fail(400, "malformed request: " + ec.message());
    if (parser_->is_done()) return dispatch();
    read_more();
  }

  // Over the header limit: blame the target when it alone is too long. The
  // parser keeps the target once the request line is complete; a request line
  // that never completed is all target.
  std::size_t target_length() const {
    const auto target = parser_->get().target();
    return target.empty() ? limits().max_header_bytes : target.size();
  }

  // Headers complete: limits, then the application decides (answer now, or
  // read the body, or handle without reading any body). False = answered.
  bool on_header() {
    const auto& message = parser_->get();
    request_.method = std::string(message.method_string());
    request_.target = std::string(message.target());
    started_ = Clock::now();
    if (request_.target.size() > limits().max_url_bytes) {
      fail(414, "request target is longer than the limit of " + std::to_string(limits().max_url_bytes) + " bytes");
      return false;
    }
    for (const auto& field : message) {
      if (request_.headers.size() == limits().max_header_count) {
        fail(431, "more than " + std::to_string(limits().max_header_count) + " request headers");
        return false;
      }
      request_.headers.emplace_back(std::string(field.name_string()), std::string(field.value()));
    }
    if (!request_.target.starts_with('/')) {
      fail(400, "malformed request: the target must be a path starting with '/'");
      return false;
    }
    const auto query = request_.target.find('?');
    request_.path = percent_decode(std::string_view(request_.target).substr(0, query), false);
    if (query != std::string::npos) request_.params = parse_query(std::string_view(request_.target).substr(query + 1));
    Admission admission = server_.app.admit(request_);
    if (admission.answer) {
      respond(std::move(*admission.answer), parser_->is_done() && message.keep_alive());
      return false;
    }
    read_body_ = admission.read_body;
    // The body is not read for a route that takes none: handle now, close after.
    if (!read_body_) {
      dispatch();
      return false;
    }
    if (!parser_->is_done() && beast::iequals(message[http::field::expect], "100-continue")) {
      send_continue();
      return false;
    }
    return true;
  }

  void send_continue() {
    static constexpr std::string_view interim = "HTTP/1.1 100 Continue\r\n\r\n";
    asio::async_write(stream_, asio::buffer(interim.data(), interim.size()),
                      [self = shared_from_this()](beast::error_code ec, std::size_t) {
                        if (!ec) self->on_read({});  // the body may have come already
                      });
  }

  void dispatch() {
    phase_ = Phase::handling;
    keep_alive_ = parser_->is_done() && parser_->get().keep_alive();
    if (read_body_) request_.body = std::move(parser_->get().body());
    // The I/O context must not run out of work while a worker holds the request.
    auto guard = asio::make_work_guard(server_.io);
    asio::post(server_.workers, [self = shared_from_this(), guard = std::move(guard)]() mutable {
      HttpResponse response;
      try {
        response = self->server_.app.handle(self->request_);
      } catch (const std::exception& e) {
        response = self->server_.app.error(500, std::string("internal error: ") + e.what());
      }
      // `self` moves into the posted handler, so the session's last reference
      // is always dropped on the I/O thread (its destructor updates I/O-thread state).
      auto& io = self->server_.io;
      asio::post(io, [self = std::move(self), response = std::move(response)]() mutable {
        self->respond(std::move(response), self->keep_alive_);
      });
    });
  }

  void fail(int status, const std::string& message) { respond(server_.app.error(status, message), false); }

  void respond(HttpResponse answer, bool keep_alive) {
    if (server_.app.finish) server_.app.finish(request_, answer);
    phase_ = Phase::writing;
    keep_alive_ = keep_alive && !server_.stopping;
    const bool head = request_.method == "HEAD";
    response_ = {};
    response_.version(11);
    response_.result(static_cast<unsigned>(answer.status));
    for (const auto& [name, value] : server_.app.default_headers) response_.insert(name, value);
    for (const auto& [name, value] : answer.headers) response_.insert(name, value);
    const std::size_t length = answer.body.size();
    response_.body() = std::move(answer.body);
    response_.keep_alive(keep_alive_);
    response_.prepare_payload();
    if (head) {
      response_.body().clear();
      response_.content_length(length);
    }
    if (server_.app.log) {
      const double ms = header_done_ ? std::chrono::duration<double, std::milli>(Clock::now() - started_).count() : 0.0;
      server_.app.log(request_.method.empty() ? "-" : request_.method, request_.target.empty() ? "-" : request_.target,
                      answer.status, ms);
    }
    stream_.expires_after(std::chrono::seconds(limits().deadline_seconds));
    http::async_write(stream_, response_, [self = shared_from_this()](beast::error_code ec, std::size_t) {
      if (ec) return;
      if (self->keep_alive_ && !self->server_.stopping) return self->wait_for_request();
      self->shut_down();
    });
  }

  // Close politely: send FIN, then read and drop whatever the client still
  // sends for a moment, so an unread body does not turn the close into a reset
  // that could destroy the response in flight.
  void shut_down() {
    phase_ = Phase::draining;
    beast::error_code ignored;
    stream_.socket().shutdown(tcp::socket::shutdown_send, ignored);
    if (server_.stopping) return stream_.close();
    stream_.expires_after(std::chrono::seconds(1));
    drain();
  }

  void drain() {
    stream_.async_read_some(asio::buffer(scratch_), [self = shared_from_this()](beast::error_code ec, std::size_t) {
      if (!ec) self->drain();
    });
  }

  HttpServer::Impl& server_;
  beast::tcp_stream stream_;
  beast::flat_buffer buffer_;
  std::optional<http::request_parser<http::string_body>> parser_;
  http::response<http::string_body> response_;
  HttpRequest request_;
  std::string client_;
  std::list<std::weak_ptr<Session>>::iterator place_;
  Clock::time_point deadline_, started_;
  Phase phase_ = Phase::reading;
  bool header_done_ = false, read_body_ = false, keep_alive_ = false;
  std::array<char, 4096> scratch_{};
};

}  // namespace

void HttpServer::Impl::accept() {
  acceptor.async_accept([this](beast::error_code ec, tcp::socket socket) {
    if (stopping || ec == asio::error::operation_aborted) return;
    if (ec) {
      // Out of file descriptors and the like: try again shortly instead of spinning.
      accept_retry.expires_after(std::chrono::milliseconds(100));
      accept_retry.async_wait([this](beast::error_code wait_ec) {
        if (!wait_ec && !stopping) accept();
      });
      return;
    }
    admit_connection(std::move(socket));
    accept();
  });
}

void HttpServer::Impl::admit_connection(tcp::socket socket) {
  beast::error_code ec;
  const auto peer = socket.remote_endpoint(ec);
  if (ec) return;
  std::string address = peer.address().to_string();
  auto& from_address = per_address[address];
  if (connections >= limits.max_connections || from_address >= limits.max_connections_per_ip) {
    if (from_address == 0) per_address.erase(address);
    socket.close(ec);  // refused: closed at once, before reading anything
    return;
  }
  // Headers and body go out in one write, but a keep-alive client's next
  // request must not wait for Nagle's algorithm.
  socket.set_option(tcp::no_delay(true), ec);
  ++from_address;
  ++connections;
  auto session = std::make_shared<Session>(*this, std::move(socket), std::move(address));
  sessions.push_front(session);
  session->start(sessions.begin());
}

void HttpServer::Impl::begin_stop() {
  beast::error_code ignored;
  acceptor.close(ignored);
  accept_retry.cancel();
  for (const auto& weak : sessions)
    if (const auto session = weak.lock()) session->close_if_reading();
}

std::string HttpRequest::header(std::string_view name) const {
  for (const auto& [key, value] : headers)
    if (same_name(key, name)) return value;
  return {};
}

void HttpResponse::set_header(std::string name, std::string value) {
  for (auto& [key, old] : headers)
    if (same_name(key, name)) {
      old = std::move(value);
      return;
    }
  headers.emplace_back(std::move(name), std::move(value));
}

std::string HttpResponse::header(std::string_view name) const {
  for (const auto& [key, value] : headers)
    if (same_name(key, name)) return value;
  return {};
}

HttpServer::HttpServer(HttpLimits limits, HttpApplication app)
    : impl_(std::make_unique<Impl>(limits, std::move(app))) {}

HttpServer::~HttpServer() {
  stop();
  impl_->workers.join();
}

int HttpServer::bind(const std::string& host, int port) {
  if (impl_->port >= 0) return impl_->port;
  const std::string where = (host.find(':') != std::string::npos ? "[" + host + "]" : host) + ":" + std::to_string(port);
  beast::error_code ec;
  tcp::resolver resolver(impl_->io);
  const auto endpoints = resolver.resolve(host, std::to_string(port), tcp::resolver::passive | tcp::resolver::numeric_service, ec);
  if (ec || endpoints.empty())
    throw Error(ErrorKind::invalid_input, "cannot listen on " + where + ": unknown host (" + ec.message() + "); check --host");
  const tcp::endpoint endpoint = endpoints.begin()->endpoint();
  auto& acceptor = impl_->acceptor;
  acceptor.open(endpoint.protocol(), ec);
  // SO_REUSEADDR only (not SO_REUSEPORT): a restart can bind while old
  // connections linger in TIME_WAIT, but a second server on a busy port fails.
  if (!ec) acceptor.set_option(tcp::acceptor::reuse_address(true), ec);
  if (!ec) acceptor.bind(endpoint, ec);
  if (!ec) acceptor.listen(asio::socket_base::max_listen_connections, ec);
  if (ec) {
    beast::error_code ignored;
    acceptor.close(ignored);
    const std::string hint = ec == asio::error::address_in_use
                                 ? " (another program is listening there; choose another --port, or 0 for any free port)"
                                 : " (check --host and --port)";
    throw Error(ErrorKind::invalid_input, "cannot listen on " + where + ": " + ec.message() + hint);
  }
  return impl_->port = acceptor.local_endpoint().port();
}

void HttpServer::run() {
  asio::post(impl_->io, [impl = impl_.get()] {
    if (!impl->stopping) impl->accept();
  });
  impl_->io.run();
}

void HttpServer::stop() {
  if (impl_->stopping.exchange(true)) return;
  asio::post(impl_->io, [impl = impl_.get()] { impl->begin_stop(); });
}

}  // namespace studysearch::app
