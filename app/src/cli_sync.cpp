// `studysearch sync`: keeps an index in step with a folder of PubMed/MEDLINE
// files (README "PubMed"). Translation only: plan_sync says what to apply,
// IndexWriter::apply_file applies one file with its ledger entry.
#include "cli_sync.hpp"

#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <iomanip>
#include <iostream>
#include <sstream>
#include <tuple>

#include "cli_shards.hpp"
#include "studysearch/error.hpp"
#include "studysearch/index_writer.hpp"
#include "studysearch/sync.hpp"

namespace studysearch::app {
namespace {

using Clock = std::chrono::steady_clock;

double seconds_since(Clock::time_point start) { return std::chrono::duration<double>(Clock::now() - start).count(); }

std::string megabytes(std::uintmax_t bytes) {
  std::ostringstream out;
  out << std::fixed << std::setprecision(1) << static_cast<double>(bytes) / 1e6 << " MB";
  return out.str();
}

std::string duration(double seconds) {
  const long s = static_cast<long>(seconds + 0.5);
  std::ostringstream out;
  if (s >= 3600) out << s / 3600 << " h " << (s % 3600) / 60 << " min";
  else if (s >= 60) out << s / 60 << " min " << s % 60 << " s";
  else out << s << " s";
  return out.str();
}

int run_sync(const std::string& db, const std::string& folder, bool dry_run) {
  if (routed(db)) return run_routed_sync(db, folder, dry_run);  // a stub: cli_shards.cpp
  auto writer = IndexWriter::open(db);
  const SyncPlan plan = plan_sync(writer, folder);
  const std::size_t n = plan.pending.size();
  if (dry_run) {
    for (const auto& file : plan.pending) std::cout << file.entry.name << "\t" << file.entry.size << "\n";
    std::cerr << "studysearch: sync would apply " << n << " file" << (n == 1 ? "" : "s") << " ("
              << megabytes(plan.pending_bytes) << "); " << plan.already_applied << " already applied\n";
    return 0;
  }
  if (n == 0) {
    std::cerr << "studysearch: sync: nothing to apply (" << plan.already_applied << " files already applied)\n";
    return 0;
  }
  const bool tty = isatty(STDERR_FILENO);
  const auto start = Clock::now();
  std::uintmax_t bytes_before = 0;  // of the files already applied in this run
  std::size_t citations_before = 0;
  for (std::size_t k = 0; k < n; ++k) {
    const SyncFile& file = plan.pending[k];
    WriterOptions options;
    if (tty) {
      // Works with either progress signature, (done, total) or (phase, done, total).
      options.progress = [&, last = Clock::time_point()](auto... args) mutable {
        const auto values = std::make_tuple(args...);
        constexpr std::size_t count = sizeof...(args);
        const std::size_t done = std::get<count - 2>(values), total = std::get<count - 1>(values);
        if (total == 0 || Clock::now() - last < std::chrono::milliseconds(200)) return;
        last = Clock::now();
        const double elapsed = seconds_since(start);
        const double bytes = static_cast<double>(bytes_before) + static_cast<double>(file.entry.size) * done / total;
        const double eta = bytes > 0 ? elapsed * (static_cast<double>(plan.pending_bytes) - bytes) / bytes : 0;
        std::cerr << "\rstudysearch: sync file " << k + 1 << " of " << n << " (" << file.entry.name << "): "
                  << citations_before + done << " citations, "
                  << static_cast<long>((citations_before + done) / std::max(elapsed, 1e-9)) << "/s, ETA "
                  << duration(eta) << "    " << std::flush;
      };
    }
    IndexReport report;
    const auto file_start = Clock::now();
    try {
      report = writer.apply_file(file.path, file.entry, options);
    } catch (const Error& e) {
      if (tty) std::cerr << "\n";
      throw Error(e.kind(), "sync stopped at " + file.path + " (file " + std::to_string(k + 1) + " of " +
                                std::to_string(n) + "): nothing of it was applied; the " + std::to_string(k) +
                                " before it stay applied\n" + e.what());
    }
    const std::size_t citations = report.added + report.replaced + report.without_abstract;
    citations_before += citations;
    bytes_before += file.entry.size;
    const double took = seconds_since(file_start);
    if (tty) std::cerr << "\r";
    std::cerr << "studysearch: sync " << k + 1 << "/" << n << " " << file.entry.name << ": " << citations
              << " citations (added " << report.added << ", replaced " << report.replaced << ", "
              << report.without_abstract << " without an abstract), deleted " << report.deleted << " of "
              << report.delete_requests << " listed or lost, in " << std::fixed << std::setprecision(2) << took
              << " s; index holds " << writer.document_count() << "\n";
  }
  std::cerr << "studysearch: sync applied " << n << " file" << (n == 1 ? "" : "s") << " (" << citations_before
            << " citations) in " << duration(seconds_since(start)) << "\n";
  return 0;
}

}  // namespace

void add_sync_command(CLI::App& app, std::function<void(std::function<int()>)> set_action) {
  auto* cmd = app.add_subcommand(
      "sync", "Apply the PubMed .xml/.xml.gz files of a folder not applied yet, in name order, one commit each");
  auto db = std::make_shared<std::string>();
  auto folder = std::make_shared<std::string>();
  auto dry_run = std::make_shared<bool>(false);
  cmd->add_option("--db", *db, "index folder (created if missing)")->required();
  cmd->add_flag("--dry-run", *dry_run, "list the files that would be applied (name, bytes) and stop");
  cmd->add_option("FOLDER", *folder, "folder of PubMed/MEDLINE files (e.g. NLM's baseline and updatefiles)")
      ->required();
  cmd->callback([=] { set_action([=] { return run_sync(*db, *folder, *dry_run); }); });
}

}  // namespace studysearch::app
