// `studysearch shard` and the routed forms of index, delete and sync
// (--db STUB). The library does the work (studysearch/shards.hpp); this file
// prints what it did, in the single-index commands' words.
#include "cli_shards.hpp"

#include <algorithm>
#include <iomanip>
#include <iostream>
#include <sstream>

#include "progress.hpp"
#include "studysearch/error.hpp"
#include "studysearch/shards.hpp"

namespace studysearch::app {
namespace {

std::string shard_list(const std::vector<std::size_t>& shards) {
  std::string out;
  for (const std::size_t k : shards) out += (out.empty() ? "" : ", ") + std::to_string(k);
  return out;
}

void print_issues(const IndexReport& report) {
  if (report.issues.empty()) return;
  std::istringstream lines(list_issues(report.issues));
  for (std::string line; std::getline(lines, line);)
    std::cerr << "studysearch: " << (line.starts_with("... and ") ? "" : "skipped ") << line << "\n";
}

}  // namespace

bool routed(const std::string& db) { return is_shard_stub(db); }

int run_routed_index(const std::string& stub, const std::vector<std::string>& files, bool skip_invalid, bool quiet,
                     WriterOptions options) {
  auto writer = RoutedWriter::open(stub);
  options.skip_invalid = skip_invalid;
  ProgressLine progress = stderr_progress(quiet);
  const std::size_t n = writer.shards();
  const ShardProgress on_progress = [&](std::size_t shard, IndexPhase phase, std::size_t done, std::size_t total) {
    progress.update("shard " + std::to_string(shard + 1) + "/" + std::to_string(n) + " " + to_string(phase), done,
                    total);
  };
  IndexReport report;
  try {
    report = writer.index_files(files, options, on_progress);
  } catch (const Error& e) {
    progress.finish();
    if (e.kind() != ErrorKind::invalid_input || skip_invalid) throw;
    throw Error(e.kind(), std::string(e.what()) + "\n(--skip-invalid writes the valid records and lists the others)");
  }
  progress.finish();
  print_issues(report);
  const std::size_t written = report.added + report.replaced;
  std::cerr << "studysearch: " << written << (written == 1 ? " record" : " records") << " indexed (added "
            << report.added << ", replaced " << report.replaced << ", skipped " << report.skipped << ") in "
            << std::fixed << std::setprecision(2) << report.seconds << " s, "
            << static_cast<long>(written / std::max(report.seconds, 1e-9)) << " records/s; index holds "
            << writer.document_count() << " on " << n << " shards\n";
  return 0;
}

int run_routed_delete(const std::string& stub, const std::vector<std::string>& ids, bool ignore_missing) {
  auto writer = RoutedWriter::open(stub);
  const auto report = writer.delete_ids(ids, ignore_missing);
  std::cerr << "studysearch: deleted " << report.deleted << "; index holds " << writer.document_count() << " on "
            << writer.shards() << " shards\n";
  return 0;
}

int run_routed_sync(const std::string& stub, const std::string& folder, bool dry_run) {
  auto writer = RoutedWriter::open(stub);
  const RoutedSyncPlan plan = writer.plan_sync(folder);
  const std::size_t n = plan.pending.size();
  if (dry_run) {
    for (const auto& file : plan.pending)
      std::cout << file.file.entry.name << "\t" << file.file.entry.size << "\tshards " << shard_list(file.shards)
                << "\n";
    std::cerr << "studysearch: sync would apply " << n << " file" << (n == 1 ? "" : "s") << "; "
              << plan.already_applied << " already applied on every shard\n";
    return 0;
  }
  if (n == 0) {
    std::cerr << "studysearch: sync: nothing to apply (" << plan.already_applied
              << " files already applied on every shard)\n";
    return 0;
  }
  for (std::size_t k = 0; k < n; ++k) {
    const RoutedSyncFile& file = plan.pending[k];
    IndexReport report;
    try {
      report = writer.apply_file(file, WriterOptions{});
    } catch (const Error& e) {
      throw Error(e.kind(), "sync stopped at " + file.file.path + " (file " + std::to_string(k + 1) + " of " +
                                std::to_string(n) + "); the " + std::to_string(k) + " before it stay applied\n" +
                                e.what());
    }
    std::cerr << "studysearch: sync " << k + 1 << "/" << n << " " << file.file.entry.name << " (shards "
              << shard_list(file.shards) << "): " << report.added + report.replaced + report.without_abstract
              << " citations (added " << report.added << ", replaced " << report.replaced << ", "
              << report.without_abstract << " without an abstract), deleted " << report.deleted << " of "
              << report.delete_requests << " listed or lost, in " << std::fixed << std::setprecision(2)
              << report.seconds << " s; index holds " << writer.document_count() << "\n";
  }
  std::cerr << "studysearch: sync applied " << n << " file" << (n == 1 ? "" : "s") << " to " << writer.shards()
            << " shards\n";
  return 0;
}

void add_shard_command(CLI::App& app, std::function<void(std::function<int()>)> set_action) {
  auto* cmd = app.add_subcommand(
      "shard", "Split an index into N shard folders and a stub file (each study on shard FNV-1a(id) mod N)");
  auto db = std::make_shared<std::string>();
  auto out = std::make_shared<std::string>();
  auto shards = std::make_shared<std::size_t>(0);
  auto quiet = std::make_shared<bool>(false);
  cmd->add_option("--db", *db, "index folder to split (read only)")->required();
  cmd->add_option("--shards", *shards, "number of shards")->required()->check(CLI::Range(1, 1024));
  cmd->add_option("--out", *out, "new folder for DIR/shard_0.. and DIR/shards.stub (must not exist)")->required();
  cmd->add_flag("-q,--quiet", *quiet, "no progress lines");
  cmd->callback([=] {
    set_action([=] {
      ProgressLine progress = stderr_progress(*quiet);
      const SplitReport report = split_index(*db, *shards, *out, [&](std::size_t done, std::size_t total) {
        progress.update("splitting", done, total);
      });
      progress.finish();
      std::cerr << "studysearch: split " << *db << " (" << report.documents << " studies) into " << *shards
                << " shards in " << std::fixed << std::setprecision(2) << report.seconds << " s:";
      for (std::size_t k = 0; k < report.per_shard.size(); ++k)
        std::cerr << (k ? "," : "") << " shard_" << k << " " << report.per_shard[k];
      std::cerr << "; stub " << *out << "/shards.stub\n";
      return 0;
    });
  });
}

}  // namespace studysearch::app
