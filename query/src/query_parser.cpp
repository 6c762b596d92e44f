#include "query_parser.hpp"

#include <algorithm>
#include <array>
#include <charconv>
#include <map>
#include <optional>

#include "field_source.hpp"
#include "studysearch/detail/schema.hpp"
#include "studysearch/study.hpp"

namespace studysearch {
namespace {

// A query item: a word, a "phrase", or field:value, possibly negated.
struct Item {
  std::string_view text;  // without quotes, prefix or '-'
  std::size_t offset = 0; // byte offset of `text` in the query
  std::string field;      // lowercase field name, "" = free text
  bool phrase = false;
  bool exclude = false;
  bool or_operator = false;  // the bare word OR
};

constexpr std::array<std::string_view, 8> kFields = {"title",     "author", "journal", "summary",
                                                     "relevance", "limitations", "year", "pem"};

bool is_space(char c) { return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '(' || c == ')'; }

std::string lower_ascii(std::string_view s) {
  std::string out(s);
  for (auto& c : out) c = static_cast<char>(c >= 'A' && c <= 'Z' ? c + 32 : c);
  return out;
}

// Splits the query into items. Unbalanced quotes simply end at the end of the text.
std::vector<Item> lex(std::string_view q) {
  std::vector<Item> items;
  std::size_t i = 0;
  bool negate_next = false;
  while (i < q.size()) {
    if (is_space(q[i])) {
      ++i;
      continue;
    }
    Item item;
    item.exclude = negate_next;
    negate_next = false;
    if (q[i] == '-' && i + 1 < q.size() && !is_space(q[i + 1]) && q[i + 1] != '-') {
      item.exclude = true;
      ++i;
    }
    // field:
    std::size_t j = i;
    while (j < q.size() && ((q[j] >= 'a' && q[j] <= 'z') || (q[j] >= 'A' && q[j] <= 'Z'))) ++j;
    if (j < q.size() && q[j] == ':' && j > i) {
      const std::string name = lower_ascii(q.substr(i, j - i));
      if (std::find(kFields.begin(), kFields.end(), name) != kFields.end() && j + 1 < q.size() && !is_space(q[j + 1])) {
        item.field = name;
        i = j + 1;
      }
    }
    if (i < q.size() && q[i] == '"') {
      const std::size_t close = q.find('"', i + 1);
      const std::size_t end = close == std::string_view::npos ? q.size() : close;
      item.text = q.substr(i + 1, end - i - 1);
      item.offset = i + 1;
      item.phrase = true;
      i = close == std::string_view::npos ? q.size() : close + 1;
    } else {
      std::size_t end = i;
      while (end < q.size() && !is_space(q[end]) && q[end] != '"') ++end;
      item.text = q.substr(i, end - i);
      item.offset = i;
      i = end;
      if (item.field.empty() && !item.exclude) {
        if (item.text == "OR" || item.text == "|") {
          item.or_operator = true;
        } else if (item.text == "AND" || item.text == "&&" || item.text == "+") {
          continue;
        } else if (item.text == "NOT") {
          negate_next = true;
          continue;
        }
      }
    }
    if (!item.text.empty()) items.push_back(item);
  }
  return items;
}

std::optional<int> parse_year(std::string_view s) {
  int value = 0;
  auto [ptr, ec] = std::from_chars(s.data(), s.data() + s.size(), value);
  if (ec != std::errc() || ptr != s.data() + s.size() || value < 1000 || value > 9999) return std::nullopt;
  return value;
}

std::optional<Xapian::Query> year_filter(std::string_view text) {
  const auto dots = text.find("..");
  std::optional<int> from, to;
  if (dots == std::string_view::npos) {
    from = to = parse_year(text);
    if (!from) return std::nullopt;
  } else {
    const auto left = text.substr(0, dots), right = text.substr(dots + 2);
    if (!left.empty() && !(from = parse_year(left))) return std::nullopt;
    if (!right.empty() && !(to = parse_year(right))) return std::nullopt;
    if (!from && !to) return std::nullopt;
  }
  const std::string lo = Xapian::sortable_serialise(from.value_or(0));
  const std::string hi = Xapian::sortable_serialise(to.value_or(100000));
  return Xapian::Query(Xapian::Query::OP_VALUE_RANGE, schema::kYearSlot, lo, hi);
}

std::optional<Xapian::Query> pem_filter(std::string_view text) {
  const Field& pem = *find_field("pem");
  const auto value = vocabulary_value(pem, text);
  if (!value) return std::nullopt;
  return Xapian::Query(schema::key_term(pem.term_prefix, *value));
}

std::string_view field_prefix(const std::string& field) {
  if (field == "title") return schema::kTitle;
  if (field == "author") return schema::kAuthor;
  if (field == "journal") return schema::kJournalText;
  return {};
}

// Fields searched through word positions (see field_source.hpp).
std::optional<schema::PositionRange> position_field(const std::string& field) {
  if (field == "summary") return schema::kSummaryPositions;
  if (field == "relevance") return schema::kRelevancePositions;
  if (field == "limitations") return schema::kLimitationsPositions;
  return std::nullopt;
}

Xapian::Query combine(Xapian::Query::op op, const std::vector<Xapian::Query>& parts) {
  if (parts.empty()) return Xapian::Query();
  if (parts.size() == 1) return parts.front();
  return Xapian::Query(op, parts.begin(), parts.end());
}

Xapian::Query phrase_of(const std::vector<std::string>& terms) {
  if (terms.size() == 1) return Xapian::Query(terms.front());
  return Xapian::Query(Xapian::Query::OP_PHRASE, terms.begin(), terms.end(), static_cast<Xapian::termcount>(terms.size()));
}

class Builder {
 public:
  Builder(std::string_view text, const Analyzer& analyzer, const Thesaurus& thesaurus, const ParserOptions& options,
          const PrefixExpander& expand_last_word)
      : text_(text), analyzer_(analyzer), thesaurus_(thesaurus), options_(options), expand_last_word_(expand_last_word) {}

  ParsedQuery build() {
    // Runs of plain words are collected and turned into concepts together, so
    // that multi-word synonyms ("chronic fatigue syndrome") are recognised.
    std::vector<Xapian::Query> excluded, filters;
    for (const Item& item : lex(text_)) {
      if (item.or_operator) {
        flush_pending();
        join_next_ = !groups_.empty();
        continue;
      }
      if (item.field == "year" || item.field == "pem") {
        auto filter = item.field == "year" ? year_filter(item.text) : pem_filter(item.text);
        if (filter) {
          (item.exclude ? excluded : filters).push_back(*filter);
          continue;
        }
      }
      const bool plain = item.phrase ? false : item.field.empty() || item.field == "year" || item.field == "pem";
      if (plain && item.exclude) {
        analyzer_.tokenize(item.text, [&](const Token& token) {
          if (room()) ++terms_, excluded.emplace_back(analyzer_.stem(token.word));
        });
      } else if (plain) {
        collect(item.text, item.offset);
      } else {
        flush_pending();
        std::optional<std::vector<ScoredLeaf>> leaves;
        auto q = field_or_phrase(item, leaves);
        if (q.empty()) continue;
        if (item.exclude) excluded.push_back(q);
        else add_concept(q, std::move(leaves));
      }
    }
    flush_pending();
    merge_repeated_words();
    for (const auto& g : groups_) result_.concepts.push_back(combine(Xapian::Query::OP_OR, g));
    result_.plan = std::move(plan_);
    result_.excluded = combine(Xapian::Query::OP_OR, excluded);
    result_.text_filters = combine(Xapian::Query::OP_AND, filters);
    return std::move(result_);
  }

 private:
  struct PendingWord {
    std::string word, stem;
    bool capitals = false;
    std::size_t begin = 0, end = 0;
    bool last = false;  // ends the text: a prefix while typing
  };

  bool room() const { return terms_ < options_.max_terms; }

  // ParserOptions::query_k3: a plain word typed several times becomes one
  // concept (its first place) weighing (k3 + 1) n / (k3 + n). Matching and
  // the all-words tier are those of the words typed either way.
  void merge_repeated_words() {
    if (options_.query_k3 < 0) return;
    auto word_of = [&](std::size_t i) -> const std::string* {
      if (groups_[i].size() != 1 || i >= plan_.size() || plan_[i].leaves.size() != 1) return nullptr;
      const ScoredLeaf& leaf = plan_[i].leaves.front();
      return !leaf.phrase && leaf.terms.size() == 1 && leaf.factor == 1.0 ? &leaf.terms.front() : nullptr;
    };
    if (plan_.size() != groups_.size()) return;  // a concept without a plan: leave the query as typed
    std::vector<std::size_t> repeats(groups_.size(), 1);
    std::vector<bool> keep(groups_.size(), true);
    std::map<std::string, std::size_t> first;
    for (std::size_t i = 0; i < groups_.size(); ++i) {
      const std::string* word = word_of(i);
      if (!word) continue;
      auto [it, inserted] = first.emplace(*word, i);
      if (!inserted) ++repeats[it->second], keep[i] = false;
    }
    std::vector<std::vector<Xapian::Query>> groups;
    std::vector<ScoredConcept> plan;
    for (std::size_t i = 0; i < groups_.size(); ++i) {
      if (!keep[i]) continue;
      if (repeats[i] > 1) {
        const double n = static_cast<double>(repeats[i]), k3 = options_.query_k3;
        const double scale = (k3 + 1) * n / (k3 + n);
        plan_[i].leaves.front().factor = scale;
        groups_[i].front() = Xapian::Query(Xapian::Query::OP_SCALE_WEIGHT, groups_[i].front(), scale);
      }
      groups.push_back(std::move(groups_[i]));
      plan.push_back(std::move(plan_[i]));
    }
    groups_ = std::move(groups);
    plan_ = std::move(plan);
  }

  // A concept joins the previous one when an OR stood between them. `leaves`
  // is its plan; nullopt when only Xapian can match or weigh it.
  void add_concept(const Xapian::Query& q, std::optional<std::vector<ScoredLeaf>> leaves) {
    if (!leaves) result_.plan_complete = false;
    if (join_next_ && !groups_.empty()) {
      groups_.back().push_back(q);
      result_.has_or = true;
      if (leaves) plan_.back().leaves.insert(plan_.back().leaves.end(), leaves->begin(), leaves->end());
    } else {
      groups_.push_back({q});
      plan_.push_back({leaves.value_or(std::vector<ScoredLeaf>{})});
    }
    join_next_ = false;
  }

  // The plan of one term, or of a phrase of several (as phrase_of builds it).
  static std::vector<ScoredLeaf> single(const std::vector<std::string>& terms) {
    return {{terms, 1.0, terms.size() > 1}};
  }

  void collect(std::string_view text, std::size_t offset) {
    analyzer_.tokenize(text, [&](const Token& token) {
      if (!room()) return;
      ++terms_;
      const std::string_view raw = text.substr(token.begin, token.end - token.begin);
      const bool capitals = raw.size() >= 2 && std::all_of(raw.begin(), raw.end(), [](char c) {
                              return (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9');
                            });
      pending_.push_back({std::string(token.word), analyzer_.stem(token.word), capitals, offset + token.begin,
                          offset + token.end, offset + token.end == text_.size()});
    });
  }

  void flush_pending() {
    std::vector<std::string> stems;
    std::vector<bool> capitals;
    for (const auto& w : pending_) {
      stems.push_back(w.stem);
      capitals.push_back(w.capitals);
    }
    const bool all_stopwords = std::all_of(pending_.begin(), pending_.end(), [](const PendingWord& w) {
      return is_stopword(w.word);
    });
    for (std::size_t pos = 0; pos < pending_.size();) {
      const auto match = thesaurus_.longest_match(stems, capitals, pos);
      if (match.length > 0) {
        std::optional<std::vector<ScoredLeaf>> leaves;
        const Xapian::Query q = synonym_concept(match, stems, pos, leaves);
        add_concept(q, std::move(leaves));
        for (std::size_t i = pos; i < pos + match.length; ++i) note_word(pending_[i]);
        pos += match.length;
        continue;
      }
      const PendingWord& w = pending_[pos++];
      const bool drop = options_.stopwords && !all_stopwords && is_stopword(w.word);
      if (w.last && expand_last_word_ && add_prefix_concept(w, !drop)) continue;
      ++result_.word_count;
      note_word(w);
      if (drop) continue;
      add_concept(Xapian::Query(w.stem), single({w.stem}));
    }
    pending_.clear();
  }

  // The last word while typing: the word as typed (unless it is a dropped
  // stopword) OR one synonym group of the indexed words it begins (Xapian's
  // FLAG_PARTIAL). Not offered to did-you-mean: an unfinished word is not a
  // misspelling. False when nothing else in the index begins with it: it is
  // then an ordinary word.
  bool add_prefix_concept(const PendingWord& w, bool keep_typed) {
    std::vector<std::string> completions = expand_last_word_(w.word);
    std::erase(completions, w.stem);
    if (completions.empty()) return false;
    ++result_.word_count;
    result_.highlight_stems.insert(completions.begin(), completions.end());
    const Xapian::Query others(Xapian::Query::OP_SYNONYM, completions.begin(), completions.end());
    if (!keep_typed) {
      add_concept(others, std::vector<ScoredLeaf>{{std::move(completions), 1.0}});
      return true;
    }
    result_.highlight_stems.insert(w.stem);
    std::vector<ScoredLeaf> leaves{{{w.stem}, 1.0}, {std::move(completions), 1.0}};
    add_concept(Xapian::Query(Xapian::Query::OP_OR, Xapian::Query(w.stem), others), std::move(leaves));
    return true;
  }

  void note_word(const PendingWord& w) {
    result_.highlight_stems.insert(w.stem);
    result_.words.push_back({w.word, w.stem, w.begin, w.end});
  }

  // The words as typed, or any other form of their group at lower weight.
  Xapian::Query synonym_concept(const Thesaurus::Match& match, const std::vector<std::string>& stems, std::size_t pos,
                                std::optional<std::vector<ScoredLeaf>>& leaves) {
    result_.word_count += match.length;
    const std::vector<std::string> typed(stems.begin() + static_cast<long>(pos),
                                         stems.begin() + static_cast<long>(pos + match.length));
    std::vector<Xapian::Query> others;
    ScoredLeaf synonyms{{}, options_.synonym_weight};
    bool single_words = typed.size() == 1;
    const auto& forms = thesaurus_.group(match.group);
    for (std::size_t f = 0; f < forms.size(); ++f) {
      // Capitals-only forms ("ME", "GET") are everyday words in lowercased
      // text, so they are never searched for as someone else's synonym.
      if (forms[f].stems == typed || forms[f].capitals_only) continue;
      others.push_back(phrase_of(forms[f].stems));
      for (const auto& s : forms[f].stems) result_.highlight_stems.insert(s);
      single_words = single_words && forms[f].stems.size() == 1;
      if (!forms[f].stems.empty()) synonyms.terms.push_back(forms[f].stems.front());
    }
    const Xapian::Query exact = phrase_of(typed);
    if (single_words) {
      leaves = std::vector<ScoredLeaf>{{typed, 1.0}};
      if (!others.empty()) leaves->push_back(std::move(synonyms));
    }
    if (others.empty()) return exact;
    const Xapian::Query alternatives(Xapian::Query::OP_SYNONYM, others.begin(), others.end());
    return Xapian::Query(Xapian::Query::OP_OR, exact,
                         Xapian::Query(Xapian::Query::OP_SCALE_WEIGHT, alternatives, options_.synonym_weight));
  }

  // title:word, title:"a phrase", "a phrase": positional where the field has
  // positions; elsewhere the phrase on the free text plus every word in the field.
  Xapian::Query field_or_phrase(const Item& item, std::optional<std::vector<ScoredLeaf>>& leaves) {
    const std::string_view prefix = field_prefix(item.field);
    const bool stem_words = item.field != "author";
    std::vector<std::string> free_terms, field_terms;
    analyzer_.tokenize(item.text, [&](const Token& token) {
      if (!room()) return;
      ++terms_;
      const std::string& stem = analyzer_.stem(token.word);
      free_terms.push_back(stem);
      field_terms.push_back(schema::term(prefix, stem_words ? stem : std::string(token.word)));
      if (!item.exclude) {
        result_.highlight_stems.insert(stem);
        ++result_.word_count;
      }
    });
    if (free_terms.empty()) return Xapian::Query();
    if (const auto range = position_field(item.field)) {
      // Every word in the field (and, for a phrase, the phrase anywhere).
      std::vector<Xapian::Query> parts;
      for (const auto& t : free_terms)
        // release(): the query takes ownership of the source (Xapian's idiom).
        parts.emplace_back((new FieldTermSource(t, *range, options_.field_k1))->release());
      const Xapian::Query in_field = combine(Xapian::Query::OP_AND, parts);
      if (!item.phrase || free_terms.size() == 1) return in_field;
      return Xapian::Query(Xapian::Query::OP_FILTER, in_field, phrase_of(free_terms));
    }
    if (prefix.empty()) {
      leaves = single(free_terms);
      return phrase_of(free_terms);
    }
    if (!item.phrase || prefix == schema::kTitle) {
      leaves = single(field_terms);
      return phrase_of(field_terms);
    }
    std::vector<Xapian::Query> parts;
    for (const auto& t : field_terms) parts.emplace_back(t);
    return Xapian::Query(Xapian::Query::OP_FILTER, phrase_of(free_terms), combine(Xapian::Query::OP_AND, parts));
  }

  std::string_view text_;
  const Analyzer& analyzer_;
  const Thesaurus& thesaurus_;
  const ParserOptions& options_;
  const PrefixExpander& expand_last_word_;
  ParsedQuery result_;
  std::vector<std::vector<Xapian::Query>> groups_;  // each = OR of alternatives
  std::vector<ScoredConcept> plan_;                   // parallel to groups_
  bool join_next_ = false;
  std::vector<PendingWord> pending_;
  std::size_t terms_ = 0;
};

}  // namespace

// query/data/stopwords.txt, compiled in (stopwords_data.cpp.in).
std::string_view bundled_stopwords();

bool is_stopword(std::string_view word) {
  static const std::set<std::string, std::less<>> words = [] {
    std::set<std::string, std::less<>> out;
    std::string_view text = bundled_stopwords();
    while (!text.empty()) {
      const std::size_t end = std::min(text.find('\n'), text.size());
      std::string_view line = text.substr(0, end);
      text.remove_prefix(std::min(end + 1, text.size()));
      line = line.substr(0, std::min(line.find('#'), line.size()));
      while (!line.empty() && (line.back() == ' ' || line.back() == '\t' || line.back() == '\r')) line.remove_suffix(1);
      while (!line.empty() && (line.front() == ' ' || line.front() == '\t')) line.remove_prefix(1);
      if (!line.empty()) out.emplace(line);
    }
    return out;
  }();
  return words.find(word) != words.end();
}

Xapian::Query ParsedQuery::finish(const Xapian::Query& positive) const {
  // A fresh match-all query: the shared static Query::MatchAll is
  // reference-counted without atomics in Xapian 1.4 (a data race under threads).
  Xapian::Query q = positive.empty() ? Xapian::Query(std::string()) : positive;
  if (!excluded.empty()) q = Xapian::Query(Xapian::Query::OP_AND_NOT, q, excluded);
  if (!text_filters.empty()) q = Xapian::Query(Xapian::Query::OP_FILTER, q, text_filters);
  return q;
}

Xapian::Query ParsedQuery::any_words() const { return finish(combine(Xapian::Query::OP_OR, concepts)); }
Xapian::Query ParsedQuery::all_words() const { return finish(combine(Xapian::Query::OP_AND, concepts)); }

ParsedQuery parse_query(std::string_view text, const Analyzer& analyzer, const Thesaurus& thesaurus,
                        const ParserOptions& options, const PrefixExpander& expand_last_word) {
  return Builder(text, analyzer, thesaurus, options, expand_last_word).build();
}

}  // namespace studysearch
