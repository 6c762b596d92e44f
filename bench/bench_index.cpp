// Indexing throughput and index size: our IndexWriter against a naive Xapian
// loop and an FTS5 bulk insert, each building the whole corpus once into a
// fresh folder under the work dir.
//   bench_index --corpus=C.jsonl --work=DIR [--keep_index] [--benchmark_filter=^index/ours$]
// Counters: docs_per_s (wall clock; cpu_time is the process's CPU time, which
// a busy machine does not inflate), disk_mb, bytes_per_doc, peak_rss_mb (this process's
// getrusage maximum: run one engine per process, as bench/run.sh does, for a
// per-engine figure). With --keep_index the built index replaces DIR's cached
// one, which bench_search then reuses.
#include <unistd.h>

#include <chrono>
#include <filesystem>
#include <functional>
#include <iostream>
#include <string>

#include <benchmark/benchmark.h>

#include "baselines.hpp"
#include "bench_common.hpp"

#ifdef STUDYSEARCH_BENCH_OURS
#include "studysearch/index_writer.hpp"
#endif

namespace fs = std::filesystem;
namespace sb = studysearch::bench;

namespace {

/// `build(path)` must create the index at `path` (a folder or file that does not exist yet).
void time_build(benchmark::State& state, const sb::BenchConfig& config, const std::string& name,
                const std::function<void(const std::string&)>& build) {
  const fs::path scratch = fs::path(config.work) / ("tmp-index-" + name + "-" + std::to_string(getpid()));
  fs::remove_all(scratch);
  fs::create_directories(scratch);
  const auto path = (scratch / name).string();
  double seconds = 0;
  try {
    for (auto _ : state) {
      const auto start = std::chrono::steady_clock::now();
      build(path);
      seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    }
  } catch (const std::exception& e) {
    state.SkipWithError(e.what());
    fs::remove_all(scratch);
    return;
  }
  const auto docs = static_cast<double>(config.docs);
  const auto bytes = static_cast<double>(sb::disk_bytes(path));
  state.counters["docs"] = docs;
  state.counters["seconds"] = seconds;
  state.counters["docs_per_s"] = seconds > 0 ? docs / seconds : 0;
  state.counters["disk_mb"] = bytes / (1024.0 * 1024.0);
  state.counters["bytes_per_doc"] = docs > 0 ? bytes / docs : 0;
  state.counters["peak_rss_mb"] = sb::peak_rss_mb();
  if (config.keep_index) {
    const auto cached = (fs::path(config.work) / name).string();
    fs::remove_all(cached);
    fs::remove(cached + ".done");
    fs::rename(path, cached);
    sb::mark_index_ready(cached);
  }
  fs::remove_all(scratch);
}

void add(const sb::BenchConfig& config, const std::string& name, std::function<void(const std::string&)> build) {
  benchmark::RegisterBenchmark(("index/" + name).c_str(),
                               [&config, name, build](benchmark::State& state) { time_build(state, config, name, build); })
      ->Iterations(1)
      ->MeasureProcessCPUTime()  // cpu_time counts every thread of the writer
      ->Unit(benchmark::kSecond)
      ->UseRealTime();
}

}  // namespace

int main(int argc, char** argv) {
  try {
    const auto config = sb::read_config(argc, argv);
    benchmark::Initialize(&argc, argv);
    if (benchmark::ReportUnrecognizedArguments(argc, argv)) return 1;
    if (config.corpus.empty()) {
      std::cerr << "bench_index: give --corpus=FILE (or STUDYSEARCH_BENCH_CORPUS)\n";
      return 1;
    }
    sb::add_context(config);
#ifdef STUDYSEARCH_BENCH_OURS
    add(config, "ours", [&config](const std::string& path) {
      auto writer = studysearch::IndexWriter::open(path);
      writer.index_files({config.corpus});
    });
#endif
    // Names double as the cache names bench_search looks for under the work dir.
    add(config, "xapian", [&config](const std::string& path) { sb::XapianBaseline::build(config.corpus, path); });
    add(config, "fts5.db", [&config](const std::string& path) { sb::Fts5Baseline::build(config.corpus, path); });
    benchmark::RunSpecifiedBenchmarks();
    benchmark::Shutdown();
    return 0;
  } catch (const std::exception& e) {
    std::cerr << "bench_index: " << e.what() << "\n";
    return 1;
  }
}
