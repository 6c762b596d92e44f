// The studysearch command line. Each subcommand only translates arguments
// into library calls and prints the result; errors travel as studysearch::Error
// to main(), which maps them to exit codes in one table.
#include "cli.hpp"

#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <fstream>
#include <iomanip>
#include <iostream>
#include <sstream>

#include "json_io.hpp"
#include "progress.hpp"
#include "cli_shards.hpp"
#include "cli_sync.hpp"
#include "server.hpp"
#include "studysearch/index_writer.hpp"
#include "studysearch/studysearch.hpp"

namespace studysearch::app {
namespace {

std::string join(const std::vector<std::string>& words, const std::string& separator = " ") {
  std::string out;
  for (const auto& w : words) out += (out.empty() ? "" : separator) + w;
  return out;
}

std::string plural(std::size_t n, const std::string& one, const std::string& many) {
  return std::to_string(n) + " " + (n == 1 ? one : many);
}

// A repeatable option takes exactly one value per occurrence, so that
// `--journal "The Lancet" natural killer` keeps "natural killer" as the query.
CLI::Option* repeatable(CLI::Option* option) { return option->allow_extra_args(false); }

// Counts are checked as text: CLI11 would wrap "-1" into 18446744073709551615.
const CLI::Validator kCount(
    [](std::string& text) -> std::string {
      const bool digits =
          !text.empty() && std::all_of(text.begin(), text.end(), [](char c) { return c >= '0' && c <= '9'; });
      if (!digits) return "must be a non-negative integer, not '" + text.substr(0, 40) + "'";
      if (text.size() > 18) return "is too large: " + text.substr(0, 40);
      return {};
    },
    "COUNT");

// A snippet on a terminal: the matched words in bold; elsewhere plain text.
std::string terminal_snippet(const std::vector<TextSpan>& spans, bool tty) {
  std::string out;
  for (const auto& span : spans) out += span.matched && tty ? "\x1b[1m" + span.text + "\x1b[0m" : span.text;
  return out;
}

void print_hit_line(const Hit& h) {
  const Study& s = h.study;
  std::cout << std::setw(3) << h.rank << ". " << (s.title.empty() ? h.id : s.title) << "\n     " << h.id;
  if (!s.journal.empty()) std::cout << " · " << s.journal;
  if (s.year) std::cout << " · " << *s.year;
  std::cout << " · PEM " << to_string(s.pem);
  if (h.score > 0) std::cout << " · score " << std::fixed << std::setprecision(2) << h.score;
  std::cout << "\n";
}

void print_facet_line(const std::string& name, const std::vector<FacetValue>& values) {
  if (values.empty()) return;
  std::cout << "  " << name << ":";
  for (const auto& v : values) std::cout << " " << v.value << " (" << v.count << ")";
  std::cout << "\n";
}

void print_result(const SearchRequest& request, const SearchResult& result) {
  const bool tty = isatty(STDOUT_FILENO);
  std::cout << result.total << (result.total == 1 ? " study" : " studies") << " (" << std::fixed
            << std::setprecision(1) << result.took_ms << " ms)\n";
  if (result.did_you_mean) std::cout << "Did you mean: " << *result.did_you_mean << "\n";
  for (const auto& shard : result.missing_shards) std::cout << "Partial: " << shard << " did not answer\n";
  for (const auto& h : result.hits) {
    print_hit_line(h);
    if (!h.snippet.empty()) std::cout << "     " << terminal_snippet(h.snippet, tty) << "\n";
  }
  if (request.facets && result.total > 0) {
    std::cout << "Facets\n";
    for (const auto& group : result.facets.groups) print_facet_line(group.name, group.values);
  }
}

Sort parse_sort(const std::string& s) {
  if (s == "relevance") return Sort::relevance;
  if (s == "newest") return Sort::newest;
  if (s == "oldest") return Sort::oldest;
  throw Error(ErrorKind::invalid_query, "--sort must be relevance, newest or oldest, not '" + s + "'");
}

// An enumeration filter's values, checked here so that the message names the option.
std::vector<std::string> filter_values(const Field& field, const std::vector<std::string>& values) {
  if (field.type == FieldType::enumeration)
    for (const auto& v : values)
      if (std::find(field.vocabulary.begin(), field.vocabulary.end(), v) == field.vocabulary.end())
        throw Error(ErrorKind::invalid_query, "--" + std::string(field.filter_param()) + " must be one of " +
                                                  vocabulary_list(field) + ", not '" + v + "'");
  return values;
}

// One repeatable option per keyword filter field (fields.hpp): --pem, --journal, ...
void add_filter_options(CLI::App* cmd, std::map<std::string, std::vector<std::string>>& filters) {
  for (const Field* field : keyword_filters()) {
    std::string help = field->type == FieldType::enumeration ? vocabulary_list(*field) : std::string(field->help);
    repeatable(cmd->add_option("--" + std::string(field->filter_param()), filters[std::string(field->name)],
                               help + " (repeatable: OR)"));
  }
}

// Ranking options shared by search, run and serve.
void add_ranking_options(CLI::App* cmd, EngineOptions& o) {
  cmd->add_option("--k1", o.bm25_k1, "BM25 k1")->capture_default_str()->group("Ranking");
  cmd->add_option("--term-k1-wdf", o.term_k1_wdf, "k1 per term: a word whose mean wdf in its studies is this saturates with --k1, one twice as repetitive with half (0: one k1)")->capture_default_str()->group("Ranking");
  cmd->add_option("--burstiness", o.term_burstiness, "each word's weight times (its mean wdf in its studies)^this (0: off)")->capture_default_str()->group("Ranking");
  cmd->add_option("--b", o.bm25_b, "BM25 b")->capture_default_str()->group("Ranking");
  cmd->add_option("--synonym-weight", o.synonym_weight, "weight of thesaurus synonyms")->capture_default_str()->group("Ranking");
  cmd->add_option("--prf-docs", o.prf_docs, "pseudo-relevance feedback: top documents")->capture_default_str()->check(kCount)->group("Ranking");
  cmd->add_option("--prf-terms", o.prf_terms, "pseudo-relevance feedback: expansion terms")->capture_default_str()->check(kCount)->group("Ranking");
  cmd->add_option("--prf-weight", o.prf_weight, "pseudo-relevance feedback: weight")->capture_default_str()->group("Ranking");
  cmd->add_option("--prf-min-words", o.prf_min_words, "feedback only for queries of this many words")->capture_default_str()->check(kCount)->group("Ranking");
  cmd->add_option("--prf-term-docs", o.prf_term_docs, "feedback terms must occur in this many feedback documents (0 = all)")->capture_default_str()->check(kCount)->group("Ranking");
  cmd->add_option("--proximity-weight", o.proximity_weight, "weight of consecutive query words found close together (0 = off)")->capture_default_str()->group("Ranking");
  cmd->add_option("--proximity-window", o.proximity_window, "proximity: window in positions")->capture_default_str()->check(kCount)->group("Ranking");
  cmd->add_option("--proximity-min-words", o.proximity_min_words, "proximity: only for queries of at least this many words")->capture_default_str()->check(kCount)->group("Ranking");
  cmd->add_option("--all-words-first", o.all_words_first_max_words, "queries up to N words rank all-word matches first (0: off, one ranking by score)")
      ->capture_default_str()->check(kCount)->group("Ranking");
  cmd->add_option("--query-k3", o.query_k3, "a word typed n times weighs (k3+1)n/(k3+n) times once (below 0: n times)")->capture_default_str()->group("Ranking");
  cmd->add_flag_callback("--no-stopwords", [&o] { o.stopwords = false; }, "keep English stopwords in queries")->group("Ranking");
  cmd->add_option("--shard-timeout", o.shard_timeout_ms, "a shard set: ms to wait for a remote shard before failing")
      ->capture_default_str()->check(CLI::Range(1u, 600000u))->group("Shards");
}

struct SearchArgs {
  std::string db;
  bool json = false;
  std::vector<std::string> words;
  std::map<std::string, std::vector<std::string>> filters;  // by field name
  std::optional<int> year_from, year_to;
  std::string sort = "relevance";
  std::size_t offset = 0, limit = 10;
  bool no_facets = false, no_snippets = false, allow_partial = false;
  EngineOptions options;
};

int run_search(const SearchArgs& a) {
  const auto engine = SearchEngine::open(a.db, a.options);
  SearchRequest r;
  r.text = join(a.words);
  for (const auto& [name, values] : a.filters)
    if (!values.empty()) r.filters[name] = filter_values(*find_field(name), values);
  r.year_from = a.year_from;
  r.year_to = a.year_to;
  r.sort = parse_sort(a.sort);
  r.offset = a.offset;
  r.limit = a.limit;
  r.facets = !a.no_facets;
  r.snippets = !a.no_snippets;
  r.allow_partial = a.allow_partial;
  const SearchResult result = engine.search(r);
  if (a.json) std::cout << dump(to_json(r, result)) << "\n";
  else print_result(r, result);
  return 0;
}

struct RunArgs {
  std::string db, topics, tag = "studysearch";
  std::size_t limit = 1000;
  bool stats = false, facets = false;
  EngineOptions options;
};

int run_topics(const RunArgs& a) {
  const auto engine = SearchEngine::open(a.db, a.options);
  std::ifstream in(a.topics);
  if (!in) throw Error(ErrorKind::invalid_input, a.topics + ": cannot read topics file");
  std::string line;
  std::size_t line_no = 0;
  std::vector<double> micros;
  std::ostringstream out;
  while (std::getline(in, line)) {
    ++line_no;
    if (!line.empty() && line.back() == '\r') line.pop_back();
    if (line.empty() || line[0] == '#') continue;
    const auto tab = line.find('\t');
    if (tab == std::string::npos)
      throw Error(ErrorKind::invalid_input, a.topics + ":" + std::to_string(line_no) + ": expected 'qid<TAB>query'");
    SearchRequest r;
    r.text = line.substr(tab + 1);
    if (r.text.size() > engine.options().max_query_bytes) r.text.resize(engine.options().max_query_bytes);
    r.limit = a.limit;
    r.facets = a.facets;
    r.snippets = false;
    r.suggest = false;
    const auto start = std::chrono::steady_clock::now();
    const SearchResult result = engine.search(r);
    micros.push_back(std::chrono::duration<double, std::micro>(std::chrono::steady_clock::now() - start).count());
    const std::string qid = line.substr(0, tab);
    // The score column is hits + 1 - rank, not the engine's score: trec_eval
    // (and studysearch-eval) order a run by score and ignore the rank column,
    // and the engine's order is not always by score (all words first; ties at
    // six printed digits broken by docid byte order instead of index order).
    for (const auto& h : result.hits)
      out << qid << " Q0 " << h.id << " " << h.rank << " " << result.hits.size() + 1 - h.rank << " " << a.tag << "\n";
  }
  std::cout << out.str();
  if (a.stats && !micros.empty()) {
    std::sort(micros.begin(), micros.end());
    auto pct = [&](double p) {
      return micros[std::min(micros.size() - 1, static_cast<std::size_t>(std::ceil(p * micros.size())) - 1)];
    };
    nlohmann::ordered_json stats = {{"queries", micros.size()}, {"p50_us", pct(0.50)}, {"p95_us", pct(0.95)}, {"p99_us", pct(0.99)},
                            {"max_us", micros.back()}};
    std::cerr << dump(stats) << "\n";
  }
  return 0;
}

int run_index(const std::string& db, const std::vector<std::string>& files, bool skip_invalid, bool quiet,
              WriterOptions options, std::optional<unsigned> abbreviation_weight) {
  if (routed(db)) {
    if (abbreviation_weight)
      throw Error(ErrorKind::invalid_input, "--abbreviation-weight: a shard set keeps the settings of the index it was split from");
    return run_routed_index(db, files, skip_invalid, quiet, options);  // a stub: cli_shards.cpp
  }
  std::optional<IndexSettings> settings;
  if (abbreviation_weight) settings = IndexSettings{.abbreviation_weight = *abbreviation_weight};
  auto writer = IndexWriter::open(db, settings);
  options.skip_invalid = skip_invalid;
  ProgressLine progress = stderr_progress(quiet);
  options.progress = [&](IndexPhase phase, std::size_t done, std::size_t total) {
    progress.update(to_string(phase), done, total);
  };
  IndexReport report;
  try {
    report = writer.index_files(files, options);
  } catch (const Error& e) {
    progress.finish();
    if (e.kind() != ErrorKind::invalid_input || skip_invalid) throw;
    throw Error(e.kind(), std::string(e.what()) + "\n(--skip-invalid writes the valid records and lists the others)");
  }
  progress.finish();
  if (!report.issues.empty()) {
    std::istringstream lines(list_issues(report.issues));
    for (std::string line; std::getline(lines, line);)
      std::cerr << "studysearch: " << (line.starts_with("... and ") ? "" : "skipped ") << line << "\n";
  }
  const std::size_t written = report.added + report.replaced;
  std::cerr << "studysearch: " << plural(written, "record", "records") << " indexed (added " << report.added << ", replaced "
            << report.replaced << ", skipped " << report.skipped << ") in " << std::fixed << std::setprecision(2)
            << report.seconds << " s, " << static_cast<long>(written / std::max(report.seconds, 1e-9))
            << " records/s; index holds " << writer.document_count() << "\n";
  return 0;
}

int run_show(const std::string& db, const std::string& id, bool json) {
  const auto engine = SearchEngine::open(db);
  const auto study = engine.find_study(id);
  if (!study) throw Error(ErrorKind::not_found, "no study with id '" + id + "'");
  if (json) {
    std::cout << dump(study_json(*study), 2) << "\n";
    return 0;
  }
  const Study& s = *study;
  std::cout << s.title << "\n" << join(s.authors, "; ") << "\n";
  std::cout << s.journal << (s.year ? " · " + std::to_string(*s.year) : "") << (s.doi.empty() ? "" : " · doi:" + s.doi)
            << "\nid: " << s.id << " · PEM " << to_string(s.pem) << "\n";
  for (const Field* field : keyword_filters())  // evidence level, design, ...: "Label: a, b"
    if (const auto values = field_values(*field, s); !values.empty() && field->name != "journal" && field->name != "pem")
      std::cout << field->label << ": " << join(values, ", ") << "\n";
  std::cout << "\n" << s.summary << "\n";
  if (!s.relevance.empty()) std::cout << "\nWhy it matters: " << s.relevance << "\n";
  if (!s.limitations.empty()) std::cout << "\nWhat it does not prove: " << s.limitations << "\n";
  return 0;
}

}  // namespace

void add_commands(CLI::App& app, std::function<void(std::function<int()>)> set_action) {
  // index
  {
    auto* cmd = app.add_subcommand("index", "Add or replace studies from .jsonl / .txt files (or - for JSONL on stdin)");
    auto db = std::make_shared<std::string>();
    auto files = std::make_shared<std::vector<std::string>>();
    auto skip = std::make_shared<bool>(false);
    auto quiet = std::make_shared<bool>(false);
    auto options = std::make_shared<WriterOptions>();
    cmd->add_option("--db", *db, "index folder (created if missing)")->required();
    cmd->add_flag("--skip-invalid", *skip, "write the valid records even if some are invalid");
    cmd->add_flag("-q,--quiet", *quiet, "no progress lines (a terminal gets a live line, other stderr a line every 5 s)");
    cmd->add_option("--bulk-min", options->bulk_min_records,
                    "into an empty index, at least this many records load in parallel parts (0: never)")
        ->capture_default_str()
        ->check(kCount);
    cmd->add_option("--shards", options->shards, "parts of a bulk load (0: one per core, at most 4)")
        ->capture_default_str()
        ->check(CLI::Range(0, 64));
    auto abbreviations = std::make_shared<std::optional<unsigned>>();
    cmd->add_option("--abbreviation-weight", *abbreviations,
                    "a new index: wdf each long-form word gets when a study uses a short form it defined, "
                    "\"pyridostatin (PDS)\" ... \"PDS\" (default 1; 0: off); an existing index refuses another value")
        ->check(CLI::Range(0, 10));
    cmd->add_option("FILE", *files, "input files")->required();
    cmd->callback([=] {
      set_action([=] { return run_index(*db, *files, *skip, *quiet, *options, *abbreviations); });
    });
  }
  // delete
  {
    auto* cmd = app.add_subcommand("delete", "Delete studies by id (all or nothing)");
    auto db = std::make_shared<std::string>();
    auto ids = std::make_shared<std::vector<std::string>>();
    auto ignore_missing = std::make_shared<bool>(false);
    cmd->add_option("--db", *db, "index folder (must hold an index) or shard-set stub")->required();
    cmd->add_flag("--ignore-missing", *ignore_missing, "shard sets: skip unknown ids (rerun of an interrupted delete)");
    cmd->add_option("ID", *ids, "study ids")->required();
    cmd->callback([=] {
      set_action([=] {
        if (routed(*db)) return run_routed_delete(*db, *ids, *ignore_missing);  // cli_shards.cpp
        // Deleting never creates an index: a mistyped --db is index_missing (exit 3).
        SearchEngine::open(*db);
        auto writer = IndexWriter::open(*db);
        const auto report = writer.delete_ids(*ids);
        std::cerr << "studysearch: deleted " << report.deleted << "; index holds " << writer.document_count() << "\n";
        return 0;
      });
    });
  }
  // compact
  {
    auto* cmd = app.add_subcommand("compact", "Write a compacted copy of an index to a new folder (after bulk loads)");
    auto db = std::make_shared<std::string>();
    auto out = std::make_shared<std::string>();
    cmd->add_option("--db", *db, "index folder")->required();
    cmd->add_option("--out", *out, "new folder for the compacted copy (must not exist)")->required();
    cmd->callback([=] {
      set_action([=] {
        compact_index(*db, *out);
        std::cerr << "studysearch: compacted " << *db << " into " << *out << "\n";
        return 0;
      });
    });
  }
  // show
  {
    auto* cmd = app.add_subcommand("show", "Print one study exactly as indexed");
    auto db = std::make_shared<std::string>();
    auto id = std::make_shared<std::string>();
    auto json = std::make_shared<bool>(false);
    cmd->add_option("--db", *db, "index folder")->required();
    cmd->add_flag("--json", *json, "print the stored JSON record");
    cmd->add_option("ID", *id, "study id")->required();
    cmd->callback([=] { set_action([=] { return run_show(*db, *id, *json); }); });
  }
  // info
  {
    auto* cmd = app.add_subcommand("info", "Document count, schema version and analyzer of an index");
    auto db = std::make_shared<std::string>();
    auto json = std::make_shared<bool>(false);
    cmd->add_option("--db", *db, "index folder")->required();
    cmd->add_flag("--json", *json, "print JSON");
    cmd->callback([=] {
      set_action([=] {
        const auto info = SearchEngine::open(*db).info();
        if (*json) std::cout << dump(to_json(info)) << "\n";
        else std::cout << "documents: " << info.documents << "\nschema_version: " << info.schema_version
                       << "\nanalyzer: " << info.analyzer << "\nrevision: " << info.revision << "\n";
        return 0;
      });
    });
  }
  // search
  {
    auto* cmd = app.add_subcommand("search", "Search (no words: browse everything that passes the filters)");
    auto a = std::make_shared<SearchArgs>();
    cmd->add_option("--db", a->db, "index folder, replica folder or shard stub file")->required();
    cmd->add_flag("--json", a->json, "print one JSON object (see README)");
    add_filter_options(cmd, a->filters);
    cmd->add_option("--year-from", a->year_from, "first year, inclusive");
    cmd->add_option("--year-to", a->year_to, "last year, inclusive");
    cmd->add_option("--sort", a->sort, "relevance | newest | oldest")->capture_default_str();
    cmd->add_option("--offset", a->offset, "hits to skip")->capture_default_str()->check(kCount);
    cmd->add_option("--limit", a->limit, "hits to return")->capture_default_str()->check(kCount);
    cmd->add_flag("--no-facets", a->no_facets, "skip facet counting");
    cmd->add_flag("--no-snippets", a->no_snippets, "skip snippets");
    cmd->add_flag("--allow-partial", a->allow_partial, "a shard set: answer from the shards that answer")->group("Shards");
    add_ranking_options(cmd, a->options);
    cmd->add_option("QUERY", a->words, "query words and syntax (see README)");
    cmd->callback([=] { set_action([=] { return run_search(*a); }); });
  }
  // similar
  {
    auto* cmd = app.add_subcommand("similar", "Studies most like a given one");
    auto db = std::make_shared<std::string>();
    auto id = std::make_shared<std::string>();
    auto json = std::make_shared<bool>(false);
    auto k = std::make_shared<std::size_t>(5);
    cmd->add_option("--db", *db, "index folder")->required();
    cmd->add_flag("--json", *json, "print JSON");
    cmd->add_option("-k,--k", *k, "how many")->capture_default_str()->check(kCount);
    cmd->add_option("ID", *id, "study id")->required();
    cmd->callback([=] {
      set_action([=] {
        const auto hits = SearchEngine::open(*db).similar(*id, *k);
        if (*json) {
          std::cout << dump(similar_json(*id, hits)) << "\n";
        } else {
          for (const auto& h : hits) print_hit_line(h);
        }
        return 0;
      });
    });
  }
  // complete
  {
    auto* cmd = app.add_subcommand("complete", "Complete the last word of a prefix, most frequent first");
    auto db = std::make_shared<std::string>();
    auto prefix = std::make_shared<std::vector<std::string>>();
    auto k = std::make_shared<std::size_t>(8);
    cmd->add_option("--db", *db, "index folder")->required();
    cmd->add_option("-k,--k", *k, "how many")->capture_default_str()->check(kCount);
    cmd->add_option("PREFIX", *prefix, "text typed so far")->required();
    cmd->callback([=] {
      set_action([=] {
        for (const auto& c : SearchEngine::open(*db).complete(join(*prefix), *k)) std::cout << c << "\n";
        return 0;
      });
    });
  }
  // run
  {
    auto* cmd = app.add_subcommand(
        "run", "Run every topic of a file and print a TREC run (score column: hits + 1 - rank, the engine's order)");
    auto a = std::make_shared<RunArgs>();
    cmd->add_option("--db", a->db, "index folder")->required();
    cmd->add_option("--topics", a->topics, "file of 'qid<TAB>query' lines")->required();
    cmd->add_option("--limit", a->limit, "hits per topic")->capture_default_str()->check(kCount);
    cmd->add_option("--tag", a->tag, "run tag")->capture_default_str();
    cmd->add_flag("--stats", a->stats, "print latency percentiles (µs) as JSON on stderr");
    cmd->add_flag("--facets", a->facets, "also compute all facets, as search does");
    add_ranking_options(cmd, a->options);
    cmd->callback([=] { set_action([=] { return run_topics(*a); }); });
  }
  // serve (server_serve.cpp)
  add_serve_command(app, set_action, &add_ranking_options);
  add_sync_command(app, set_action);  // cli_sync.cpp
  add_shard_command(app, set_action);  // cli_shards.cpp
}

}  // namespace studysearch::app
