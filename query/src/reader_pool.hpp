#pragma once
// The read side's handles: a pool of Xapian read handles over one index (each
// with its analyzer and ranking scratch, not thread-safe, so one per running
// call) and the in-memory snapshot of the newest committed revision, shared
// by every handle that has reopened to it.
#include <xapian.h>

#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "ranker.hpp"
#include "snapshot.hpp"
#include "studysearch/analyzer.hpp"
#include "studysearch/error.hpp"

namespace studysearch {

// One reader: a Xapian handle (not thread-safe) and an analyzer (caches stems).
struct Handle {
  Xapian::Database db;
  Analyzer analyzer;
  RankScratch scratch;
  std::vector<std::size_t> facet_counts;  // FacetCounter's scratch: all zeros between calls
};

class ReaderPool {
 public:
  /// Opens one handle at once, so that a missing or incompatible index fails here.
  explicit ReaderPool(std::string path);

  const std::string& path() const { return path_; }

  /// Runs `fn(handle, snapshot)` on the newest revision, retrying when a writer
  /// commits under our feet (Xapian keeps only a couple of old revisions).
  template <typename Fn>
  auto with_reader(Fn&& fn) {
    for (int attempt = 0;; ++attempt) {
      Lease h = lease();
      try {
        h.handle->db.reopen();
        auto snap = snapshot_for(h.handle->db);
        return fn(*h.handle, *snap);
      } catch (const Xapian::DatabaseModifiedError&) {
        if (attempt + 1 >= kRetries) throw Error(ErrorKind::internal, "index changed too often during the search; retry");
      } catch (const Xapian::DatabaseError& e) {
        h.handle.reset();  // drop a broken handle
        if (attempt + 1 >= kRetries) throw Error(ErrorKind::internal, "index read failed: " + e.get_description());
      } catch (const Xapian::Error& e) {
        throw Error(ErrorKind::internal, "search failed: " + e.get_description());
      }
    }
  }

 private:
  static constexpr int kRetries = 4;

  // A handle out of the pool, back in it when done (unless dropped as broken).
  struct Lease {
    ReaderPool* owner;
    std::unique_ptr<Handle> handle;
    Lease(ReaderPool* o, std::unique_ptr<Handle> h) : owner(o), handle(std::move(h)) {}
    Lease(Lease&&) = default;
    ~Lease();
  };

  std::unique_ptr<Handle> open_handle() const;
  Lease lease();
  /// The snapshot matching the handle's revision (building it if needed).
  std::shared_ptr<const Snapshot> snapshot_for(const Xapian::Database& db);

  std::string path_;
  std::mutex mutex_;  // guards idle_ and snapshot_
  std::vector<std::unique_ptr<Handle>> idle_;
  std::shared_ptr<const Snapshot> snapshot_;
  std::mutex snapshot_load_;
};

}  // namespace studysearch
