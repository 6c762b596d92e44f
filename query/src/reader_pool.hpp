#pragma once
// The read side's handles: a pool of Xapian read handles over one index or a
// shard set (each handle with its analyzer and ranking scratch, not
// thread-safe, so one per running call) and the in-memory snapshot of the
// newest committed revision, shared by every handle that has reopened to it.
// A shard set (a stub file, shard_set.hpp) is searched as one database;
// with a remote shard there is no snapshot (its columns cannot be read
// cheaply over the network): the engine asks Xapian's matcher instead.
#include <xapian.h>

#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "ranker.hpp"
#include "shard_set.hpp"
#include "snapshot.hpp"
#include "studysearch/analyzer.hpp"
#include "studysearch/error.hpp"

namespace studysearch {

// One reader: a Xapian handle (not thread-safe) and an analyzer (caches stems).
struct Handle {
  Xapian::Database db;                   // every shard, in stub order
  std::vector<Xapian::Database> shards;  // each shard alone (sharing db's connections)
  bool remote = false;                   // no snapshot: a shard is remote, or shards are missing
  std::vector<std::string> missing;      // shards left out of a partial answer (their names)
  std::size_t generation = 0;            // the stub contents it was opened under
  Analyzer analyzer;
  RankScratch scratch;
  std::vector<std::size_t> facet_counts;  // FacetCounter's scratch: all zeros between calls
};

class ReaderPool {
 public:
  /// Opens one handle at once, so that a missing or incompatible index (or
  /// shard) fails here. `timeout_ms`: connecting to and each reply of a remote shard.
  ReaderPool(std::string path, unsigned timeout_ms);

  const std::string& path() const { return path_; }
  const ShardSet& shard_set() const { return set_; }

  /// Runs `fn(handle, snapshot)` on the newest revision, retrying when a writer
  /// commits under our feet (Xapian keeps only a couple of old revisions). A
  /// shard that is down or does not answer is Error{shard_unavailable} naming
  /// it; with `allow_partial`, `fn` runs over the shards that answer instead
  /// (Handle::missing names the others).
  template <typename Fn>
  auto with_reader(Fn&& fn, bool allow_partial = false) {
    for (int attempt = 0;; ++attempt) {
      try {
        Lease h = lease();
        try {
          refresh(*h.handle);
          auto snap = snapshot_for(*h.handle);
          return fn(*h.handle, *snap);
        } catch (const Xapian::DatabaseModifiedError&) {
          throw;  // the handle is sound: the next attempt's reopen() catches up
        } catch (const Xapian::Error&) {
          h.handle.reset();  // a network or database failure: a fresh handle next time
          throw;
        } catch (const Error& e) {
          if (e.kind() == ErrorKind::shard_unavailable) h.handle.reset();
          throw;
        }
      } catch (const Xapian::DatabaseModifiedError&) {
        if (attempt + 1 >= kRetries) throw Error(ErrorKind::internal, "index changed too often during the search; retry");
      } catch (const Xapian::NetworkError& e) {
        if (!allow_partial) throw Error(ErrorKind::shard_unavailable, "a shard failed during the search: " + e.get_msg());
        return run_partial(fn);
      } catch (const Error& e) {
        if (e.kind() != ErrorKind::shard_unavailable || !allow_partial) throw;
        return run_partial(fn);
      } catch (const Xapian::DatabaseError& e) {
        if (attempt + 1 >= kRetries) throw Error(ErrorKind::internal, "index read failed: " + e.get_description());
      } catch (const Xapian::Error& e) {
        throw Error(ErrorKind::internal, "search failed: " + e.get_description());
      }
    }
  }

 private:
  static constexpr int kRetries = 4;

  // A handle out of the pool, back in it when done (unless dropped as broken
  // or opened under an older stub).
  struct Lease {
    ReaderPool* owner;
    std::unique_ptr<Handle> handle;
    Lease(ReaderPool* o, std::unique_ptr<Handle> h) : owner(o), handle(std::move(h)) {}
    Lease(Lease&&) = default;
    ~Lease();
  };

  /// Opens every shard (or, `partial`, those that answer) and checks each one's metadata.
  std::unique_ptr<Handle> open_handle(bool partial = false) const;
  Lease lease();
  /// Reopens every shard to its newest revision, naming a shard that fails.
  void refresh(Handle& h) const;
  /// The snapshot matching the handle's revisions (building it if needed);
  /// for a remote handle, one that only counts documents.
  std::shared_ptr<const Snapshot> snapshot_for(const Handle& h);
  /// The identity (stat) of every stub file the set goes through (ours, and
  /// each replica folder's XAPIANDB): when it changes, every handle is opened
  /// anew. No file system call for a plain index folder.
  std::string stub_stamps() const;

  template <typename Fn>
  auto run_partial(Fn& fn) {
    const std::unique_ptr<Handle> h = open_handle(true);
    auto snap = snapshot_for(*h);
    try {
      return fn(*h, *snap);
    } catch (const Xapian::Error& e) {
      throw Error(ErrorKind::shard_unavailable, "partial search failed: " + e.get_description());
    }
  }

  std::string path_;
  ShardSet set_;
  unsigned timeout_ms_;
  std::vector<std::string> stubs_watched_;  // stub files whose change means new handles
  std::mutex mutex_;  // guards idle_, snapshot_, stubs_ and generation_
  std::vector<std::unique_ptr<Handle>> idle_;
  std::shared_ptr<const Snapshot> snapshot_;
  std::mutex snapshot_load_;
  std::string stubs_;
  std::size_t generation_ = 0;
};

}  // namespace studysearch
