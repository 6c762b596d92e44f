#include "progress.hpp"

#include <unistd.h>

#include <iostream>

namespace studysearch::app {

ProgressLine::ProgressLine(std::ostream& out, bool live, bool quiet, std::chrono::milliseconds every)
    : out_(out), live_(live), quiet_(quiet), every_(every), start_(std::chrono::steady_clock::now()), last_(start_) {}

void ProgressLine::update(const std::string& phase, std::size_t done, std::size_t total) {
  if (quiet_) return;
  const auto now = std::chrono::steady_clock::now();
  // A new phase is always shown; within a phase, a live line redraws at most
  // ten times a second and a log line comes every `every_`.
  const auto gap = live_ ? std::chrono::milliseconds(100) : every_;
  const bool finished_live = live_ && total && done == total;
  if (phase == last_phase_ && !finished_live && now - last_ < gap) return;
  last_ = now;
  last_phase_ = phase;
  const double seconds = std::chrono::duration<double>(now - start_).count();
  const auto rate = static_cast<long long>(seconds > 0 ? static_cast<double>(done) / seconds : 0);
  out_ << (live_ ? "\rstudysearch: " : "studysearch: ") << phase << " " << done;
  if (total) out_ << "/" << total;
  out_ << " records (" << rate << " records/s)";
  if (live_) {
    out_ << "\x1b[K" << std::flush;  // clear what a longer previous line left
    drawn_ = true;
  } else {
    out_ << "\n";
  }
}

void ProgressLine::finish() {
  if (live_ && drawn_) out_ << "\n";
  drawn_ = false;
}

ProgressLine stderr_progress(bool quiet) { return ProgressLine(std::cerr, isatty(STDERR_FILENO) != 0, quiet); }

}  // namespace studysearch::app
