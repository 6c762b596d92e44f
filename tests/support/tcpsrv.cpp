#include "tcpsrv.hpp"

#include <arpa/inet.h>
#include <csignal>
#include <fcntl.h>
#include <netinet/in.h>
#include <spawn.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdlib>
#include <stdexcept>
#include <thread>
#include <vector>

extern char** environ;

namespace studysearch::test {
namespace {

// A port the kernel just gave out (closed again): free unless someone races us.
unsigned free_port() {
  const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  socklen_t len = sizeof a;
  if (fd < 0 || ::bind(fd, reinterpret_cast<sockaddr*>(&a), sizeof a) != 0 ||
      ::getsockname(fd, reinterpret_cast<sockaddr*>(&a), &len) != 0)
    throw std::runtime_error("no free port");
  ::close(fd);
  return ntohs(a.sin_port);
}

bool accepts(unsigned port) {
  const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  a.sin_port = htons(static_cast<std::uint16_t>(port));
  const bool ok = fd >= 0 && ::connect(fd, reinterpret_cast<sockaddr*>(&a), sizeof a) == 0;
  if (fd >= 0) ::close(fd);
  return ok;
}

}  // namespace

bool have_tcpsrv() { return std::system("command -v xapian-tcpsrv >/dev/null 2>&1") == 0; }

TcpServer::TcpServer(const std::string& db, bool writable) {
  for (int attempt = 0; attempt < 5 && pid_ < 0; ++attempt) start(db, writable);
  if (pid_ < 0) throw std::runtime_error("xapian-tcpsrv did not start for " + db);
}

void TcpServer::start(const std::string& db, bool writable) {
  port_ = free_port();
  std::vector<std::string> args{"xapian-tcpsrv", "--quiet", "--interface", "127.0.0.1", "--port", std::to_string(port_)};
  if (writable) args.push_back("--writable");
  args.push_back(db);
  std::vector<char*> argv;
  for (auto& a : args) argv.push_back(a.data());
  argv.push_back(nullptr);
  pid_t pid = -1;
  posix_spawn_file_actions_t quiet;  // its connection messages would clutter the test log
  posix_spawn_file_actions_init(&quiet);
  posix_spawn_file_actions_addopen(&quiet, 1, "/dev/null", O_WRONLY, 0);
  posix_spawn_file_actions_addopen(&quiet, 2, "/dev/null", O_WRONLY, 0);
  // Its own process group: xapian-tcpsrv forks a child per connection, and
  // stopping or killing the shard means all of them (kill(-pgid)).
  posix_spawnattr_t group;
  posix_spawnattr_init(&group);
  posix_spawnattr_setflags(&group, POSIX_SPAWN_SETPGROUP);
  posix_spawnattr_setpgroup(&group, 0);
  const int spawned = ::posix_spawnp(&pid, "xapian-tcpsrv", &quiet, &group, argv.data(), environ);
  posix_spawnattr_destroy(&group);
  posix_spawn_file_actions_destroy(&quiet);
  if (spawned != 0) return;
  for (int i = 0; i < 200; ++i) {  // up to 10 s
    if (accepts(port_)) {
      pid_ = pid;
      return;
    }
    int status = 0;
    if (::waitpid(pid, &status, WNOHANG) == pid) return;  // exited (port taken?): try another
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  ::kill(-pid, SIGKILL);
  ::waitpid(pid, nullptr, 0);
}

std::string TcpServer::stub_line() const { return "remote 127.0.0.1:" + std::to_string(port_); }

void TcpServer::pause() {
  if (pid_ > 0 && ::kill(-pid_, SIGSTOP) == 0) paused_ = true;
}

void TcpServer::resume() {
  if (pid_ > 0 && ::kill(-pid_, SIGCONT) == 0) paused_ = false;
}

void TcpServer::kill() {
  if (pid_ <= 0) return;
  ::kill(-pid_, SIGKILL);  // the listener and every connection it forked
  ::waitpid(pid_, nullptr, 0);
  pid_ = -1;
}

TcpServer::~TcpServer() {
  if (paused_) resume();
  kill();
}

}  // namespace studysearch::test
