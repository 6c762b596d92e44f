#pragma once
// The page order: candidates with their sort keys, ties broken by study id,
// and the first k of a match set in one pass with a bounded heap.
#include <xapian.h>

#include <algorithm>
#include <cstdint>
#include <optional>
#include <vector>

#include "match_set.hpp"

namespace studysearch {

// A candidate for a page: the sort keys in order of precedence.
struct Ranked {
  Xapian::docid id;
  double score;
  std::uint32_t order = 0;  // the study id's rank: ties go to the smaller id
  int key = 0;   // year order for date sorts
  int tier = 0;  // 0: every word (or no tiers), 1: the rest
};

// Relevance order: score, then study id on ties (never the docid, which
// differs between one index and its shards).
inline bool by_score(const Ranked& a, const Ranked& b) { return a.score != b.score ? a.score > b.score : a.order < b.order; }

// The first `k` of `documents` under `order`, best first, in one pass with a
// bounded heap. `make` turns a docid into a candidate (nullopt: leave it out).
template <typename Order, typename Make>
std::vector<Ranked> best(const DocSet& documents, std::size_t k, Order order, Make make) {
  std::vector<Ranked> heap;  // worst first
  if (k == 0) return heap;
  heap.reserve(std::min<std::size_t>(k, 4096));
  documents.for_each([&](Xapian::docid id) {
    const std::optional<Ranked> candidate = make(id);
    if (!candidate) return;
    if (heap.size() < k) {
      heap.push_back(*candidate);
      std::push_heap(heap.begin(), heap.end(), order);
    } else if (order(*candidate, heap.front())) {
      std::pop_heap(heap.begin(), heap.end(), order);
      heap.back() = *candidate;
      std::push_heap(heap.begin(), heap.end(), order);
    }
  });
  std::sort_heap(heap.begin(), heap.end(), order);
  return heap;
}

}  // namespace studysearch
