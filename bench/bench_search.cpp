// Query latency per query class: our engine (through its public API) against
// Xapian used directly and SQLite FTS5, in one binary, on one corpus and query
// set. Each benchmark runs the queries of its class round-robin, one query per
// iteration, and reports p50/p95/p99 of the per-query wall-clock times.
//   bench_search --corpus=C.jsonl --queries=Q.tsv --work=DIR [--per_class=N] [benchmark flags]
// Indexes are built into DIR on first use (not timed) and reused afterwards.
#include <algorithm>
#include <chrono>
#include <filesystem>
#include <functional>
#include <iostream>
#include <optional>
#include <string>
#include <vector>

#include <benchmark/benchmark.h>

#include "baselines.hpp"
#include "bench_common.hpp"

#ifdef STUDYSEARCH_BENCH_OURS
#include "studysearch/index_writer.hpp"
#include "studysearch/studysearch.hpp"
#endif

namespace sb = studysearch::bench;

namespace {

/// The engines under test, each opened (and its index built) on first use.
class Engines {
 public:
  explicit Engines(const sb::BenchConfig& config) : config_(config) {}

  sb::XapianBaseline& xapian() {
    if (!xapian_) {
      const auto path = config_.work + "/xapian";
      if (!sb::index_ready(path)) build("xapian", path, [&] { sb::XapianBaseline::build(config_.corpus, path); });
      xapian_.emplace(path);
    }
    return *xapian_;
  }

  sb::Fts5Baseline& fts5() {
    if (!fts5_) {
      const auto path = config_.work + "/fts5.db";
      if (!sb::index_ready(path)) build("fts5", path, [&] { sb::Fts5Baseline::build(config_.corpus, path); });
      fts5_.emplace(path);
    }
    return *fts5_;
  }

#ifdef STUDYSEARCH_BENCH_OURS
  const studysearch::SearchEngine& ours() {
    if (!ours_) {
      const auto path = config_.work + "/ours";
      if (!sb::index_ready(path))
        build("ours", path, [&] { studysearch::IndexWriter::open(path).index_files({config_.corpus}); });
      ours_.emplace(studysearch::SearchEngine::open(path));
    }
    return *ours_;
  }
#endif

 private:
  void build(const char* name, const std::string& path, const std::function<void()>& run) {
    std::cerr << "bench_search: building the " << name << " index at " << path << " ...\n";
    std::filesystem::remove_all(path);
    run();
    sb::mark_index_ready(path);
  }

  const sb::BenchConfig& config_;
  std::optional<sb::XapianBaseline> xapian_;
  std::optional<sb::Fts5Baseline> fts5_;
#ifdef STUDYSEARCH_BENCH_OURS
  std::optional<studysearch::SearchEngine> ours_;
#endif
};

/// Times `run(query)` once per iteration over `queries` round-robin. `run`
/// returns the number of matches, averaged into the mean_total counter so the
/// engines' result sets can be compared. Any exception skips the benchmark.
template <typename Open, typename Run>
void time_queries(benchmark::State& state, const std::vector<sb::BenchQuery>& queries, Open open, Run run) {
  try {
    open();
  } catch (const std::exception& e) {
    state.SkipWithError(e.what());
    return;
  }
  sb::LatencyRecorder latency;
  double totals = 0;
  std::size_t i = 0;
  for (auto _ : state) {
    const auto& q = queries[i++ % queries.size()];
    const auto start = std::chrono::steady_clock::now();
    std::size_t total = 0;
    try {
      total = run(q);
    } catch (const std::exception& e) {
      state.SkipWithError((q.qid + ": " + e.what()).c_str());
      break;
    }
    latency.add(std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - start).count());
    benchmark::DoNotOptimize(total);
    totals += static_cast<double>(total);
  }
  latency.report(state);
  state.counters["mean_total"] = i ? totals / static_cast<double>(i) : 0;
  state.counters["peak_rss_mb"] = sb::peak_rss_mb();
}

#ifdef STUDYSEARCH_BENCH_OURS
studysearch::SearchRequest request_for(const sb::BenchQuery& q) {
  studysearch::SearchRequest r;
  r.text = q.text;
  for (const auto& p : q.filters.pem) r.filters["pem"].push_back(p);
  if (!q.filters.journal.empty()) r.filters["journal"].push_back(q.filters.journal);
  r.year_from = q.filters.year_from;
  r.year_to = q.filters.year_to;
  r.limit = 20;
  r.facets = r.snippets = r.suggest = false;
  return r;
}

/// What a user has typed when completion is asked: the query with its last word half-typed.
std::string typed_prefix(std::string text) {
  std::erase(text, '"');
  const auto last = text.find_last_of(' ') + 1;  // npos + 1 == 0
  const auto keep = std::max<std::size_t>(2, (text.size() - last + 1) / 2);
  return text.substr(0, std::min(text.size(), last + keep));
}
#endif

/// One benchmark: `iterations` queries of `queries`, round-robin.
template <typename Open, typename Run>
void add(const std::string& name, std::vector<sb::BenchQuery> queries, std::size_t iterations, Open open, Run run) {
  if (queries.empty()) return;
  benchmark::RegisterBenchmark(name.c_str(),
                               [queries = std::move(queries), open, run](benchmark::State& state) {
                                 time_queries(state, queries, open, run);
                               })
      ->Iterations(static_cast<benchmark::IterationCount>(std::max<std::size_t>(1, iterations)))
      ->Unit(benchmark::kMillisecond)
      ->UseRealTime();
}

void register_all(Engines& e, const sb::BenchConfig& config,
                  const std::map<std::string, std::vector<sb::BenchQuery>>& classes) {
  const auto n = config.per_class, heavy = config.heavy_per_class;
#ifdef STUDYSEARCH_BENCH_OURS
  auto ours = [&e] { e.ours(); };
  auto with = [&e](auto tweak) {
    return [&e, tweak](const sb::BenchQuery& q) {
      auto r = request_for(q);
      tweak(r);
      return e.ours().search(r).total;
    };
  };
  for (const auto& [cls, qs] : classes) {
    add("ours/plain/" + cls, qs, n, ours, with([](auto&) {}));
    add("ours/facets/" + cls, qs, n, ours, with([](auto& r) { r.facets = true; }));
    add("ours/pem_facets/" + cls, qs, n, ours, with([](auto& r) {
              r.facets = true;
              r.filters["pem"] = {"required"};
            }));
    add("ours/newest/" + cls, qs, n, ours, with([](auto& r) { r.sort = studysearch::Sort::newest; }));
    add("ours/deep_page/" + cls, qs, n, ours, with([](auto& r) { r.offset = 500; }));
    add("ours/snippets/" + cls, qs, n, ours, with([](auto& r) { r.snippets = true; }));
    add("ours/complete/" + cls, qs, n, ours,
            [&e](const sb::BenchQuery& q) { return e.ours().complete(typed_prefix(q.text)).size(); });
  }
  std::vector<sb::BenchQuery> filtered;  // browse: no text, the query set's filters, facets
  for (const auto& [cls, qs] : classes)
    for (const auto& q : qs)
      if (!q.filters.empty()) filtered.push_back(q);
  add("ours/browse/filtered", filtered, n, ours, with([](auto& r) {
            r.text.clear();
            r.facets = true;
          }));
  std::vector<sb::BenchQuery> ids;  // similar: studies spread over the corpus
  const std::size_t docs = std::max<std::size_t>(1, config.docs);
  for (std::size_t k = 0; k < n; ++k) ids.push_back({"similar-" + std::to_string(k), "similar", "gen-" + std::to_string(k * 7919 % docs + 1), {}});
  add("ours/similar/ids", ids, n, ours, [&e](const sb::BenchQuery& q) { return e.ours().similar(q.text, 5).size(); });
#endif
  for (const auto& [cls, qs] : classes) {
    add("xapian/plain/" + cls, qs, n, [&e] { e.xapian(); },
            [&e](const sb::BenchQuery& q) { return e.xapian().search(q.text, q.filters, false).total; });
    add("xapian/facets/" + cls, qs, n, [&e] { e.xapian(); },
            [&e](const sb::BenchQuery& q) { return e.xapian().search(q.text, q.filters, true).total; });
  }
  for (const auto& [cls, qs] : classes) {
    add("fts5/plain/" + cls, qs, heavy, [&e] { e.fts5(); },
            [&e](const sb::BenchQuery& q) { return e.fts5().search(q.text, q.filters, false).total; });
    add("fts5/facets/" + cls, qs, heavy, [&e] { e.fts5(); },
            [&e](const sb::BenchQuery& q) { return e.fts5().search(q.text, q.filters, true).total; });
  }
}

}  // namespace

int main(int argc, char** argv) {
  try {
    const auto config = sb::read_config(argc, argv);
    benchmark::Initialize(&argc, argv);
    if (benchmark::ReportUnrecognizedArguments(argc, argv)) return 1;
    if (config.corpus.empty() || config.queries.empty()) {
      std::cerr << "bench_search: give --corpus=FILE and --queries=FILE (or STUDYSEARCH_BENCH_CORPUS/QUERIES)\n";
      return 1;
    }
    sb::add_context(config);
    benchmark::AddCustomContext("per_class", std::to_string(config.per_class));
    benchmark::AddCustomContext("heavy_per_class", std::to_string(config.heavy_per_class));
    const auto classes = sb::by_class(sb::load_queries(config.queries));
    Engines engines(config);
    register_all(engines, config, classes);
    benchmark::RunSpecifiedBenchmarks();
    benchmark::Shutdown();
    return 0;
  } catch (const std::exception& e) {
    std::cerr << "bench_search: " << e.what() << "\n";
    return 1;
  }
}
