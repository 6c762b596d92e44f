// The transactional writer. A run reads its input twice: first to validate
// every record (keeping only ids, so memory does not grow with record size),
// then to write inside one Xapian transaction. Xapian flushes batches to disk
// during the transaction without committing, so a kill at any moment leaves the
// last committed revision, and a failure cancels the whole run.
#include "studysearch/index_writer.hpp"

#include <fcntl.h>
#include <stdio.h>
#include <unistd.h>
#include <xapian.h>

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <deque>
#include <exception>
#include <optional>
#include <mutex>
#include <thread>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <set>
#include <unordered_map>

#include "document_builder.hpp"
#include "index_meta.hpp"
#include "ledger.hpp"
#include "studysearch/detail/schema.hpp"
#include "studysearch/error.hpp"

namespace studysearch {
namespace {

namespace fs = std::filesystem;

// One input of a run: a file, or standard input spooled to a temporary file
// so that it can be read twice.
struct Input {
  std::string name;  // as the user gave it, used in messages
  std::string path;  // what to open
  bool jsonl = false;
};

class StdinSpool {
 public:
  StdinSpool() = default;
  StdinSpool(const StdinSpool&) = delete;
  StdinSpool& operator=(const StdinSpool&) = delete;
  ~StdinSpool() {
    if (!path_.empty()) std::remove(path_.c_str());
  }
  const std::string& spool() {
    if (!path_.empty()) return path_;
    std::string pattern = (fs::temp_directory_path() / "studysearch-stdin-XXXXXX").string();
    const int fd = mkstemp(pattern.data());
    if (fd < 0) throw Error(ErrorKind::internal, "cannot create a temporary file for standard input");
    close(fd);
    path_ = pattern;
    std::ofstream out(path_, std::ios::binary);
    // Not `out << std::cin.rdbuf()`: that sets failbit on empty input, and
    // empty standard input is as valid as an empty file (zero records).
    std::copy(std::istreambuf_iterator<char>(std::cin), std::istreambuf_iterator<char>(),
              std::ostreambuf_iterator<char>(out));
    out.flush();
    if (!out) throw Error(ErrorKind::internal, "cannot spool standard input to " + path_);
    return path_;
  }

 private:
  std::string path_;
};

void read_input(const Input& input, const ReaderOptions& options, const RecordSink& sink) {
  if (!input.jsonl) return read_file(input.path, options, sink);
  std::ifstream in(input.path, std::ios::binary);
  read_jsonl(in, input.name, options, sink);
}

std::string where(const std::string& file, std::size_t line) { return file + ":" + std::to_string(line); }

// Validation state of a run: first place of every id, records to leave out,
// and the deletions readers asked for. For each id the last word in input
// order wins: a study followed by its deletion is left out and the deletion
// applied; a deletion followed by a study is dropped (the study replaces).
struct Validation {
  struct Seen {
    std::string file;
    std::size_t line = 0;
    std::size_t order = 0;  // position among studies and deletions
  };
  std::unordered_map<std::string, Seen> first_seen;          // id -> first study of that id (latest revision)
  std::set<std::pair<std::string, std::size_t>> left_out;    // (file, line): duplicates, superseded
  std::unordered_map<std::string, std::size_t> deletions;    // id -> order of its last deletion
  std::vector<RecordIssue> issues;
  std::size_t valid = 0;           // studies to write
  std::size_t reader_issues = 0;   // issues the readers reported (not duplicates)
  std::size_t without_abstract = 0;
  std::size_t delete_requests = 0;
  std::size_t order = 0;

  void study(const SourcedStudy& record) {
    auto [it, inserted] = first_seen.emplace(record.study.id, Seen{record.file, record.line, order++});
    if (inserted) {
      ++valid;
      return;
    }
    if (record.revision) {  // the later version wins; the earlier one is not written
      left_out.emplace(it->second.file, it->second.line);
      it->second = Seen{record.file, record.line, order - 1};
      return;
    }
    left_out.emplace(record.file, record.line);
    issues.push_back({record.file, record.line, "id",
                      "duplicate id '" + record.study.id + "' (first at " + where(it->second.file, it->second.line) +
                          ")"});
  }
  void deletion(const RecordDeletion& record) {
    if (record.cause == RecordDeletion::Cause::no_abstract) ++without_abstract;
    else ++delete_requests;
    deletions[record.id] = order++;
  }
  // Once every record has been seen: which of the two wins for ids with both.
  void resolve() {
    for (auto it = deletions.begin(); it != deletions.end();) {
      const auto study = first_seen.find(it->first);
      if (study != first_seen.end() && study->second.order > it->second) {
        it = deletions.erase(it);  // re-added after its deletion
        continue;
      }
      if (study != first_seen.end() && left_out.emplace(study->second.file, study->second.line).second) --valid;
      ++it;
    }
    // Only this pass needs every id: freed before the write pass, whose
    // allocations (Xapian's, on this thread) reuse the memory.
    first_seen = {};
  }
  RecordSink checker() {
    RecordSink check;
    check.on_study = [this](SourcedStudy&& record) { study(record); };
    check.on_issue = [this](RecordIssue&& issue) {
      ++reader_issues;
      issues.push_back(std::move(issue));
    };
    check.on_delete = [this](RecordDeletion&& record) { deletion(record); };
    return check;
  }
};

[[noreturn]] void throw_invalid(const std::vector<RecordIssue>& issues) {
  std::string message = std::to_string(issues.size()) + " invalid record" + (issues.size() == 1 ? "" : "s") +
                        "; nothing was written";
  message += "\n" + list_issues(issues);
  throw Error(ErrorKind::invalid_input, message);
}

// Cancels the open transaction and rethrows, Xapian errors as Error{internal}.
[[noreturn]] void abort_transaction(Xapian::WritableDatabase& db) {
  try {
    db.cancel_transaction();
  } catch (const Xapian::Error&) {
  }
  try {
    throw;
  } catch (const Xapian::Error& e) {
    throw Error(ErrorKind::internal, "index write failed, nothing was written: " + e.get_description());
  }
}

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

// The hidden work folder of a bulk load into `target`, beside it (same file
// system, so that the two can be swapped).
fs::path bulk_folder(const fs::path& target, const std::string& tag) {
  return target.parent_path() / ("." + target.filename().string() + ".bulk-" + tag);
}

double seconds_since(std::chrono::steady_clock::time_point start) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
}

}  // namespace

struct IndexWriter::Impl {
  std::string path;
  Xapian::WritableDatabase db;
  Analyzer analyzer;
  IndexSettings settings;

  // Writes every valid record delivered by `for_each` in one transaction.
  // Two threads: a producer reads, parses and analyses records into Xapian
  // documents (with its own Analyzer); this thread only touches the database.
  // `ledger_entry` (apply_file) is recorded in the same commit.
  IndexReport write(const std::function<void(const RecordSink&)>& for_each, Validation& validation,
                    const WriterOptions& options, std::chrono::steady_clock::time_point start,
                    const AppliedFile* ledger_entry = nullptr) {
    IndexReport report;
    report.issues = std::move(validation.issues);
    if (!report.issues.empty() && !options.skip_invalid) throw_invalid(report.issues);
    report.without_abstract = validation.without_abstract;
    report.delete_requests = validation.delete_requests;
    report.skipped = report.issues.size() + validation.without_abstract;
    if (auto bulk = bulk_write(for_each, validation, options, report, start)) return std::move(*bulk);

    DocumentQueue queue;
    std::exception_ptr producer_error;
    std::size_t reader_issues = 0;
    std::thread producer([&] {
      try {
        produce(for_each, validation, queue, reader_issues);
      } catch (const DocumentQueue::Closed&) {
      } catch (...) {
        producer_error = std::current_exception();
      }
      queue.close();
    });

    std::size_t done = 0;
    // Into an empty index every record is new: skip the existence lookups.
    const bool was_empty = db.get_doccount() == 0;
    try {
      db.begin_transaction(true);
      DocumentBatch batch;
      while (queue.pop(batch)) {
        for (auto& [id_term, doc] : batch.documents) {
          const bool existed = !was_empty && db.term_exists(id_term);
          if (existed) forget_words(id_term);
          if (existed) db.replace_document(id_term, doc);
          else db.add_document(doc);
          ++(existed ? report.replaced : report.added);
          if (options.progress && ++done % 1000 == 0) options.progress(IndexPhase::writing, done, validation.valid);
        }
        for (const auto& [word, count] : batch.words) db.add_spelling(word, count);
      }
      producer.join();
      if (producer_error) std::rethrow_exception(producer_error);
      done = report.added + report.replaced;
      // Pass one said these records were valid; a new problem means the input changed.
      if (reader_issues != validation.reader_issues || done < validation.valid)
        throw Error(ErrorKind::invalid_input, "input changed while it was being indexed; nothing was written");
      // After the additions: a deletion that survived resolve() is its id's last word.
      for (const auto& [id, order] : validation.deletions) {
        const std::string id_term = schema::term(schema::kId, id);
        if (!db.term_exists(id_term)) continue;
        forget_words(id_term);
        db.delete_document(id_term);
        ++report.deleted;
      }
      if (ledger_entry) meta::record_applied(db, *ledger_entry);
      db.commit_transaction();
    } catch (...) {
      queue.close();
      if (producer.joinable()) producer.join();
      abort_transaction(db);
    }
    if (options.progress) options.progress(IndexPhase::writing, done, validation.valid);
    report.seconds = seconds_since(start);
    return report;
  }

  // Bulk load (WriterOptions::bulk_min_records): a fresh index is written as
  // parts in parallel, each part a contiguous range of the records (one
  // thread analysing, one writing), merged in order by compaction (so docids
  // follow the input, as with one writer), then swapped in with one atomic
  // exchange of two folders. Until that exchange the index is untouched; a
  // crash leaves only a hidden work folder, removed by the next writer.
  // Returns nullopt, having written nothing, when bulk loading does not apply.
  std::optional<IndexReport> bulk_write(const std::function<void(const RecordSink&)>& for_each,
                                        const Validation& validation, const WriterOptions& options,
                                        IndexReport& report, std::chrono::steady_clock::time_point start) {
    const unsigned shards = options.shards ? options.shards
                                           : std::min(4u, std::max(1u, std::thread::hardware_concurrency()));
    const std::size_t total = validation.valid;
    if (options.bulk_min_records == 0 || total < options.bulk_min_records || shards < 2 ||
        db.get_doccount() != 0 || db.get_revision() > 1)
      return std::nullopt;
    const fs::path target = fs::absolute(path);
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
          produce(for_each, validation, *queues[k], reader_issues[k], first, end);
        } catch (const DocumentQueue::Closed&) {
        } catch (...) {
          errors[2 * k] = std::current_exception();
        }
        queues[k]->close();
        --running;
      });
      threads.emplace_back([&, k] {
        try {
          write_shard(work / ("part-" + std::to_string(k)), *queues[k], done);
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
      throw Error(ErrorKind::internal, path + ": cannot swap the new index in; nothing was written");
    // The lock we hold is on the old folder: take the new one's, and commit
    // once so that readers see a revision other than the empty index's.
    db.close();
    try {
      db = Xapian::WritableDatabase(path, Xapian::DB_OPEN | Xapian::DB_BACKEND_GLASS);
      db.set_metadata(std::string(schema::kMetaBulkLoad), std::to_string(total));
      db.commit();
    } catch (const Xapian::Error& e) {
      throw Error(ErrorKind::internal, path + ": index written, but reopening it failed: " + e.get_description());
    }
    report.added = total;
    if (options.progress) options.progress(IndexPhase::merging, total, total);
    report.seconds = seconds_since(start);
    return std::move(report);
  }

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
  void write_shard(const fs::path& dir, DocumentQueue& queue, std::atomic<std::size_t>& done) const {
    constexpr std::size_t kPartCommitEvery = 256;
    Xapian::WritableDatabase part(dir.string(), Xapian::DB_CREATE | Xapian::DB_BACKEND_GLASS | Xapian::DB_NO_SYNC);
    meta::write(part, analyzer.settings(), settings);
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

  IndexReport index_files(const std::vector<std::string>& paths, const WriterOptions& options,
                          const AppliedFile* ledger_entry) {
    const auto start = std::chrono::steady_clock::now();
    StdinSpool stdin_spool;
    std::vector<Input> inputs;
    for (const auto& path : paths) {
      if (path == "-") inputs.push_back({"<stdin>", stdin_spool.spool(), true});
      else inputs.push_back({path, path, false});
    }
    Validation validation;
    RecordSink check = validation.checker();
    if (options.progress) {  // reading phase: records read so far, total not known yet
      check.on_study = [&validation, &options, read = std::size_t{0}](SourcedStudy&& record) mutable {
        validation.study(record);
        if (++read % 1000 == 0) options.progress(IndexPhase::reading, read, 0);
      };
    }
    for (const auto& input : inputs) read_input(input, options.reader, check);
    validation.resolve();
    return write(
        [&](const RecordSink& sink) {
          for (const auto& input : inputs) read_input(input, options.reader, sink);
        },
        validation, options, start, ledger_entry);
  }

  // Takes the words of the stored study with this id out of the spelling
  // table, so completion and did-you-mean forget replaced and deleted text.
  void forget_words(const std::string& id_term) {
    Xapian::PostingIterator it = db.postlist_begin(id_term);
    if (it == db.postlist_end(id_term)) return;
    std::vector<FieldProblem> problems;
    const Study old = study_from_json(db.get_document(*it).get_data(), problems);
    WordCounts words;
    count_words(old, analyzer, words);
    for (const auto& [word, count] : words) db.remove_spelling(word, count);
  }

  // Analyses the records numbered [first, end) among those to write (valid,
  // and the first of their id) into documents for `queue`.
  void produce(const std::function<void(const RecordSink&)>& for_each, const Validation& validation,
               DocumentQueue& queue, std::size_t& reader_issues, std::size_t first = 0,
               std::size_t end = SIZE_MAX) const {
    const Analyzer local_analyzer(analyzer.settings());
    const DocumentBuilder builder(local_analyzer, settings);
    DocumentBatch batch;
    WordCounts words;
    std::size_t since_words = 0;
    RecordSink sink;
    std::size_t index = 0;
    sink.on_study = [&](SourcedStudy&& record) {
      if (validation.left_out.count({record.file, record.line})) return;
      const std::size_t i = index++;
      if (i < first || i >= end) return;
      batch.documents.emplace_back(schema::term(schema::kId, record.study.id), builder.build(record.study, &words));
      if (batch.documents.size() < kBatchDocuments) return;
      if ((since_words += batch.documents.size()) >= kSpellingEvery) {
        batch.words = std::move(words);
        words.clear();
        since_words = 0;
      }
      queue.push(std::move(batch));
      batch = {};
    };
    sink.on_issue = [&](RecordIssue&&) { ++reader_issues; };
    sink.on_delete = [](RecordDeletion&&) {};  // known from the validation pass
    for_each(sink);
    batch.words = std::move(words);
    queue.push(std::move(batch));
  }
};

IndexWriter::IndexWriter(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
IndexWriter::IndexWriter(IndexWriter&&) noexcept = default;
IndexWriter& IndexWriter::operator=(IndexWriter&&) noexcept = default;
IndexWriter::~IndexWriter() = default;

IndexWriter IndexWriter::open(const std::string& path, std::optional<IndexSettings> settings) {
  std::error_code ec;
  fs::create_directories(path, ec);
  if (ec) throw Error(ErrorKind::index_missing, path + ": cannot create index folder: " + ec.message());
  auto impl = std::make_unique<Impl>();
  impl->path = path;
  try {
    impl->db = Xapian::WritableDatabase(path, Xapian::DB_CREATE_OR_OPEN | Xapian::DB_BACKEND_GLASS);
  } catch (const Xapian::DatabaseLockError&) {
    throw Error(ErrorKind::busy, path + ": index is locked by another writer; try again when it has finished");
  } catch (const Xapian::DatabaseError& e) {
    throw Error(ErrorKind::index_incompatible, path + ": cannot open index: " + e.get_description());
  }
  // Work folders of bulk loads that died (we hold the lock: none is running).
  std::error_code ignored;
  const fs::path target = fs::absolute(path);
  const std::string stale = bulk_folder(target, "").filename().string();
  std::vector<fs::path> leftovers;
  for (const auto& entry : fs::directory_iterator(target.parent_path(), ignored))
    if (entry.path().filename().string().rfind(stale, 0) == 0) leftovers.push_back(entry.path());
  for (const auto& dir : leftovers) fs::remove_all(dir, ignored);
  if (meta::is_fresh(impl->db)) {
    impl->settings = settings.value_or(IndexSettings{});
    meta::write(impl->db, impl->analyzer.settings(), impl->settings);
    impl->db.commit();
  } else {
    impl->settings = meta::check(impl->db, impl->analyzer.settings(), path);
    if (settings && *settings != impl->settings)
      throw Error(ErrorKind::index_incompatible,
                  path + ": index was built with settings '" + meta::serialize(impl->settings) + "', not '" +
                      meta::serialize(*settings) + "'; rebuild it into a new folder to change them");
  }
  return IndexWriter(std::move(impl));
}

const IndexSettings& IndexWriter::settings() const { return impl_->settings; }

IndexReport IndexWriter::index_files(const std::vector<std::string>& paths, const WriterOptions& options) {
  return impl_->index_files(paths, options, nullptr);
}

IndexReport IndexWriter::apply_file(const std::string& path, const AppliedFile& entry, WriterOptions options) {
  if (impl_->db.get_metadata("studysearch.applied/" + entry.name).size())
    throw Error(ErrorKind::invalid_input, entry.name + ": already applied to this index");
  options.bulk_min_records = 0;  // a bulk load's swap could not carry the ledger entry in the same commit
  return impl_->index_files({path}, options, &entry);
}

std::vector<AppliedFile> IndexWriter::applied_files() const { return meta::applied_files(impl_->db); }

IndexReport IndexWriter::index_studies(const std::vector<SourcedStudy>& studies, const WriterOptions& options) {
  const auto start = std::chrono::steady_clock::now();
  Validation validation;
  std::vector<bool> valid(studies.size(), false);
  for (std::size_t i = 0; i < studies.size(); ++i) {
    const auto problems = validate(studies[i].study);
    for (const auto& problem : problems)
      validation.issues.push_back({studies[i].file, studies[i].line, problem.field, problem.reason});
    if (problems.empty()) {
      valid[i] = true;
      validation.study(studies[i]);
    }
  }
  return impl_->write(
      [&](const RecordSink& sink) {
        for (std::size_t i = 0; i < studies.size(); ++i)
          if (valid[i]) sink.on_study(SourcedStudy(studies[i]));
      },
      validation, options, start);
}

IndexReport IndexWriter::delete_ids(const std::vector<std::string>& ids) {
  const auto start = std::chrono::steady_clock::now();
  auto& db = impl_->db;
  std::string missing;
  for (const auto& id : ids)
    if (!db.term_exists(schema::term(schema::kId, id))) missing += (missing.empty() ? "'" : ", '") + id + "'";
  if (!missing.empty()) throw Error(ErrorKind::not_found, "no study with id " + missing + "; nothing was deleted");
  IndexReport report;
  db.begin_transaction(true);
  try {
    for (const auto& id : ids) {
      const std::string id_term = schema::term(schema::kId, id);
      if (!db.term_exists(id_term)) continue;  // listed twice
      impl_->forget_words(id_term);
      db.delete_document(id_term);
      ++report.deleted;
    }
    db.commit_transaction();
  } catch (...) {
    abort_transaction(db);
  }
  report.seconds = seconds_since(start);
  return report;
}

std::size_t IndexWriter::document_count() const { return impl_->db.get_doccount(); }

const char* to_string(IndexPhase phase) {
  switch (phase) {
    case IndexPhase::reading: return "reading";
    case IndexPhase::writing: return "writing";
    case IndexPhase::merging: return "merging";
  }
  return "?";
}

std::string list_issues(const std::vector<RecordIssue>& issues, std::size_t max_shown) {
  std::string out;
  const std::size_t shown = std::min(issues.size(), max_shown);
  for (std::size_t i = 0; i < shown; ++i) out += (i ? "\n" : "") + issues[i].message();
  if (issues.size() > shown) out += "\n... and " + std::to_string(issues.size() - shown) + " more";
  return out;
}

void compact_index(const std::string& from, const std::string& to) {
  std::error_code ec;
  if (fs::exists(to, ec)) throw Error(ErrorKind::invalid_input, to + ": already exists; compact into a new folder");
  Xapian::Database source;
  try {
    source = Xapian::Database(from, Xapian::DB_BACKEND_GLASS);
  } catch (const Xapian::DatabaseOpeningError& e) {
    throw Error(ErrorKind::index_missing, from + ": no usable index here (" + e.get_msg() + ")");
  }
  meta::check(source, Analyzer().settings(), from);
  const fs::path target = fs::absolute(to);
  const fs::path partial = target.parent_path() / ("." + target.filename().string() + ".compacting-" +
                                                   std::to_string(getpid()));
  fs::remove_all(partial, ec);
  try {
    source.compact(partial.string(), Xapian::DBCOMPACT_NO_RENUMBER);
    fs::rename(partial, target);
  } catch (const Xapian::Error& e) {
    fs::remove_all(partial, ec);
    throw Error(ErrorKind::internal, "compacting " + from + " failed: " + e.get_description());
  } catch (const fs::filesystem_error& e) {
    fs::remove_all(partial, ec);
    throw Error(ErrorKind::internal, "compacting " + from + " failed: " + e.what());
  }
}

}  // namespace studysearch
