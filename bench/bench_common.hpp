#pragma once
// What bench_search and bench_index share: the query set, the run
// configuration (flags or STUDYSEARCH_BENCH_* variables), the context every
// result file carries, latency percentiles, and a few file-system helpers.
#include <cstddef>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace benchmark {
class State;
}

namespace studysearch::bench {

/// The filters column of the query set: "pem=required;year_from=2015", "journal=BMC Pain", "".
struct Filters {
  std::vector<std::string> pem;
  std::string journal;
  std::optional<int> year_from, year_to;
  bool empty() const { return pem.empty() && journal.empty() && !year_from && !year_to; }
};
/// Throws std::invalid_argument on an unknown key.
Filters parse_filters(std::string_view column);

struct BenchQuery {
  std::string qid, cls, text;
  Filters filters;
};

/// Reads `qid\tclass\tquery\tfilters` lines (first line a header). Throws std::runtime_error.
std::vector<BenchQuery> load_queries(const std::string& path);
/// Queries grouped by class, in file order within a class.
std::map<std::string, std::vector<BenchQuery>> by_class(const std::vector<BenchQuery>& queries);

/// Where the data is and how much to run. Flags win over the environment:
///   --corpus=FILE      STUDYSEARCH_BENCH_CORPUS   generated JSONL corpus
///   --queries=FILE     STUDYSEARCH_BENCH_QUERIES  query set (TSV)
///   --work=DIR         STUDYSEARCH_BENCH_WORK     cached indexes (built when missing)
///   --docs=N --seed=S  STUDYSEARCH_BENCH_DOCS/SEED  what the corpus was generated with
///   --per_class=N      STUDYSEARCH_BENCH_PER_CLASS  queries timed per benchmark (default 300)
///   --heavy_per_class=N  ..._HEAVY_PER_CLASS        same, for the slow baseline facet runs (default 40)
///   --keep_index       (bench_index) keep the built indexes as the cache for bench_search
struct BenchConfig {
  std::string corpus, queries, work, commit;
  std::size_t docs = 0, per_class = 300, heavy_per_class = 40;
  std::string seed;
  bool keep_index = false;
};
/// Consumes our flags from argv (call before benchmark::Initialize).
BenchConfig read_config(int& argc, char** argv);

/// benchmark::AddCustomContext for corpus size, seed, commit, CPU model and cores.
void add_context(const BenchConfig& config);

/// Per-query wall-clock timings of one benchmark run, reported as counters.
class LatencyRecorder {
 public:
  void add(double ms) { samples_.push_back(ms); }
  /// Sets p50_ms, p95_ms, p99_ms, mean_ms, max_ms and queries on the state.
  void report(benchmark::State& state);

 private:
  std::vector<double> samples_;
};

/// Nearest-rank percentile of sorted samples (p in 0..100).
double percentile(const std::vector<double>& sorted, double p);

std::string cpu_model();                            ///< /proc/cpuinfo's model name
double peak_rss_mb();                                ///< getrusage ru_maxrss of this process
std::size_t disk_bytes(const std::string& path);     ///< a file, or all files under a folder
std::size_t count_lines(const std::string& path);
bool index_ready(const std::string& path);           ///< "<path>.done" marker exists
void mark_index_ready(const std::string& path);

}  // namespace studysearch::bench
