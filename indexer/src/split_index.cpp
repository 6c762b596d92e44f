// `studysearch shard`: an index split into a shard set (studysearch/shards.hpp).
// Documents are copied as stored, not rebuilt: exact, and about as fast as
// Xapian can write. One thread per shard (at most max(4, cores) at a time),
// each scanning the source in docid order for the documents its shard owns
// and committing every kCommitEvery of them into a part, which is then
// compacted into the shard (as a bulk load's parts are); the whole set is
// built in a work folder beside `out` and renamed into place at the end.
#include <unistd.h>
#include <xapian.h>

#include <algorithm>
#include <atomic>
#include <cstdint>
#include <exception>
#include <filesystem>
#include <mutex>
#include <thread>
#include <unordered_set>

#include "index_meta.hpp"
#include "shard_set.hpp"
#include "studysearch/analyzer.hpp"
#include "studysearch/detail/schema.hpp"
#include "studysearch/error.hpp"
#include "studysearch/shards.hpp"

namespace studysearch {
namespace {

namespace fs = std::filesystem;
using Clock = std::chrono::steady_clock;

constexpr std::size_t kMaxShards = 1024;
// Documents per shard between commits: small batches keep Xapian's in-memory
// posting maps small, which is faster (as for bulk-load parts, bulk_load.cpp).
constexpr std::size_t kCommitEvery = 256;
// Documents per shard read at a time (read_batch): larger batches read the
// position table more sequentially; this many hold ~50 MB in memory.
constexpr std::size_t kReadBatch = 4096;
constexpr std::uint16_t kNoOwner = 0xffff;

std::string shard_folder(std::size_t k) { return "shard_" + std::to_string(k); }
std::string part_folder(std::size_t k) { return "part_" + std::to_string(k); }  // before compaction

Xapian::Database open_source(const std::string& from) {
  if (is_shard_stub(from))
    throw Error(ErrorKind::invalid_input, from + ": is a shard-set stub; split an index folder");
  try {
    Xapian::Database db(from, Xapian::DB_BACKEND_GLASS);
    meta::check(db, Analyzer().settings(), from);
    return db;
  } catch (const Xapian::DatabaseNotFoundError&) {
    throw Error(ErrorKind::index_missing, from + ": no index here");
  } catch (const Xapian::DatabaseOpeningError& e) {
    throw Error(ErrorKind::index_missing, from + ": no usable index here (" + e.get_msg() + ")");
  }
}

// The owner shard of every document, by docid, from the id terms.
std::vector<std::uint16_t> owners(const Xapian::Database& source, std::size_t shards, const std::string& from) {
  std::vector<std::uint16_t> owner(source.get_lastdocid() + 1, kNoOwner);
  const std::string prefix(schema::kId);
  std::size_t owned = 0;
  for (auto term = source.allterms_begin(prefix); term != source.allterms_end(prefix); ++term) {
    const auto shard = static_cast<std::uint16_t>(owner_shard(std::string_view(*term).substr(prefix.size()), shards));
    for (auto post = source.postlist_begin(*term); post != source.postlist_end(*term); ++post, ++owned)
      owner[*post] = shard;
  }
  if (owned != source.get_doccount())
    throw Error(ErrorKind::index_incompatible, from + ": " + std::to_string(source.get_doccount()) +
                                                   " documents but " + std::to_string(owned) +
                                                   " id terms; the index is damaged");
  return owner;
}

// Every metadata key of the source but the record of how its folder was
// made, and the shard's label.
void copy_metadata(const Xapian::Database& source, Xapian::WritableDatabase& shard, std::size_t k, std::size_t n) {
  for (auto key = source.metadata_keys_begin(); key != source.metadata_keys_end(); ++key)
    if (*key != schema::kMetaBulkLoad) shard.set_metadata(*key, source.get_metadata(*key));
  shard.set_metadata(std::string(kMetaShard), std::to_string(k) + "/" + std::to_string(n));
}


// The documents `ids` of the source, rebuilt in memory exactly as stored
// (data, values, terms with their wdf, positions). Termlists first, then
// every position list in (term, docid) order, the order of the position
// table's keys, so that Xapian reads that table sequentially (document by
// document, each list costs a B-tree descent: 3x slower at 100k studies).
// Positions are gathered per document first and each document is built in
// one go: filling thousands of documents term by term misses the cache.
std::vector<Xapian::Document> read_batch(const Xapian::Database& source, const std::vector<Xapian::docid>& ids) {
  struct Term {
    const std::string* term;
    Xapian::termcount wdf;
    std::vector<Xapian::termpos> positions;
  };
  struct Posting {
    const std::string* term;
    std::uint32_t doc;   // index into ids
    std::uint32_t slot;  // index into that document's terms
  };
  std::vector<Xapian::Document> docs(ids.size());
  std::vector<std::vector<Term>> terms_of(ids.size());
  std::unordered_set<std::string> names;
  std::vector<Posting> postings;
  for (std::uint32_t i = 0; i < ids.size(); ++i) {
    const Xapian::Document stored = source.get_document(ids[i], Xapian::DOC_ASSUME_VALID);
    docs[i].set_data(stored.get_data());
    for (auto v = stored.values_begin(); v != stored.values_end(); ++v) docs[i].add_value(v.get_valueno(), *v);
    for (auto t = source.termlist_begin(ids[i]); t != source.termlist_end(ids[i]); ++t) {
      const std::string* name = &*names.insert(*t).first;
      postings.push_back({name, i, static_cast<std::uint32_t>(terms_of[i].size())});
      terms_of[i].push_back({name, t.get_wdf(), {}});
    }
  }
  std::sort(postings.begin(), postings.end(), [](const Posting& a, const Posting& b) {
    return a.term != b.term ? *a.term < *b.term : a.doc < b.doc;
  });
  for (const auto& p : postings) {
    const Xapian::docid id = ids[p.doc];
    auto& positions = terms_of[p.doc][p.slot].positions;
    for (auto pos = source.positionlist_begin(id, *p.term); pos != source.positionlist_end(id, *p.term); ++pos)
      positions.push_back(*pos);
  }
  for (std::uint32_t i = 0; i < ids.size(); ++i) {
    for (const auto& t : terms_of[i]) {
      for (const Xapian::termpos pos : t.positions) docs[i].add_posting(*t.term, pos, 0);
      docs[i].add_term(*t.term, t.wdf);  // the wdf as stored (weights are not one per position)
    }
    terms_of[i] = {};
  }
  return docs;
}

// Writes shard k: the documents it owns in source docid order, the source's
// whole spelling table (the remote protocol serves no spelling, so a search
// host reads it from its local shards: each one must have all of it; over
// several local shards Xapian sums the tables, the same words N times over,
// which suggests and completes exactly as one index), the metadata.
void write_shard(const std::string& from, const std::vector<std::uint16_t>& owner, std::size_t k, std::size_t n,
                 const fs::path& folder, std::atomic<std::size_t>& done) {
  const Xapian::Database source(from, Xapian::DB_BACKEND_GLASS);
  // No fsync: the work folder is thrown away on failure, and compaction writes
  // (and syncs) the final shard.
  Xapian::WritableDatabase shard(folder.string(), Xapian::DB_CREATE | Xapian::DB_BACKEND_GLASS | Xapian::DB_NO_SYNC);
  copy_metadata(source, shard, k, n);
  std::vector<Xapian::docid> batch;
  const auto write_batch = [&] {
    std::size_t since_commit = 0;
    for (const auto& doc : read_batch(source, batch)) {
      shard.add_document(doc);
      ++done;
      if (++since_commit % kCommitEvery == 0) shard.commit();
    }
    batch.clear();
  };
  for (Xapian::docid id = 1; id < owner.size(); ++id) {
    if (owner[id] != k) continue;
    batch.push_back(id);
    if (batch.size() == kReadBatch) write_batch();
  }
  write_batch();
  for (auto word = source.spellings_begin(); word != source.spellings_end(); ++word)
    shard.add_spelling(*word, word.get_termfreq());
  shard.commit();
}

// Runs write_shard for every shard, a few threads at a time, reporting progress
// from this thread. Rethrows the first worker's failure.
void write_shards(const std::string& from, const std::vector<std::uint16_t>& owner, std::size_t n,
                  const fs::path& work, std::size_t total,
                  const std::function<void(std::size_t, std::size_t)>& progress) {
  std::atomic<std::size_t> next{0}, done{0};
  std::atomic<bool> failed{false};
  std::exception_ptr error;
  std::mutex error_mutex;
  const std::size_t threads = std::min<std::size_t>(n, std::max(4u, std::thread::hardware_concurrency()));
  std::vector<std::thread> workers;
  for (std::size_t t = 0; t < threads; ++t)
    workers.emplace_back([&] {
      for (std::size_t k; !failed && (k = next++) < n;) {
        try {
          write_shard(from, owner, k, n, work / part_folder(k), done);
        } catch (...) {
          const std::lock_guard lock(error_mutex);
          if (!error) error = std::current_exception();
          failed = true;
        }
      }
    });
  std::atomic<bool> finished{false};
  std::thread reporter;
  if (progress)
    reporter = std::thread([&] {
      while (!finished) {
        progress(done, total);
        std::this_thread::sleep_for(std::chrono::milliseconds(200));
      }
    });
  for (auto& w : workers) w.join();
  finished = true;
  if (reporter.joinable()) reporter.join();
  if (error) std::rethrow_exception(error);
  if (progress) progress(done, total);
}

}  // namespace

SplitReport split_index(const std::string& from, std::size_t shards, const std::string& out,
                        const std::function<void(std::size_t done, std::size_t total)>& progress) {
  const auto start = Clock::now();
  if (shards < 1 || shards > kMaxShards)
    throw Error(ErrorKind::invalid_input, "--shards must be 1.." + std::to_string(kMaxShards) + ", not " +
                                              std::to_string(shards));
  std::error_code ec;
  if (fs::exists(out, ec))
    throw Error(ErrorKind::invalid_input, out + ": already exists; split into a new folder");
  const Xapian::Database source = open_source(from);
  const fs::path target = fs::absolute(out);
  const fs::path work = target.string() + ".tmp-" + std::to_string(getpid());
  fs::remove_all(work, ec);
  SplitReport report;
  try {
    fs::create_directories(work);
    const auto owner = owners(source, shards, from);
    report.documents = source.get_doccount();
    report.per_shard.assign(shards, 0);
    for (std::size_t id = 1; id < owner.size(); ++id)
      if (owner[id] != kNoOwner) ++report.per_shard[owner[id]];
    write_shards(from, owner, shards, work, report.documents, progress);
    for (std::size_t k = 0; k < shards; ++k) {  // full blocks, synced (as after a bulk load)
      Xapian::Database((work / part_folder(k)).string(), Xapian::DB_BACKEND_GLASS)
          .compact((work / shard_folder(k)).string(), Xapian::DBCOMPACT_NO_RENUMBER);
      fs::remove_all(work / part_folder(k));
    }
    std::vector<ShardSpec> specs;
    for (std::size_t k = 0; k < shards; ++k) specs.push_back(ShardSpec{ShardSpec::Kind::local, shard_folder(k), "", 0, k});
    write_stub((work / "shards.stub").string(), specs);
    fs::rename(work, target);
  } catch (const Xapian::Error& e) {
    fs::remove_all(work, ec);
    throw Error(ErrorKind::internal, "splitting " + from + " failed, nothing was written: " + e.get_description());
  } catch (const fs::filesystem_error& e) {
    fs::remove_all(work, ec);
    throw Error(ErrorKind::internal, "splitting " + from + " failed, nothing was written: " + e.what());
  } catch (...) {
    fs::remove_all(work, ec);
    throw;
  }
  report.seconds = std::chrono::duration<double>(Clock::now() - start).count();
  return report;
}

}  // namespace studysearch
