// studysearch: command-line front-end. Exit codes (one table, README "Exit codes"):
//   0 ok · 1 usage error · 2 invalid input data · 3 index missing/corrupt/incompatible · 4 internal error
//   5 busy (another writer holds the index: retry later) · 6 a shard is down or timed out
#include <cstdlib>
#include <iostream>
#include <sstream>
#include <string>

#include "cli.hpp"
#include "studysearch/error.hpp"

namespace {

int exit_code(studysearch::ErrorKind kind) {
  using studysearch::ErrorKind;
  switch (kind) {
    case ErrorKind::invalid_query:
    case ErrorKind::limit_exceeded:
    case ErrorKind::not_found:
    case ErrorKind::unauthorized:
    case ErrorKind::forbidden: return 1;
    case ErrorKind::invalid_input: return 2;
    case ErrorKind::index_missing:
    case ErrorKind::index_incompatible: return 3;
    case ErrorKind::internal: return 4;
    case ErrorKind::busy: return 5;
    case ErrorKind::shard_unavailable: return 6;
  }
  return 4;
}

// One "studysearch: " line per line of the message.
void report(const std::string& message) {
  std::istringstream lines(message);
  std::string line;
  while (std::getline(lines, line)) std::cerr << "studysearch: " << line << "\n";
}

}  // namespace

int main(int argc, char** argv) {
  // Xapian 1.4 reads its flush threshold from the environment only, so the
  // program (not the library, which sets no process state) chooses it:
  // batches are flushed, not committed, inside our transactions, and small
  // ones keep Xapian's in-memory posting maps cache-friendly (measured: 1,000
  // beat 20,000; bench/RESULTS.md). A value the user exported wins.
  setenv("XAPIAN_FLUSH_THRESHOLD", "1000", 0);
  CLI::App app{"studysearch: full-text search over summaries of research studies"};
  app.require_subcommand(1);
  std::function<int()> action;
  studysearch::app::add_commands(app, [&](std::function<int()> a) { action = std::move(a); });
  try {
    app.parse(argc, argv);
  } catch (const CLI::CallForHelp& e) {
    return app.exit(e);
  } catch (const CLI::CallForAllHelp& e) {
    return app.exit(e);
  } catch (const CLI::ParseError& e) {
    report(e.what());
    std::cerr << "studysearch: see 'studysearch " << (e.get_exit_code() ? "--help" : "") << "'\n";
    return 1;
  }
  try {
    return action ? action() : 1;
  } catch (const studysearch::Error& e) {
    report(e.what());
    return exit_code(e.kind());
  } catch (const std::exception& e) {
    report(std::string("internal error: ") + e.what());
    return 4;
  }
}
