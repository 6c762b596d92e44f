#include "baselines.hpp"

#include <sqlite3.h>

#include <cctype>
#include <chrono>
#include <filesystem>
#include <fstream>
#include <map>
#include <stdexcept>
#include <string_view>

#include <nlohmann/json.hpp>
#include <xapian.h>

namespace studysearch::bench {

namespace {

constexpr Xapian::valueno kYearSlot = 0, kPemSlot = 1, kJournalSlot = 2;

std::string lower_ascii(std::string text) {
  for (auto& c : text)
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
  return text;
}

std::string journal_term(const std::string& journal) { return "XJ" + lower_ascii(journal).substr(0, 200); }

std::string string_field(const nlohmann::json& record, const char* key) {
  auto it = record.find(key);
  return it != record.end() && it->is_string() ? it->get<std::string>() : std::string{};
}

double seconds_since(std::chrono::steady_clock::time_point start) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
}

/// Calls `fn(record, line)` for every JSON object line of the corpus.
template <typename Fn>
std::size_t for_each_record(const std::string& jsonl, Fn fn) {
  std::ifstream in(jsonl);
  if (!in) throw std::runtime_error("cannot read corpus " + jsonl);
  std::size_t n = 0;
  for (std::string line; std::getline(in, line);) {
    if (line.empty()) continue;
    fn(nlohmann::json::parse(line), line);
    ++n;
  }
  return n;
}

}  // namespace

// ---------------------------------------------------------------- Xapian

struct XapianBaseline::Impl {
  Xapian::Database db;
  Xapian::QueryParser parser;
  Xapian::Stem stem{"english"};
};

BuildStats XapianBaseline::build(const std::string& jsonl, const std::string& dir) {
  const auto start = std::chrono::steady_clock::now();
  Xapian::WritableDatabase db(dir, Xapian::DB_CREATE_OR_OVERWRITE);
  Xapian::TermGenerator indexer;
  indexer.set_stemmer(Xapian::Stem("english"));
  BuildStats stats;
  stats.documents = for_each_record(jsonl, [&](const nlohmann::json& record, const std::string& line) {
    Xapian::Document doc;
    indexer.set_document(doc);
    for (const char* field : {"title", "summary", "relevance", "limitations"}) {
      indexer.index_text(string_field(record, field));
      indexer.increase_termpos();
    }
    const auto pem = string_field(record, "pem");
    doc.add_boolean_term("XP" + pem);
    doc.add_value(kPemSlot, pem);
    if (const auto journal = string_field(record, "journal"); !journal.empty()) {
      doc.add_boolean_term(journal_term(journal));
      doc.add_value(kJournalSlot, journal);
    }
    if (auto it = record.find("year"); it != record.end() && it->is_number_integer()) {
      const auto year = std::to_string(it->get<int>());
      doc.add_boolean_term("XY" + year);
      doc.add_value(kYearSlot, year);
    }
    std::string id_term = "Q";  // (not "Q" + ...: GCC 12 -Wrestrict false positive)
    doc.add_boolean_term(id_term += string_field(record, "id"));
    doc.set_data(line);
    db.add_document(doc);
  });
  db.commit();
  stats.seconds = seconds_since(start);
  return stats;
}

XapianBaseline::XapianBaseline(const std::string& dir) : impl_(std::make_unique<Impl>()) {
  impl_->db = Xapian::Database(dir);
  impl_->parser.set_stemmer(impl_->stem);
  impl_->parser.set_stemming_strategy(Xapian::QueryParser::STEM_SOME);
  impl_->parser.set_database(impl_->db);
}
XapianBaseline::XapianBaseline(XapianBaseline&&) noexcept = default;
XapianBaseline::~XapianBaseline() = default;

BaselineResult XapianBaseline::search(const std::string& text, const Filters& filters, bool facets,
                                      std::size_t limit) const {
  Xapian::Query query = impl_->parser.parse_query(text);
  std::vector<Xapian::Query> filter;
  if (!filters.pem.empty()) {
    std::vector<Xapian::Query> any;
    for (const auto& p : filters.pem) any.emplace_back("XP" + p);
    filter.emplace_back(Xapian::Query::OP_OR, any.begin(), any.end());
  }
  if (!filters.journal.empty()) filter.emplace_back(journal_term(filters.journal));
  if (filters.year_from || filters.year_to)  // four-digit years sort as strings
    filter.emplace_back(Xapian::Query::OP_VALUE_RANGE, kYearSlot, std::to_string(filters.year_from.value_or(0)),
                        std::to_string(filters.year_to.value_or(9999)));
  if (!filter.empty())
    query = Xapian::Query(Xapian::Query::OP_FILTER, query,
                          Xapian::Query(Xapian::Query::OP_AND, filter.begin(), filter.end()));

  Xapian::Enquire enquire(impl_->db);
  enquire.set_query(query);
  Xapian::ValueCountMatchSpy pem(kPemSlot), journal(kJournalSlot), year(kYearSlot);
  Xapian::MSet mset;
  if (facets) {
    enquire.add_matchspy(&pem);
    enquire.add_matchspy(&journal);
    enquire.add_matchspy(&year);
    mset = enquire.get_mset(0, static_cast<Xapian::doccount>(limit), impl_->db.get_doccount());
  } else {
    mset = enquire.get_mset(0, static_cast<Xapian::doccount>(limit));
  }

  BaselineResult result;
  result.total = mset.get_matches_estimated();
  for (auto it = mset.begin(); it != mset.end(); ++it) {
    // A search returns records: read the stored JSON, as an application would.
    const auto data = it.get_document().get_data();
    const auto id_at = data.find("\"id\":\"") + 6;
    result.hits.push_back({data.substr(id_at, data.find('"', id_at) - id_at), it.get_weight()});
  }
  if (facets) {
    for (auto v = pem.values_begin(); v != pem.values_end(); ++v) result.pem.push_back({*v, v.get_termfreq()});
    for (auto v = year.values_begin(); v != year.values_end(); ++v) result.year.push_back({*v, v.get_termfreq()});
    for (auto v = journal.top_values_begin(10); v != journal.top_values_end(10); ++v)
      result.journal.push_back({*v, v.get_termfreq()});
  }
  return result;
}

// ---------------------------------------------------------------- SQLite FTS5

namespace {

void check(int rc, sqlite3* db, const char* what) {
  if (rc != SQLITE_OK && rc != SQLITE_DONE && rc != SQLITE_ROW)
    throw std::runtime_error(std::string(what) + ": " + (db ? sqlite3_errmsg(db) : sqlite3_errstr(rc)));
}

struct StatementDeleter {
  void operator()(sqlite3_stmt* s) const { sqlite3_finalize(s); }
};
using Statement = std::unique_ptr<sqlite3_stmt, StatementDeleter>;

struct DbCloser {
  void operator()(sqlite3* db) const { sqlite3_close(db); }
};
using Db = std::unique_ptr<sqlite3, DbCloser>;

Db open_db(const std::string& file, int flags) {
  sqlite3* raw = nullptr;
  const int rc = sqlite3_open_v2(file.c_str(), &raw, flags, nullptr);
  Db db(raw);
  check(rc, db.get(), ("open " + file).c_str());
  return db;
}

Statement prepare(sqlite3* db, const std::string& sql) {
  sqlite3_stmt* raw = nullptr;
  check(sqlite3_prepare_v3(db, sql.c_str(), -1, SQLITE_PREPARE_PERSISTENT, &raw, nullptr), db, sql.c_str());
  return Statement(raw);
}

void exec(sqlite3* db, const char* sql) { check(sqlite3_exec(db, sql, nullptr, nullptr, nullptr), db, sql); }

void bind_text(sqlite3_stmt* s, int i, const std::string& v) {
  sqlite3_bind_text(s, i, v.data(), static_cast<int>(v.size()), SQLITE_TRANSIENT);
}

std::string column_text(sqlite3_stmt* s, int i) {
  const auto* p = sqlite3_column_text(s, i);
  return p ? std::string(reinterpret_cast<const char*>(p), static_cast<std::size_t>(sqlite3_column_bytes(s, i)))
           : std::string("unknown");
}

bool has_word_char(std::string_view token) {
  for (unsigned char c : token)
    if (std::isalnum(c) || c >= 0x80) return true;
  return false;
}

void append_quoted(std::string& out, std::string_view words) {
  if (!out.empty()) out += " OR ";
  out += '"';
  out += words;  // no '"' inside: the caller splits on quotes
  out += '"';
}

}  // namespace

std::string to_fts5_query(const std::string& text) {
  std::string out;
  std::size_t i = 0;
  auto words_until = [&](char stop) {
    std::vector<std::string_view> words;
    while (i < text.size() && text[i] != stop && !(stop == ' ' && text[i] == '"')) {
      if (std::isspace(static_cast<unsigned char>(text[i]))) {
        ++i;
        continue;
      }
      const auto start = i;
      while (i < text.size() && !std::isspace(static_cast<unsigned char>(text[i])) && text[i] != '"') ++i;
      const std::string_view word(text.data() + start, i - start);
      if (has_word_char(word)) words.push_back(word);
      if (stop == ' ') break;
    }
    return words;
  };
  while (i < text.size()) {
    if (text[i] == '"') {
      ++i;
      std::string phrase;
      for (auto w : words_until('"')) (phrase.empty() ? phrase : phrase += ' ') += w;
      if (i < text.size()) ++i;  // closing quote
      if (!phrase.empty()) append_quoted(out, phrase);
    } else if (std::isspace(static_cast<unsigned char>(text[i]))) {
      ++i;
    } else {
      for (auto w : words_until(' ')) append_quoted(out, w);
    }
  }
  return out;
}

struct Fts5Baseline::Impl {
  Db db;
  std::map<std::string, Statement> statements;  // by SQL: one per filter shape

  sqlite3_stmt* statement(const std::string& sql) {
    auto& s = statements[sql];
    if (!s) s = prepare(db.get(), sql);
    sqlite3_reset(s.get());
    sqlite3_clear_bindings(s.get());
    return s.get();
  }
};

BuildStats Fts5Baseline::build(const std::string& jsonl, const std::string& db_file) {
  const auto start = std::chrono::steady_clock::now();
  std::filesystem::remove(db_file);
  Db db = open_db(db_file, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE);
  exec(db.get(), "BEGIN");
  exec(db.get(),
       "CREATE VIRTUAL TABLE t USING fts5(id UNINDEXED, title, summary, relevance, limitations, "
       "pem UNINDEXED, journal UNINDEXED, year UNINDEXED, tokenize='porter unicode61')");
  auto insert = prepare(db.get(), "INSERT INTO t VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)");
  BuildStats stats;
  stats.documents = for_each_record(jsonl, [&](const nlohmann::json& record, const std::string&) {
    sqlite3_stmt* s = insert.get();
    sqlite3_reset(s);
    int col = 1;
    for (const char* field : {"id", "title", "summary", "relevance", "limitations", "pem"})
      bind_text(s, col++, string_field(record, field));
    if (const auto journal = string_field(record, "journal"); !journal.empty()) bind_text(s, 7, journal);
    else sqlite3_bind_null(s, 7);
    if (auto it = record.find("year"); it != record.end() && it->is_number_integer()) sqlite3_bind_int(s, 8, it->get<int>());
    else sqlite3_bind_null(s, 8);
    check(sqlite3_step(s), db.get(), "insert");
  });
  exec(db.get(), "COMMIT");
  stats.seconds = seconds_since(start);
  return stats;
}

Fts5Baseline::Fts5Baseline(const std::string& db_file) : impl_(std::make_unique<Impl>()) {
  impl_->db = open_db(db_file, SQLITE_OPEN_READONLY);
}
Fts5Baseline::Fts5Baseline(Fts5Baseline&&) noexcept = default;
Fts5Baseline::~Fts5Baseline() = default;

BaselineResult Fts5Baseline::search(const std::string& text, const Filters& filters, bool facets,
                                    std::size_t limit) const {
  BaselineResult result;
  const auto match = to_fts5_query(text);
  if (match.empty()) return result;
  // Filters on UNINDEXED columns are checked row by row on the matches.
  std::string where = " FROM t WHERE t MATCH ?1";
  int param = 2;
  for (std::size_t i = 0; i < filters.pem.size(); ++i)
    where += (i == 0 ? " AND pem IN (?" : ", ?") + std::to_string(param++) + (i + 1 == filters.pem.size() ? ")" : "");
  if (!filters.journal.empty()) where += " AND journal = ?" + std::to_string(param++) + " COLLATE NOCASE";
  if (filters.year_from) where += " AND year >= ?" + std::to_string(param++);
  if (filters.year_to) where += " AND year <= ?" + std::to_string(param++);
  auto bind = [&](sqlite3_stmt* s) {
    int p = 1;
    bind_text(s, p++, match);
    for (const auto& v : filters.pem) bind_text(s, p++, v);
    if (!filters.journal.empty()) bind_text(s, p++, filters.journal);
    if (filters.year_from) sqlite3_bind_int(s, p++, *filters.year_from);
    if (filters.year_to) sqlite3_bind_int(s, p++, *filters.year_to);
    return s;
  };
  sqlite3* db = impl_->db.get();

  auto* top = bind(impl_->statement("SELECT id, bm25(t)" + where + " ORDER BY bm25(t) LIMIT " + std::to_string(limit)));
  int rc;
  while ((rc = sqlite3_step(top)) == SQLITE_ROW) result.hits.push_back({column_text(top, 0), -sqlite3_column_double(top, 1)});
  check(rc, db, "search");
  result.total = result.hits.size();
  if (!facets) return result;

  auto count = [&](const std::string& sql, std::vector<BaselineFacet>& out) {
    auto* s = bind(impl_->statement(sql));
    int step;
    while ((step = sqlite3_step(s)) == SQLITE_ROW)
      out.push_back({column_text(s, 0), static_cast<std::size_t>(sqlite3_column_int64(s, 1))});
    check(step, db, "facet");
  };
  count("SELECT pem, count(*)" + where + " GROUP BY pem", result.pem);
  count("SELECT journal, count(*)" + where + " GROUP BY journal ORDER BY count(*) DESC, journal LIMIT 10", result.journal);
  count("SELECT year, count(*)" + where + " GROUP BY year", result.year);
  result.total = 0;
  for (const auto& f : result.pem) result.total += f.count;
  return result;
}

}  // namespace studysearch::bench
