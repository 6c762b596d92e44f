#include "meili_filter.hpp"

#include <algorithm>
#include <cmath>
#include <map>
#include <optional>
#include <set>

namespace studysearch::app::meili {
namespace {

// The empty key stands for "the study has no value" (our records say absent
// with an empty text, and Meilisearch's NOT / != match those studies too).
const std::string kMissing;

constexpr std::size_t kMaxDepth = 32;        // parentheses and NOTs
constexpr std::size_t kMaxConditions = 1000;  // a filter is a handful, not a bulk query

std::string shorten(std::string_view text) {
  return std::string(text.size() > 60 ? std::string(text.substr(0, 60)) + "..." : std::string(text));
}

std::string available() {
  std::string out;
  for (const auto& name : filterable_attributes()) out += (out.empty() ? "`" : ", `") + name + "`";
  return out;
}

// ---- values of one attribute -------------------------------------------

/// A set of values of one attribute; with `complement`, every value except these.
struct ValueSet {
  bool complement = false;
  std::set<std::string> values;
};

std::set<std::string> minus(const std::set<std::string>& a, const std::set<std::string>& b) {
  std::set<std::string> out;
  std::set_difference(a.begin(), a.end(), b.begin(), b.end(), std::inserter(out, out.end()));
  return out;
}
std::set<std::string> both(const std::set<std::string>& a, const std::set<std::string>& b) {
  std::set<std::string> out;
  std::set_intersection(a.begin(), a.end(), b.begin(), b.end(), std::inserter(out, out.end()));
  return out;
}
std::set<std::string> either(std::set<std::string> a, const std::set<std::string>& b) {
  a.insert(b.begin(), b.end());
  return a;
}

ValueSet intersect(const ValueSet& a, const ValueSet& b) {
  if (!a.complement && !b.complement) return {false, both(a.values, b.values)};
  if (!a.complement) return {false, minus(a.values, b.values)};
  if (!b.complement) return {false, minus(b.values, a.values)};
  return {true, either(a.values, b.values)};
}
ValueSet unite(const ValueSet& a, const ValueSet& b) {
  if (!a.complement && !b.complement) return {false, either(a.values, b.values)};
  if (!a.complement) return {true, minus(b.values, a.values)};
  if (!b.complement) return {true, minus(a.values, b.values)};
  return {true, both(a.values, b.values)};
}

/// A conjunction: per attribute, the values it may take (an absent attribute:
/// any). `none` = matches nothing whatever the rest says.
struct Conjunction {
  std::map<std::string, ValueSet> by_attribute;
  void add(const std::string& attribute, const ValueSet& set) {
    auto [it, inserted] = by_attribute.emplace(attribute, set);
    if (inserted) return;
    // A study may have several values of a multi-valued field: `criteria = A AND
    // criteria = B` is not one set of values (and SearchRequest cannot say it).
    const Field* field = find_field(attribute);
    if (field && field->multi() && (it->second.complement || set.complement || it->second.values != set.values))
      throw bad_request("invalid_search_filter", "two conditions ANDed on `" + attribute +
                                                     "` (a study may have several values) are not supported by "
                                                     "studysearch; use one `IN [...]` (OR)");
    it->second = intersect(it->second, set);
  }
};

// ---- tokens ------------------------------------------------------------

struct Token {
  enum Kind { word, quoted, op, open, close, open_list, close_list, comma, end } kind = end;
  std::string text;
  std::size_t column = 0;  // 1-based
};

bool is_space(char c) { return c == ' ' || c == '\t' || c == '\n' || c == '\r'; }
bool is_special(char c) {
  return is_space(c) || c == '=' || c == '!' || c == '<' || c == '>' || c == '(' || c == ')' || c == '[' ||
         c == ']' || c == ',' || c == '"' || c == '\'';
}

std::vector<Token> tokenize(std::string_view text) {
  std::vector<Token> out;
  std::size_t i = 0;
  while (true) {
    while (i < text.size() && is_space(text[i])) ++i;
    const std::size_t column = i + 1;
    if (i == text.size()) {
      out.push_back({Token::end, "", column});
      return out;
    }
    const char c = text[i];
    if (c == '"' || c == '\'') {
      std::string value;
      ++i;
      while (i < text.size() && text[i] != c) {
        if (text[i] == '\\' && i + 1 < text.size()) ++i;  // \" \' \\ (and any other escaped byte)
        value += text[i++];
      }
      if (i == text.size())
        throw bad_request("invalid_search_filter",
                          "the quote opened at column " + std::to_string(column) + " is never closed");
      ++i;
      out.push_back({Token::quoted, std::move(value), column});
    } else if (c == '=' || c == '<' || c == '>' || c == '!') {
      std::string op(1, c);
      if (i + 1 < text.size() && text[i + 1] == '=' && c != '=') op += '=';
      if (op == "!")
        throw bad_request("invalid_search_filter", "'!' at column " + std::to_string(column) + " must be '!='");
      i += op.size();
      out.push_back({Token::op, std::move(op), column});
    } else if (c == '(' || c == ')' || c == '[' || c == ']' || c == ',') {
      const Token::Kind kind = c == '(' ? Token::open : c == ')' ? Token::close : c == '[' ? Token::open_list
                                                        : c == ']' ? Token::close_list : Token::comma;
      out.push_back({kind, std::string(1, c), column});
      ++i;
    } else {
      std::size_t end = i;
      while (end < text.size() && !is_special(text[end])) ++end;
      out.push_back({Token::word, std::string(text.substr(i, end - i)), column});
      i = end;
    }
  }
}

bool same_word(std::string_view a, std::string_view keyword) {
  return a.size() == keyword.size() &&
         std::equal(a.begin(), a.end(), keyword.begin(), [](char x, char y) { return (x >= 'a' && x <= 'z' ? x - 32 : x) == y; });
}

// ---- one attribute's values ----------------------------------------------

bool is_year(const std::string& attribute) {
  const Field* field = find_field(attribute);
  return field && field->type == FieldType::integer;
}

// ---- the parser ----------------------------------------------------------

class Parser {
 public:
  Parser(std::string_view text, std::map<std::string, std::string>& display, std::size_t& conditions)
      : text_(text), tokens_(tokens_of(text)), display_(display), conditions_(conditions) {}

  Conjunction parse() {
    if (peek().kind == Token::end) return {};  // "" = no filter
    Conjunction result = expression(0);
    if (peek().kind != Token::end) fail("unexpected " + describe(peek()) + "; expected AND, OR or the end", peek());
    return result;
  }

 private:
  static std::vector<Token> tokens_of(std::string_view text) {
    try {
      return tokenize(text);
    } catch (const ApiError& e) {
      throw bad_request("invalid_search_filter", std::string(e.what()) + " (in filter `" + shorten(text) + "`)");
    }
  }

  const Token& peek(std::size_t ahead = 0) const { return tokens_[std::min(pos_ + ahead, tokens_.size() - 1)]; }
  const Token& next() { return tokens_[std::min(pos_++, tokens_.size() - 1)]; }
  bool keyword(const Token& t, std::string_view word) const { return t.kind == Token::word && same_word(t.text, word); }

  static std::string describe(const Token& t) {
    return t.kind == Token::end ? std::string("end of filter") : "`" + shorten(t.text) + "` at column " + std::to_string(t.column);
  }
  [[noreturn]] void fail(const std::string& message, const Token&) const {
    throw bad_request("invalid_search_filter", message + " (in filter `" + shorten(text_) + "`)");
  }
  [[noreturn]] void unsupported(const std::string& what) const {
    throw bad_request("invalid_search_filter",
                      what + " is not supported by studysearch (per attribute one OR group, ANDed across attributes; "
                             "year one range) (in filter `" + shorten(text_) + "`)");
  }

  Conjunction expression(std::size_t depth) {
    Conjunction left = conjunction(depth);
    while (keyword(peek(), "OR")) {
      next();
      left = unite_conjunctions(left, conjunction(depth));
    }
    return left;
  }

  Conjunction conjunction(std::size_t depth) {
    Conjunction left = negation(depth);
    while (keyword(peek(), "AND")) {
      next();
      const Conjunction right = negation(depth);
      for (const auto& [attribute, set] : right.by_attribute) left.add(attribute, set);
    }
    return left;
  }

  Conjunction negation(std::size_t depth) {
    if (depth > kMaxDepth) fail("the filter is nested more than " + std::to_string(kMaxDepth) + " levels deep", peek());
    if (keyword(peek(), "NOT")) {
      next();
      Conjunction inner = negation(depth + 1);
      if (inner.by_attribute.size() != 1)
        unsupported("NOT over conditions on several attributes");
      auto& set = inner.by_attribute.begin()->second;
      set.complement = !set.complement;
      return inner;
    }
    if (peek().kind == Token::open) {
      next();
      Conjunction inner = expression(depth + 1);
      if (peek().kind != Token::close) fail("expected `)` but found " + describe(peek()), peek());
      next();
      return inner;
    }
    return condition();
  }

  Conjunction unite_conjunctions(const Conjunction& a, const Conjunction& b) const {
    if (a.by_attribute.size() > 1 || b.by_attribute.size() > 1) unsupported("OR over an AND of several attributes");
    if (a.by_attribute.empty() || b.by_attribute.empty()) return {};  // something OR everything
    const auto& [name_a, set_a] = *a.by_attribute.begin();
    const auto& [name_b, set_b] = *b.by_attribute.begin();
    if (name_a != name_b) unsupported("OR across different attributes (`" + name_a + "`, `" + name_b + "`)");
    Conjunction out;
    out.by_attribute.emplace(name_a, unite(set_a, set_b));
    return out;
  }

  std::string attribute_name() {
    const Token& t = next();
    if (t.kind != Token::word && t.kind != Token::quoted)
      fail("expected an attribute name but found " + describe(t), t);
    const auto& names = filterable_attributes();
    if (std::find(names.begin(), names.end(), t.text) == names.end()) {
      if (t.text.starts_with("_geo")) fail("geo filters are not supported: studies have no location", t);
      fail("attribute `" + shorten(t.text) + "` is not filterable. Available filterable attributes are: " + available(), t);
    }
    return t.text;
  }

  const Token& value_token() {
    const Token& t = next();
    if (t.kind != Token::word && t.kind != Token::quoted) fail("expected a value but found " + describe(t), t);
    return t;
  }

  // One study value as its set key (see kMissing, journal_key).
  std::string key(const std::string& attribute, const Token& t) {
    const std::string& v = t.text;
    if (is_year(attribute)) {
      const auto n = number(t);
      if (!n || *n != std::floor(*n)) return "-";  // no study has a fractional year: matches nothing
      return std::to_string(static_cast<long long>(*n));
    }
    const Field& field = *find_field(attribute);
    if (field.type == FieldType::enumeration) return vocabulary_value(field, v).value_or(v);  // outside: matches nothing
    std::string k = value_key(v);
    display_.emplace(attribute + '\n' + k, v);
    return k;
  }

  std::optional<double> number(const Token& t) const {
    const std::string& v = t.text;
    if (v.empty()) return std::nullopt;
    std::size_t used = 0;
    double n = 0;
    try {
      n = std::stod(v, &used);
    } catch (const std::exception&) {
      return std::nullopt;
    }
    if (used != v.size() || !std::isfinite(n)) return std::nullopt;
    return n;
  }

  double year_bound(const Token& t) const {
    const auto n = number(t);
    if (!n) fail("`year` is compared with numbers, not " + describe(t), t);
    return *n;
  }

  // Every year in [from, to] of the record range, as keys.
  static ValueSet years(double from, double to) {
    ValueSet set;
    const double lo = std::max<double>(std::ceil(from), kMinYear), hi = std::min<double>(std::floor(to), kMaxYear);
    for (int y = static_cast<int>(lo); y <= hi; ++y) set.values.insert(std::to_string(y));
    return set;
  }

  std::vector<std::string> list(const std::string& attribute) {
    const Token& open = next();
    if (open.kind != Token::open_list) fail("expected `[` after IN but found " + describe(open), open);
    std::vector<std::string> keys;
    if (peek().kind == Token::close_list) {
      next();
      return keys;
    }
    while (true) {
      keys.push_back(key(attribute, value_token()));
      const Token& t = next();
      if (t.kind == Token::close_list) return keys;
      if (t.kind != Token::comma) fail("expected `,` or `]` but found " + describe(t), t);
    }
  }

  Conjunction condition() {
    if (++conditions_ > kMaxConditions) fail("more than " + std::to_string(kMaxConditions) + " conditions", peek());
    const std::string attribute = attribute_name();
    Conjunction out;
    const Token& t = peek();
    ValueSet set;
    if (t.kind == Token::op) {
      next();
      const Token& value = value_token();
      const std::string& op = t.text;
      if (op == "=" || op == "!=") {
        set.values.insert(key(attribute, value));
        set.complement = op == "!=";
      } else {
        if (!is_year(attribute))
          fail("`" + op + "` compares numbers; `" + attribute + "` is text (only `year` is a number)", t);
        const double v = year_bound(value);
        if (op == ">") set = years(std::floor(v) + 1, kMaxYear);
        else if (op == ">=") set = years(v, kMaxYear);
        else if (op == "<") set = years(kMinYear, std::ceil(v) - 1);
        else set = years(kMinYear, v);
      }
    } else if (keyword(t, "IN")) {
      next();
      for (auto& k : list(attribute)) set.values.insert(std::move(k));
    } else if (keyword(t, "NOT") && keyword(peek(1), "IN")) {
      next(), next();
      for (auto& k : list(attribute)) set.values.insert(std::move(k));
      set.complement = true;
    } else if (keyword(t, "EXISTS")) {
      next();
      set = {true, {kMissing}};
    } else if (keyword(t, "NOT") && keyword(peek(1), "EXISTS")) {
      next(), next();
      set = {false, {kMissing}};
    } else if (keyword(t, "IS")) {
      fail("`IS NULL` / `IS EMPTY` are not supported: an absent value is simply absent here (use NOT " + attribute +
               " EXISTS)", t);
    } else if (t.kind == Token::word || t.kind == Token::quoted) {
      const Token& from = next();
      const Token& to_keyword = next();
      if (!keyword(to_keyword, "TO"))
        fail("expected an operator (=, !=, >, >=, <, <=, TO, IN, EXISTS) after `" + attribute + "` but found " +
                 describe(from), from);
      if (!is_year(attribute)) fail("`TO` takes a range of numbers; `" + attribute + "` is text (only `year` is a number)", to_keyword);
      const Token& to = value_token();
      set = years(year_bound(from), year_bound(to));
    } else {
      fail("expected an operator after `" + attribute + "` but found " + describe(t), t);
    }
    out.add(attribute, set);
    return out;
  }

  std::string text_;
  std::vector<Token> tokens_;
  std::size_t pos_ = 0;
  std::map<std::string, std::string>& display_;  // "attribute\nkey" -> the value as the caller wrote it
  std::size_t& conditions_;
};

// The final check: can SearchRequest say this? Returns false for "nothing".
bool resolve(const Conjunction& all, const std::map<std::string, std::string>& display, SearchRequest& request,
             const std::string& text) {
  const auto unsupported = [&](const std::string& what) {
    throw bad_request("invalid_search_filter",
                      what + " is not supported by studysearch (per attribute one OR group, ANDed across attributes; "
                             "year one range) (in filter `" + shorten(text) + "`)");
  };
  bool possible = true;
  for (const auto& [attribute, set] : all.by_attribute) {
    // The values a study can have, when the field has a closed set of them and
    // one per study: then `!=` and NOT are the other values.
    const Field& field = *find_field(attribute);
    std::vector<std::string> universe;
    if (field.type == FieldType::integer) {
      universe.push_back(kMissing);
      for (int y = kMinYear; y <= kMaxYear; ++y) universe.push_back(std::to_string(y));
    } else if (field.type == FieldType::enumeration && !field.multi()) {
      if (!field.required) universe.push_back(kMissing);
      for (std::string_view v : field.vocabulary) universe.emplace_back(v);
    }
    if (universe.empty()) {  // journal, design, multi-valued fields: open-ended
      if (set.complement) {
        if (set.values.empty()) continue;
        unsupported("`" + attribute + " !=` / NOT on `" + attribute + "` (it would also match studies without one)");
      }
      if (set.values.count(kMissing)) unsupported("matching studies without a `" + attribute + "`");
      if (set.values.empty()) possible = false;
      std::vector<std::string>& out = request.filters[attribute];
      for (const auto& k : set.values) {
        const auto shown = display.find(attribute + '\n' + k);
        out.push_back(shown == display.end() ? k : shown->second);
      }
      continue;
    }
    std::vector<std::string> chosen;
    for (const auto& v : universe)
      if (set.values.count(v) != set.complement) chosen.push_back(v);
    if (chosen.size() == universe.size()) continue;  // every study
    if (chosen.empty()) {
      possible = false;
      continue;
    }
    if (is_year(attribute) && chosen.front() == kMissing) {  // SearchRequest::year_unknown: "or no year"
      request.year_unknown = true;
      chosen.erase(chosen.begin());
      if (chosen.empty()) continue;
    } else if (chosen.front() == kMissing) {
      unsupported("a `" + attribute + "` condition that also matches studies without a " + attribute);
    }
    if (field.type != FieldType::integer) {
      request.filters[attribute] = chosen;
    } else {
      const int from = std::stoi(chosen.front()), to = std::stoi(chosen.back());
      if (static_cast<std::size_t>(to - from + 1) != chosen.size()) unsupported("a year condition of several ranges");
      request.year_from = from;
      request.year_to = to;
    }
  }
  return possible;
}

}  // namespace

ApiError bad_request(std::string code, const std::string& message) {
  return ApiError(400, std::move(code), "invalid_request", message);
}

const std::vector<std::string>& filterable_attributes() {
  static const std::vector<std::string> names = [] {
    std::vector<std::string> out;
    for (const Field& f : study_fields())
      if (f.filter) out.emplace_back(f.name);
    std::sort(out.begin(), out.end());
    return out;
  }();
  return names;
}

bool apply_filter(const nlohmann::json& filter, SearchRequest& request) {
  if (filter.is_null()) return true;
  std::map<std::string, std::string> display;
  std::size_t conditions = 0;
  Conjunction all;
  std::string whole;  // for messages
  const auto parse = [&](const nlohmann::json& item) -> Conjunction {
    if (!item.is_string())
      throw bad_request("invalid_search_filter",
                        "the filter must be a string or an array of strings and arrays of strings, not " +
                            shorten(item.dump()));
    const std::string& text = item.get_ref<const std::string&>();
    whole += (whole.empty() ? "" : " AND ") + text;
    return Parser(text, display, conditions).parse();
  };
  const auto add = [&](const Conjunction& c) {
    for (const auto& [attribute, set] : c.by_attribute) all.add(attribute, set);
  };
  if (filter.is_string()) {
    add(parse(filter));
  } else if (filter.is_array()) {
    for (const auto& item : filter) {
      if (!item.is_array()) {
        add(parse(item));
        continue;
      }
      // An inner array: its expressions ORed (each must be on the same attribute).
      std::optional<std::pair<std::string, ValueSet>> any;
      bool everything = false;
      for (const auto& alternative : item) {
        const Conjunction c = parse(alternative);
        if (c.by_attribute.empty()) {
          everything = true;
          continue;
        }
        if (c.by_attribute.size() > 1)
          throw bad_request("invalid_search_filter", "an OR group (inner array) whose element `" +
                                                         shorten(alternative.get<std::string>()) +
                                                         "` ANDs several attributes is not supported by studysearch");
        const auto& [name, set] = *c.by_attribute.begin();
        if (!any) any.emplace(name, set);
        else if (any->first != name)
          throw bad_request("invalid_search_filter", "OR across different attributes (`" + any->first + "`, `" + name +
                                                         "`) is not supported by studysearch (per attribute one OR "
                                                         "group, ANDed across attributes)");
        else any->second = unite(any->second, set);
      }
      if (item.empty()) continue;  // [] = no condition
      if (!everything && any) all.add(any->first, any->second);
    }
  } else {
    throw bad_request("invalid_search_filter",
                      "the filter must be a string or an array of strings and arrays of strings, not " + shorten(filter.dump()));
  }
  return resolve(all, display, request, whole);
}

}  // namespace studysearch::app::meili
