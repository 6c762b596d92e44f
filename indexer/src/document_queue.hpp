#pragma once
// Analysed documents on their way from a producer thread (reading and
// analysing records) to a writer thread (touching the database only).
#include <xapian.h>

#include <chrono>
#include <condition_variable>
#include <cstddef>
#include <deque>
#include <mutex>
#include <string>
#include <utility>
#include <vector>

#include "document_builder.hpp"

namespace studysearch {

// Documents travel from the analysing thread to the writing thread in
// batches. At most (kQueuedBatches + 2) * kBatchDocuments documents are in
// memory (queued, being filled, being written): an analysed PubMed citation
// (title and abstract, with positions) is ~20 KB as a Xapian::Document, so
// 8 x 128 queued was ~28 MB of a sync's peak; 2 x 32 is ~3 MB, and enough
// to keep both threads busy.
constexpr std::size_t kBatchDocuments = 32;
constexpr std::size_t kSpellingEvery = 4096;  // documents between spelling-table updates
constexpr std::size_t kQueuedBatches = 2;     // bounds memory whatever the input size

struct DocumentBatch {
  std::vector<std::pair<std::string, Xapian::Document>> documents;
  WordCounts words;
};

class DocumentQueue {
 public:
  struct Closed {};
  /// Blocks while full; throws Closed once the consumer has given up.
  void push(DocumentBatch&& batch) {
    std::unique_lock lock(mutex_);
    not_full_.wait(lock, [&] { return closed_ || batches_.size() < kQueuedBatches; });
    if (closed_) throw Closed{};
    batches_.push_back(std::move(batch));
    not_empty_.notify_one();
  }
  /// False when closed and drained.
  bool pop(DocumentBatch& out) {
    std::unique_lock lock(mutex_);
    not_empty_.wait(lock, [&] { return closed_ || !batches_.empty(); });
    if (batches_.empty()) return false;
    out = std::move(batches_.front());
    batches_.pop_front();
    not_full_.notify_one();
    return true;
  }
  void close() {
    std::lock_guard lock(mutex_);
    closed_ = true;
    not_full_.notify_all();
    not_empty_.notify_all();
  }

 private:
  std::mutex mutex_;
  std::condition_variable not_full_, not_empty_;
  std::deque<DocumentBatch> batches_;
  bool closed_ = false;
};

inline double seconds_since(std::chrono::steady_clock::time_point start) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
}

}  // namespace studysearch
