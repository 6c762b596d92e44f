// The transactional writer. A run reads its input twice: first to validate
// every record (keeping only ids, so memory does not grow with record size),
// then to write inside one Xapian transaction. Xapian flushes batches to disk
// during the transaction without committing, so a kill at any moment leaves the
// last committed revision, and a failure cancels the whole run.
#include "studysearch/index_writer.hpp"

#include <unistd.h>
#include <xapian.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <set>
#include <unordered_map>

#include "document_builder.hpp"
#include "index_meta.hpp"
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
    out << std::cin.rdbuf();
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

// Validation state of a run: first place of every id, records to leave out.
struct Validation {
  std::unordered_map<std::string, std::string> first_seen;  // id -> "file:line"
  std::set<std::pair<std::string, std::size_t>> duplicates;  // (file, line) to skip
  std::vector<RecordIssue> issues;
  std::size_t valid = 0;

  void study(const SourcedStudy& record) {
    auto [it, inserted] = first_seen.emplace(record.study.id, where(record.file, record.line));
    if (inserted) {
      ++valid;
      return;
    }
    duplicates.emplace(record.file, record.line);
    issues.push_back({record.file, record.line, "id",
                      "duplicate id '" + record.study.id + "' (first at " + it->second + ")"});
  }
};

[[noreturn]] void throw_invalid(const std::vector<RecordIssue>& issues) {
  std::string message = std::to_string(issues.size()) + " invalid record" + (issues.size() == 1 ? "" : "s") +
                        "; nothing was written (use --skip-invalid to write the valid ones)";
  for (const auto& issue : issues) message += "\n" + issue.message();
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
  IndexReport write(const std::function<void(const RecordSink&)>& for_each, Validation& validation,
                    const WriterOptions& options, std::chrono::steady_clock::time_point start) {
    IndexReport report;
    report.issues = std::move(validation.issues);
    if (!report.issues.empty() && !options.skip_invalid) throw_invalid(report.issues);
    report.skipped = report.issues.size();

    const DocumentBuilder builder(analyzer, settings);
    WordCounts words;
    std::size_t done = 0;
    bool input_changed = false;
    const std::size_t batch = std::max<std::size_t>(options.batch_size, 1);

    db.begin_transaction(true);
    try {
      RecordSink sink;
      sink.on_study = [&](SourcedStudy&& record) {
        if (validation.duplicates.count({record.file, record.line})) return;
        const std::string id_term = schema::term(schema::kId, record.study.id);
        const bool existed = db.term_exists(id_term);
        db.replace_document(id_term, builder.build(record.study, &words));
        ++(existed ? report.replaced : report.added);
        if (++done % batch == 0) flush_words(words);
        if (options.progress && done % 1000 == 0) options.progress(done, validation.valid);
      };
      // Pass one said these records were valid; a new problem means the input changed.
      sink.on_issue = [&](RecordIssue&&) { input_changed = true; };
      for_each(sink);
      if (input_changed || done < validation.valid)
        throw Error(ErrorKind::invalid_input, "input changed while it was being indexed; nothing was written");
      flush_words(words);
      db.commit_transaction();
    } catch (...) {
      abort_transaction(db);
    }
    if (options.progress) options.progress(done, validation.valid);
    report.seconds = seconds_since(start);
    return report;
  }

  void flush_words(WordCounts& words) {
    for (const auto& [word, count] : words) db.add_spelling(word, count);
    words.clear();
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
  // Xapian 1.4 reads its flush threshold from the environment only. Batches
  // are flushed (not committed) inside our transactions.
  setenv("XAPIAN_FLUSH_THRESHOLD", "20000", 0);
  auto impl = std::make_unique<Impl>();
  impl->path = path;
  try {
    impl->db = Xapian::WritableDatabase(path, Xapian::DB_CREATE_OR_OPEN | Xapian::DB_BACKEND_GLASS);
  } catch (const Xapian::DatabaseLockError&) {
    throw Error(ErrorKind::internal, path + ": index is locked by another writer; try again when it has finished");
  } catch (const Xapian::DatabaseError& e) {
    throw Error(ErrorKind::index_incompatible, path + ": cannot open index: " + e.get_description());
  }
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
  const auto start = std::chrono::steady_clock::now();
  StdinSpool stdin_spool;
  std::vector<Input> inputs;
  for (const auto& path : paths) {
    if (path == "-") inputs.push_back({"<stdin>", stdin_spool.spool(), true});
    else inputs.push_back({path, path, false});
  }
  Validation validation;
  RecordSink check;
  check.on_study = [&](SourcedStudy&& record) { validation.study(record); };
  check.on_issue = [&](RecordIssue&& issue) { validation.issues.push_back(std::move(issue)); };
  for (const auto& input : inputs) read_input(input, options.reader, check);

  return impl_->write(
      [&](const RecordSink& sink) {
        for (const auto& input : inputs) read_input(input, options.reader, sink);
      },
      validation, options, start);
}

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

}  // namespace studysearch
