#include "bench_common.hpp"

#include <sys/resource.h>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <numeric>
#include <stdexcept>
#include <thread>

#include <benchmark/benchmark.h>

#ifndef STUDYSEARCH_BENCH_SOURCE_DIR
#define STUDYSEARCH_BENCH_SOURCE_DIR "."
#endif

namespace fs = std::filesystem;

namespace studysearch::bench {

Filters parse_filters(std::string_view column) {
  Filters f;
  while (!column.empty()) {
    const auto end = column.find(';');
    const auto item = column.substr(0, end);
    column = end == std::string_view::npos ? std::string_view{} : column.substr(end + 1);
    if (item.empty()) continue;
    const auto eq = item.find('=');
    if (eq == std::string_view::npos) throw std::invalid_argument("filter without '=': " + std::string(item));
    const auto key = item.substr(0, eq);
    const std::string value(item.substr(eq + 1));
    if (key == "pem") f.pem.push_back(value);
    else if (key == "journal") f.journal = value;
    else if (key == "year_from") f.year_from = std::stoi(value);
    else if (key == "year_to") f.year_to = std::stoi(value);
    else throw std::invalid_argument("unknown filter key: " + std::string(key));
  }
  return f;
}

std::vector<BenchQuery> load_queries(const std::string& path) {
  std::ifstream in(path);
  if (!in) throw std::runtime_error("cannot read query set " + path);
  std::vector<BenchQuery> out;
  std::string line;
  std::getline(in, line);  // header
  while (std::getline(in, line)) {
    if (line.empty()) continue;
    std::vector<std::string> cols;
    std::size_t start = 0;
    for (std::size_t tab; (tab = line.find('\t', start)) != std::string::npos; start = tab + 1)
      cols.push_back(line.substr(start, tab - start));
    cols.push_back(line.substr(start));
    if (cols.size() != 4) throw std::runtime_error(path + ": expected 4 columns: " + line);
    out.push_back({cols[0], cols[1], cols[2], parse_filters(cols[3])});
  }
  return out;
}

std::map<std::string, std::vector<BenchQuery>> by_class(const std::vector<BenchQuery>& queries) {
  std::map<std::string, std::vector<BenchQuery>> out;
  for (const auto& q : queries) out[q.cls].push_back(q);
  return out;
}

namespace {

std::string env_or(const char* name, std::string fallback) {
  const char* v = std::getenv(name);
  return v && *v ? std::string(v) : fallback;
}

std::string command_output(const std::string& command) {
  std::string out;
  if (FILE* p = popen(command.c_str(), "r")) {
    char buf[256];
    while (std::fgets(buf, sizeof buf, p)) out += buf;
    pclose(p);
  }
  while (!out.empty() && (out.back() == '\n' || out.back() == ' ')) out.pop_back();
  return out;
}

}  // namespace

std::string cpu_model() {
  std::ifstream in("/proc/cpuinfo");
  for (std::string line; std::getline(in, line);)
    if (line.rfind("model name", 0) == 0) return line.substr(line.find(':') + 2);
  return "unknown";
}


BenchConfig read_config(int& argc, char** argv) {
  // The flush threshold the studysearch program sets for its writes (app/src/main.cpp).
  setenv("XAPIAN_FLUSH_THRESHOLD", "1000", 0);
  BenchConfig c;
  c.corpus = env_or("STUDYSEARCH_BENCH_CORPUS", "");
  c.queries = env_or("STUDYSEARCH_BENCH_QUERIES", "");
  c.work = env_or("STUDYSEARCH_BENCH_WORK", "bench-work");
  c.seed = env_or("STUDYSEARCH_BENCH_SEED", "unknown");
  c.docs = std::stoull(env_or("STUDYSEARCH_BENCH_DOCS", "0"));
  c.per_class = std::stoull(env_or("STUDYSEARCH_BENCH_PER_CLASS", "300"));
  c.heavy_per_class = std::stoull(env_or("STUDYSEARCH_BENCH_HEAVY_PER_CLASS", "40"));
  c.commit = env_or("STUDYSEARCH_BENCH_COMMIT", "");
  int kept = 1;
  for (int i = 1; i < argc; ++i) {
    const std::string arg = argv[i];
    auto value = [&](const char* flag) -> std::optional<std::string> {
      const std::string prefix = std::string(flag) + "=";
      if (arg.rfind(prefix, 0) == 0) return arg.substr(prefix.size());
      return std::nullopt;
    };
    if (auto v = value("--corpus")) c.corpus = *v;
    else if (auto v = value("--queries")) c.queries = *v;
    else if (auto v = value("--work")) c.work = *v;
    else if (auto v = value("--seed")) c.seed = *v;
    else if (auto v = value("--docs")) c.docs = std::stoull(*v);
    else if (auto v = value("--per_class")) c.per_class = std::stoull(*v);
    else if (auto v = value("--heavy_per_class")) c.heavy_per_class = std::stoull(*v);
    else if (arg == "--keep_index") c.keep_index = true;
    else argv[kept++] = argv[i];
  }
  argc = kept;
  argv[argc] = nullptr;
  if (c.commit.empty())
    c.commit = command_output("git -C '" STUDYSEARCH_BENCH_SOURCE_DIR "' describe --always --dirty 2>/dev/null");
  if (c.commit.empty()) c.commit = "unknown";
  if (c.docs == 0 && !c.corpus.empty()) c.docs = count_lines(c.corpus);
  fs::create_directories(c.work);
  return c;
}

void add_context(const BenchConfig& c) {
  benchmark::AddCustomContext("corpus", c.corpus);
  benchmark::AddCustomContext("corpus_docs", std::to_string(c.docs));
  benchmark::AddCustomContext("seed", c.seed);
  benchmark::AddCustomContext("queries", c.queries);
  benchmark::AddCustomContext("commit", c.commit);
  benchmark::AddCustomContext("cpu_model", cpu_model());
  benchmark::AddCustomContext("cores", std::to_string(std::thread::hardware_concurrency()));
}

double percentile(const std::vector<double>& sorted, double p) {
  if (sorted.empty()) return 0;
  const auto rank = static_cast<std::size_t>(std::ceil(p / 100.0 * static_cast<double>(sorted.size())));
  return sorted[std::clamp<std::size_t>(rank, 1, sorted.size()) - 1];
}

void LatencyRecorder::report(benchmark::State& state) {
  std::sort(samples_.begin(), samples_.end());
  const double n = static_cast<double>(samples_.size());
  state.counters["p50_ms"] = percentile(samples_, 50);
  state.counters["p95_ms"] = percentile(samples_, 95);
  state.counters["p99_ms"] = percentile(samples_, 99);
  state.counters["max_ms"] = samples_.empty() ? 0 : samples_.back();
  state.counters["mean_ms"] = n > 0 ? std::accumulate(samples_.begin(), samples_.end(), 0.0) / n : 0;
  state.counters["queries"] = n;
}

double peak_rss_mb() {
  rusage usage{};
  getrusage(RUSAGE_SELF, &usage);
  return static_cast<double>(usage.ru_maxrss) / 1024.0;  // Linux: kilobytes
}

std::size_t disk_bytes(const std::string& path) {
  std::error_code ec;
  if (fs::is_regular_file(path, ec)) return fs::file_size(path, ec);
  std::size_t total = 0;
  for (const auto& entry : fs::recursive_directory_iterator(path, ec))
    if (entry.is_regular_file(ec)) total += entry.file_size(ec);
  return total;
}

std::size_t count_lines(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::size_t lines = 0;
  char buf[1 << 16];
  while (in.read(buf, sizeof buf) || in.gcount() > 0) {
    lines += static_cast<std::size_t>(std::count(buf, buf + in.gcount(), '\n'));
    if (!in) break;
  }
  return lines;
}

bool index_ready(const std::string& path) { return fs::exists(path + ".done"); }

void mark_index_ready(const std::string& path) { std::ofstream(path + ".done") << "ok\n"; }

}  // namespace studysearch::bench
