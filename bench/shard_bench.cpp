// shard_bench: latency of one index against the same studies split into
// shards (a stub of local shards, a stub of remote shards on loopback), per
// query class, plain and with facets. Ratios are against the one index in the
// same run; rounds alternate the three so that load hits them alike.
// Usage: shard_bench --one DIR --local STUB --remote STUB --queries TSV
//                    [--per-class N] [--rounds R] [--docs N --seed S] [--term-k1-wdf X] [--burstiness X]
// (bench/shards.sh builds everything and runs it.)
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <iostream>
#include <map>
#include <string>
#include <thread>
#include <vector>

#include "bench_common.hpp"
#include "studysearch/studysearch.hpp"

using namespace studysearch;

namespace {

std::string arg(int argc, char** argv, const std::string& name, const std::string& fallback = "") {
  for (int i = 1; i + 1 < argc; ++i)
    if (argv[i] == name) return argv[i + 1];
  return fallback;
}

SearchRequest request_of(const bench::BenchQuery& q, bool facets) {
  SearchRequest r;
  r.text = q.text;
  if (!q.filters.pem.empty()) r.filters["pem"] = q.filters.pem;
  if (!q.filters.journal.empty()) r.filters["journal"] = {q.filters.journal};
  r.year_from = q.filters.year_from;
  r.year_to = q.filters.year_to;
  r.limit = 20;
  r.facets = facets;
  r.snippets = true;
  r.suggest = false;
  return r;
}

}  // namespace

int main(int argc, char** argv) {
  const std::string one = arg(argc, argv, "--one"), local = arg(argc, argv, "--local"),
                    remote = arg(argc, argv, "--remote"), queries = arg(argc, argv, "--queries");
  if (one.empty() || local.empty() || remote.empty() || queries.empty()) {
    std::cerr << "usage: shard_bench --one DIR --local STUB --remote STUB --queries TSV [--per-class N] [--rounds R]\n";
    return 1;
  }
  const std::size_t per_class = std::stoul(arg(argc, argv, "--per-class", "100"));
  const std::size_t rounds = std::stoul(arg(argc, argv, "--rounds", "3"));
  EngineOptions options;  // the defaults, or other per-term weights (remote shards weigh them in passes)
  options.term_k1_wdf = std::stod(arg(argc, argv, "--term-k1-wdf", std::to_string(options.term_k1_wdf)));
  options.term_burstiness = std::stod(arg(argc, argv, "--burstiness", std::to_string(options.term_burstiness)));
  const std::vector<std::pair<std::string, SearchEngine>> engines = {
      {"one index", SearchEngine::open(one, options)},
      {"local shards", SearchEngine::open(local, options)},
      {"remote shards", SearchEngine::open(remote, options)}};
  auto classes = bench::by_class(bench::load_queries(queries));
  std::cout << "# shard_bench: " << engines[0].second.info().documents << " studies, "
            << engines[1].second.info().shards << " shards, seed " << arg(argc, argv, "--seed", "?") << ", "
            << per_class << " queries per class, " << rounds << " rounds, top 20 with snippets, term k1 wdf "
            << options.term_k1_wdf << ", burstiness " << options.term_burstiness << "\n"
            << "# machine: " << bench::cpu_model() << ", " << std::thread::hardware_concurrency() << " cores\n\n"
            << "| class | mode | one index p50 / p95 ms | local shards p50 / p95 ms (ratio p50) | remote shards p50 / p95 ms (ratio p50) |\n"
            << "|---|---|---|---|---|\n";
  for (auto& [cls, list] : classes) {
    if (list.size() > per_class) list.resize(per_class);
    for (const bool facets : {false, true}) {
      std::vector<std::vector<double>> ms(engines.size());
      for (const auto& q : list) engines[0].second.search(request_of(q, facets));  // warm every engine once
      for (const auto& q : list) engines[1].second.search(request_of(q, facets));
      for (const auto& q : list) engines[2].second.search(request_of(q, facets));
      for (std::size_t round = 0; round < rounds; ++round)
        for (std::size_t e = 0; e < engines.size(); ++e)
          for (const auto& q : list) {
            const SearchRequest r = request_of(q, facets);
            const auto start = std::chrono::steady_clock::now();
            engines[e].second.search(r);
            ms[e].push_back(std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - start).count());
          }
      for (auto& v : ms) std::sort(v.begin(), v.end());
      const double base = bench::percentile(ms[0], 50);
      char line[512];
      std::snprintf(line, sizeof line, "| %s | %s | %.2f / %.2f | %.2f / %.2f (%.2f) | %.2f / %.2f (%.2f) |\n", cls.c_str(),
                    facets ? "facets" : "plain", base, bench::percentile(ms[0], 95), bench::percentile(ms[1], 50),
                    bench::percentile(ms[1], 95), bench::percentile(ms[1], 50) / base, bench::percentile(ms[2], 50),
                    bench::percentile(ms[2], 95), bench::percentile(ms[2], 50) / base);
      std::cout << line << std::flush;
    }
  }
}
