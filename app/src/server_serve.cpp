// `studysearch serve`: options, token file, signal handling, access log.
#include <pthread.h>
#include <signal.h>

#include <fstream>
#include <iostream>
#include <mutex>
#include <thread>

#include "server.hpp"

namespace studysearch::app {
namespace {

struct ServeArgs {
  std::string db, token_file, search_key_file;
  ServerOptions server;
};

// SIGINT/SIGTERM are blocked in every thread (threads inherit the mask of the
// thread that creates them, so this must come first) and received by one
// watcher thread with sigwait: stopping the server happens in ordinary code,
// never inside a signal handler.
class SignalWatcher {
 public:
  SignalWatcher() {
    sigemptyset(&signals_);
    sigaddset(&signals_, SIGINT);
    sigaddset(&signals_, SIGTERM);
    pthread_sigmask(SIG_BLOCK, &signals_, nullptr);
  }
  void watch(Server& server) {
    thread_ = std::thread([this, &server] {
      int signal = 0;
      sigwait(&signals_, &signal);
      server.stop();
    });
  }
  ~SignalWatcher() {
    if (!thread_.joinable()) return;
    pthread_kill(thread_.native_handle(), SIGTERM);  // wakes sigwait if no signal came
    thread_.join();
  }
  SignalWatcher(const SignalWatcher&) = delete;
  SignalWatcher& operator=(const SignalWatcher&) = delete;

 private:
  sigset_t signals_;
  std::thread thread_;
};

int run_serve(ServeArgs a) {
  if (!a.token_file.empty()) a.server.token = read_token_file(a.token_file);
  if (!a.search_key_file.empty()) a.server.search_key = read_token_file(a.search_key_file);
  auto log_mutex = std::make_shared<std::mutex>();
  a.server.access_log = [log_mutex](const std::string& line) {
    const std::lock_guard lock(*log_mutex);
    std::cerr << "studysearch: " << line << "\n";
  };
  SignalWatcher signals;
  Server server(a.db, a.server);
  const int port = server.bind();
  const std::string host = a.server.host.find(':') != std::string::npos ? "[" + a.server.host + "]" : a.server.host;
  if (a.server.token.empty()) std::cerr << "studysearch: writes are disabled (no --token-file)\n";
  std::cerr << "studysearch: serving " << a.db << " on http://" << host << ":" << port << std::endl;
  signals.watch(server);
  server.run();
  std::cerr << "studysearch: stopped" << std::endl;
  return 0;
}

}  // namespace

std::string read_token_file(const std::string& path) {
  std::ifstream in(path);
  if (!in) throw Error(ErrorKind::invalid_input, path + ": cannot read token file");
  std::string line;
  std::getline(in, line);
  const auto first = line.find_first_not_of(" \t\r\n");
  const auto last = line.find_last_not_of(" \t\r\n");
  if (first == std::string::npos)
    throw Error(ErrorKind::invalid_input, path + ": token file is empty (put the token on its first line)");
  return line.substr(first, last - first + 1);
}

void add_serve_command(CLI::App& app, std::function<void(std::function<int()>)> set_action,
                       void (*add_ranking_options)(CLI::App*, EngineOptions&)) {
  auto* cmd = app.add_subcommand("serve", "Serve the JSON API and the web search page over HTTP");
  auto a = std::make_shared<ServeArgs>();
  cmd->add_option("--db", a->db, "index folder")->required();
  cmd->add_option("--host", a->server.host, "address to bind (loopback by default)")->capture_default_str();
  cmd->add_option("--port", a->server.port, "port; 0 picks a free one (printed on start)")
      ->capture_default_str()->check(CLI::Range(0, 65535));
  cmd->add_option("--threads", a->server.threads, "worker threads (default: 2 x CPUs, at least 4)")
      ->check(CLI::Range(1, 1024));
  cmd->add_option("--token-file", a->token_file, "file whose first line is the bearer token for writes "
                                                 "(without it POST/DELETE answer 403)")->check(CLI::ExistingFile);
  cmd->add_option("--max-body", a->server.max_body, "request body limit in bytes")->capture_default_str();
  cmd->add_option("--timeout", a->server.timeout_seconds, "idle timeout in seconds: longest wait for the next "
                                                          "bytes of a request or for the next request")
      ->capture_default_str()->check(CLI::Range(1, 3600));
  cmd->add_option("--deadline", a->server.request_deadline_seconds, "seconds for a whole request (headers and body) "
                                                                     "and for a whole response write")
      ->capture_default_str()->check(CLI::Range(1, 3600));
  cmd->add_option("--max-header-bytes", a->server.max_header_bytes, "request line + headers limit in bytes (431 above)")
      ->capture_default_str()->check(CLI::Range(1024, 1 << 20));
  cmd->add_option("--max-url-bytes", a->server.max_url_bytes, "request target limit in bytes (414 above)")
      ->capture_default_str()->check(CLI::Range(256, 1 << 20));
  cmd->add_option("--max-connections-per-ip", a->server.max_connections_per_ip,
                  "open connections from one client address; more are closed at once")
      ->capture_default_str()->check(CLI::Range(1, 100000));
  // The Meilisearch dialect (README "Use with InstantSearch").
  cmd->add_option("--cors-origin", a->server.cors_origins, "browser origin allowed to call the API (CORS), e.g. "
                                                          "https://atlas.example; repeatable; * = any (default: none)")
      ->allow_extra_args(false);
  cmd->add_option("--index-uid", a->server.index_uid, "index uid of the Meilisearch routes")->capture_default_str();
  cmd->add_option("--search-key-file", a->search_key_file, "file whose first line is the key the Meilisearch routes "
                                                           "require as 'Authorization: Bearer <key>' (default: open)")
      ->check(CLI::ExistingFile);
  cmd->add_option("--instantsearch-modules", a->server.instantsearch_modules,
                  "node_modules folder of app/web/instantsearch (npm ci there) for the /instantsearch/ demo page")
      ->check(CLI::ExistingDirectory);
  add_ranking_options(cmd, a->server.engine);
  cmd->callback([=] { set_action([=] { return run_serve(*a); }); });
}

}  // namespace studysearch::app
