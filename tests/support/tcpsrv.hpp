#pragma once
// Test helper: xapian-tcpsrv (Debian xapian-tools) serving one database on
// 127.0.0.1 on a free port, stopped by PID when the object goes away.
#include <string>
#include <sys/types.h>

namespace studysearch::test {

/// True when xapian-tcpsrv is on PATH (scripts/deps.sh installs it for tests).
bool have_tcpsrv();

class TcpServer {
 public:
  /// Starts serving `db` (a glass folder); `writable` adds --writable. Waits
  /// until the port accepts connections; throws std::runtime_error otherwise.
  explicit TcpServer(const std::string& db, bool writable = false);
  ~TcpServer();
  TcpServer(const TcpServer&) = delete;
  TcpServer& operator=(const TcpServer&) = delete;

  unsigned port() const { return port_; }
  pid_t pid() const { return pid_; }
  /// "remote 127.0.0.1:PORT", a stub file line.
  std::string stub_line() const;
  /// SIGSTOP / SIGCONT / SIGKILL to its process group (the listener and the
  /// child it forks per connection): a hung or dead shard.
  void pause();
  void resume();
  void kill();

 private:
  void start(const std::string& db, bool writable);
  pid_t pid_ = -1;
  unsigned port_ = 0;
  bool paused_ = false;
};

}  // namespace studysearch::test
