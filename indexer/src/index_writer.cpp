// The transactional writer (bulk loads: bulk_load.cpp; the validation pass:
// write_input.cpp). A run reads its input twice: first to validate
// every record (keeping only ids, so memory does not grow with record size),
// then to write inside one Xapian transaction. Xapian flushes batches to disk
// during the transaction without committing, so a kill at any moment leaves the
// last committed revision, and a failure cancels the whole run.
#include "studysearch/index_writer.hpp"

#include <xapian.h>

#include <chrono>
#include <exception>
#include <filesystem>
#include <optional>
#include <thread>

#include "bulk_load.hpp"
#include "document_builder.hpp"
#include "document_queue.hpp"
#include "index_meta.hpp"
#include "ledger.hpp"
#include "record_filter.hpp"
#include "write_input.hpp"
#include "studysearch/detail/schema.hpp"
#include "studysearch/error.hpp"

namespace studysearch {
namespace {

namespace fs = std::filesystem;

// Cancels the open transaction and rethrows, Xapian errors as Error{internal}.
[[noreturn]] void abort_transaction(Xapian::WritableDatabase& db) {
  try {
    db.cancel_transaction();
  } catch (const Xapian::Error&) {
  }
  try {
    throw;
  } catch (const Xapian::NetworkError& e) {
    // A remote shard: its server commits on its own every XAPIAN_FLUSH_THRESHOLD
    // changes, so part of the run may be there (shards.hpp: rerun to repair).
    throw Error(ErrorKind::shard_unavailable, "the remote index stopped answering mid-write: " + e.get_description());
  } catch (const Xapian::Error& e) {
    throw Error(ErrorKind::internal, "index write failed, nothing was written: " + e.get_description());
  }
}

}  // namespace

struct IndexWriter::Impl {
  std::string path;
  Xapian::WritableDatabase db;
  Analyzer analyzer;
  IndexSettings settings;
  bool remote = false;  // open_remote: a bulk load's folder swap cannot happen there

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
    const BulkTarget bulk_target{path, db, analyzer.settings(), settings,
                                 [&](DocumentQueue& queue, std::size_t& issues, std::size_t first, std::size_t end) {
                                   produce(for_each, validation, queue, issues, first, end);
                                 }};
    if (options.metadata.empty() && !remote)
      if (auto bulk = bulk_write(bulk_target, validation, options, report, start)) return std::move(*bulk);

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
      for (const auto& [key, value] : options.metadata) db.set_metadata(key, value);
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
    const RecordSink owned_check = owned_records(check, options.owns);
    for (const auto& input : inputs) read_input(input, options.reader, owned_check);
    validation.resolve();
    return write(
        [&](const RecordSink& sink) {
          const RecordSink owned = owned_records(sink, options.owns);
          for (const auto& input : inputs) read_input(input, options.reader, owned);
        },
        validation, options, start, ledger_entry);
  }

  // A new index gets its metadata; an existing one is checked against this build.
  void init(const std::optional<IndexSettings>& wanted) {
    if (meta::is_fresh(db)) {
      settings = wanted.value_or(IndexSettings{});
      meta::write(db, analyzer.settings(), settings);
      db.commit();
      return;
    }
    settings = meta::check(db, analyzer.settings(), path);
    if (wanted && *wanted != settings)
      throw Error(ErrorKind::index_incompatible,
                  path + ": index was built with settings '" + meta::serialize(settings) + "', not '" +
                      meta::serialize(*wanted) + "'; rebuild it into a new folder to change them");
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
  impl->init(settings);
  return IndexWriter(std::move(impl));
}

IndexWriter IndexWriter::open_remote(const std::string& host, unsigned port, unsigned timeout_ms) {
  auto impl = std::make_unique<Impl>();
  impl->path = "remote " + host + ":" + std::to_string(port);
  impl->remote = true;
  try {
    impl->db = Xapian::Remote::open_writable(host, port, timeout_ms, timeout_ms);
    impl->init({});
  } catch (const Xapian::DatabaseLockError&) {
    throw Error(ErrorKind::busy, impl->path + ": index is locked by another writer; try again when it has finished");
  } catch (const Xapian::NetworkError& e) {
    throw Error(ErrorKind::shard_unavailable, impl->path + " is unavailable: " + e.get_msg());
  } catch (const Xapian::DatabaseError& e) {
    throw Error(ErrorKind::index_incompatible, impl->path + ": cannot open index: " + e.get_description());
  }
  return IndexWriter(std::move(impl));
}

std::string IndexWriter::metadata(const std::string& key) const { return impl_->db.get_metadata(key); }

bool IndexWriter::contains(const std::string& id) const {
  return impl_->db.term_exists(schema::term(schema::kId, id));
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
