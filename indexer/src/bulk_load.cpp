#include "bulk_load.hpp"

#include <fcntl.h>
#include <stdio.h>
#include <unistd.h>

#include <atomic>
#include <exception>
#include <memory>
#include <thread>
#include <vector>

#include "index_meta.hpp"
#include "studysearch/detail/schema.hpp"
#include "studysearch/error.hpp"

namespace studysearch {
namespace {

namespace fs = std::filesystem;

// One part of a bulk load: a plain new database. A part is not the index
// (that is swapped in whole, after the merge), so it is committed every
// kPartCommitEvery documents, which bounds what Xapian holds in memory
// until a commit: the posting and position changes of up to
// XAPIAN_FLUSH_THRESHOLD documents (~16 MB per part for 1,000 PubMed
// citations), every document's values and the spelling changes. Measured
// on 30,200 citations, 2 parts: peak RSS 98 MB committing once, 78 MB
// every 1,024 documents, 66 MB every 256, and less CPU too (25.4, 25.2,
// 21.4 s user). No fsync for parts (DB_NO_SYNC): a crash discards the work
// folder anyway, and compaction syncs the merged index it writes.
void write_shard(const BulkTarget& t, const fs::path& dir, DocumentQueue& queue, std::atomic<std::size_t>& done) {
  constexpr std::size_t kPartCommitEvery = 256;
  Xapian::WritableDatabase part(dir.string(), Xapian::DB_CREATE | Xapian::DB_BACKEND_GLASS | Xapian::DB_NO_SYNC);
  meta::write(part, t.analyzer, t.settings);
  DocumentBatch batch;
  std::size_t since_commit = 0;
  while (queue.pop(batch)) {
    for (auto& entry : batch.documents) part.add_document(entry.second);
    done += batch.documents.size();
    for (const auto& [word, count] : batch.words) part.add_spelling(word, count);
    if ((since_commit += batch.documents.size()) >= kPartCommitEvery) {
      part.commit();
      since_commit = 0;
    }
  }
  part.commit();
}

}  // namespace

std::filesystem::path bulk_folder(const std::filesystem::path& target, const std::string& tag) {
  return target.parent_path() / ("." + target.filename().string() + ".bulk-" + tag);
}

std::optional<IndexReport> bulk_write(const BulkTarget& t, const Validation& validation, const WriterOptions& options,
                                      IndexReport& report, std::chrono::steady_clock::time_point start) {
  const unsigned shards = options.shards ? options.shards
                                         : std::min(4u, std::max(1u, std::thread::hardware_concurrency()));
  const std::size_t total = validation.valid;
  if (options.bulk_min_records == 0 || total < options.bulk_min_records || shards < 2 ||
      t.db.get_doccount() != 0 || t.db.get_revision() > 1)
    return std::nullopt;
  const fs::path target = fs::absolute(t.path);
  const fs::path work = bulk_folder(target, std::to_string(getpid()));
  std::error_code ec;
  fs::remove_all(work, ec);
  struct Cleanup {
    fs::path dir;
    ~Cleanup() {
      std::error_code e;
      fs::remove_all(dir, e);
    }
  } cleanup{work};
  // The file system must swap folders atomically (Linux renameat2).
  if (!fs::create_directories(work / "probe-a", ec) || !fs::create_directories(work / "probe-b", ec) ||
      renameat2(AT_FDCWD, (work / "probe-a").c_str(), AT_FDCWD, (work / "probe-b").c_str(), RENAME_EXCHANGE) != 0)
    return std::nullopt;

  std::vector<std::unique_ptr<DocumentQueue>> queues;
  std::vector<std::size_t> reader_issues(shards, 0);
  std::vector<std::exception_ptr> errors(2 * shards);
  std::atomic<std::size_t> done{0};
  std::atomic<unsigned> running{2 * shards};
  std::vector<std::thread> threads;
  for (unsigned k = 0; k < shards; ++k) queues.push_back(std::make_unique<DocumentQueue>());
  for (unsigned k = 0; k < shards; ++k) {
    const std::size_t first = total * k / shards, end = total * (k + 1) / shards;
    threads.emplace_back([&, k, first, end] {
      try {
        t.produce(*queues[k], reader_issues[k], first, end);
      } catch (const DocumentQueue::Closed&) {
      } catch (...) {
        errors[2 * k] = std::current_exception();
      }
      queues[k]->close();
      --running;
    });
    threads.emplace_back([&, k] {
      try {
        write_shard(t, work / ("part-" + std::to_string(k)), *queues[k], done);
      } catch (...) {
        errors[2 * k + 1] = std::current_exception();
        for (auto& q : queues) q->close();  // stop every part: the run has failed
      }
      --running;
    });
  }
  while (running > 0) {
    if (options.progress) options.progress(IndexPhase::writing, done, total);
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  for (auto& t : threads) t.join();
  if (options.progress) options.progress(IndexPhase::writing, done, total);
  try {
    for (const auto& e : errors)
      if (e) std::rethrow_exception(e);
    std::size_t all = done;
    for (unsigned k = 0; k < shards; ++k)
      if (reader_issues[k] != validation.reader_issues) all = SIZE_MAX;
    if (all != total) throw Error(ErrorKind::invalid_input, "input changed while it was being indexed; nothing was written");
    if (options.progress) options.progress(IndexPhase::merging, 0, total);
    Xapian::Database parts;
    for (unsigned k = 0; k < shards; ++k)
      parts.add_database(Xapian::Database((work / ("part-" + std::to_string(k))).string()));
    parts.compact((work / "merged").string());
  } catch (const Xapian::Error& e) {
    throw Error(ErrorKind::internal, "index write failed, nothing was written: " + e.get_description());
  }
  if (renameat2(AT_FDCWD, (work / "merged").c_str(), AT_FDCWD, target.c_str(), RENAME_EXCHANGE) != 0)
    throw Error(ErrorKind::internal, t.path + ": cannot swap the new index in; nothing was written");
  // The lock we hold is on the old folder: take the new one's, and commit
  // once so that readers see a revision other than the empty index's.
  t.db.close();
  try {
    t.db = Xapian::WritableDatabase(t.path, Xapian::DB_OPEN | Xapian::DB_BACKEND_GLASS);
    t.db.set_metadata(std::string(schema::kMetaBulkLoad), std::to_string(total));
    t.db.commit();
  } catch (const Xapian::Error& e) {
    throw Error(ErrorKind::internal, t.path + ": index written, but reopening it failed: " + e.get_description());
  }
  report.added = total;
  if (options.progress) options.progress(IndexPhase::merging, total, total);
  report.seconds = seconds_since(start);
  return std::move(report);
}

}  // namespace studysearch
