#pragma once
// Progress of long CLI runs on stderr. On a terminal: one live line, redrawn
// in place. Otherwise (a log file, a pipe, cron): one plain line every few
// seconds, so logs show the run is alive without a line per record.
// --quiet turns both off.
#include <chrono>
#include <cstddef>
#include <ostream>
#include <string>

namespace studysearch::app {

class ProgressLine {
 public:
  /// `live`: redraw one line (a terminal); otherwise a line every `every`.
  ProgressLine(std::ostream& out, bool live, bool quiet,
               std::chrono::milliseconds every = std::chrono::seconds(5));
  /// Reports `done` of `total` (0 = not known yet) records in `phase`.
  void update(const std::string& phase, std::size_t done, std::size_t total);
  /// Ends the live line (prints a newline if anything was drawn).
  void finish();

 private:
  std::ostream& out_;
  bool live_, quiet_;
  std::chrono::milliseconds every_;
  std::chrono::steady_clock::time_point start_, last_;
  std::string last_phase_;
  bool drawn_ = false;
};

/// ProgressLine for stderr, live when stderr is a terminal.
ProgressLine stderr_progress(bool quiet);

}  // namespace studysearch::app
