#include "abbreviations.hpp"

#include <algorithm>

namespace studysearch {
namespace {

bool is_upper(char c) { return c >= 'A' && c <= 'Z'; }
bool is_lower(char c) { return c >= 'a' && c <= 'z'; }
bool is_alnum(char c) { return is_upper(c) || is_lower(c) || (c >= '0' && c <= '9'); }
char to_lower(char c) { return is_upper(c) ? static_cast<char>(c + ('a' - 'A')) : c; }

bool abbreviation_shape(std::string_view s) {
  if (s.size() < 2 || s.size() > 10 || !(is_upper(s[0]) || is_lower(s[0]))) return false;
  if (!std::all_of(s.begin(), s.end(), is_alnum)) return false;
  const auto upper = std::count_if(s.begin(), s.end(), is_upper);
  return upper >= 1 && upper >= std::count_if(s.begin(), s.end(), is_lower);
}

// Punctuation a long form does not run across.
bool clause_break(std::string_view gap) { return gap.find_first_of(".;:()[]") != std::string_view::npos; }

// "DSB" and "DSBs" are one short form.
bool same_short_form(std::string_view a, std::string_view b) {
  if (a.size() < b.size()) std::swap(a, b);
  if (b.size() < 2) return false;
  return a == b || (a.size() == b.size() + 1 && a.back() == 's' && a.substr(0, b.size()) == b);
}

struct Word {
  std::string word;
  std::size_t begin, end;
};

}  // namespace

std::size_t long_form_start(std::string_view short_form, std::string_view before) {
  if (!abbreviation_shape(short_form)) return std::string_view::npos;
  // Each letter of the short form, right to left, further left in `before`;
  // the first letter at the start of a word.
  long l = static_cast<long>(before.size()) - 1;
  for (long s = static_cast<long>(short_form.size()) - 1; s >= 0; --s, --l) {
    const char c = to_lower(short_form[static_cast<std::size_t>(s)]);
    while (l >= 0 && (to_lower(before[static_cast<std::size_t>(l)]) != c ||
                      (s == 0 && l > 0 && is_alnum(before[static_cast<std::size_t>(l - 1)]))))
      --l;
    if (l < 0) return std::string_view::npos;
  }
  const std::size_t space = before.rfind(' ', static_cast<std::size_t>(l + 1));
  return space == std::string_view::npos ? 0 : space + 1;
}

std::vector<Abbreviation> find_abbreviations(std::string_view text, const Analyzer& analyzer) {
  if (text.find('(') == std::string_view::npos) return {};  // no definition without a parenthesis
  std::vector<Word> words;
  analyzer.tokenize(text, [&](const Token& t) { words.push_back({std::string(t.word), t.begin, t.end}); });
  std::vector<Abbreviation> out;
  for (std::size_t i = 1; i < words.size(); ++i) {
    const Word& w = words[i];
    if (text[w.begin - 1] != '(' || w.end >= text.size() || text[w.end] != ')') continue;
    const std::string_view short_form = text.substr(w.begin, w.end - w.begin);
    if (!abbreviation_shape(short_form)) continue;
    const bool known = std::any_of(out.begin(), out.end(),
                                   [&](const Abbreviation& a) { return same_short_form(a.short_form, short_form); });
    if (known) continue;
    // Candidate words: at most min(|short| + 5, 2 |short|) before the parenthesis, within the clause.
    const std::size_t max_words = std::min(short_form.size() + 5, short_form.size() * 2);
    const std::size_t paren = w.begin - 1;
    std::size_t first = i;
    while (first > 0 && i - first < max_words &&
           !clause_break(text.substr(words[first - 1].end, (first == i ? paren : words[first].begin) - words[first - 1].end)))
      --first;
    if (first == i) continue;
    const std::size_t from = words[first].begin;
    const std::size_t start = long_form_start(short_form, text.substr(from, paren - from));
    if (start == std::string_view::npos) continue;
    Abbreviation abbreviation{std::string(short_form), {}, w.begin};
    for (std::size_t j = first; j < i; ++j)
      if (words[j].begin >= from + start) abbreviation.long_stems.push_back(analyzer.stem(words[j].word));
    // "PDS (PDS)" or a long form that repeats the short form defines nothing.
    const std::string& short_stem = analyzer.stem(w.word);
    if (std::find(abbreviation.long_stems.begin(), abbreviation.long_stems.end(), short_stem) !=
        abbreviation.long_stems.end())
      continue;
    out.push_back(std::move(abbreviation));
  }
  return out;
}

AbbreviationTable::AbbreviationTable(const std::vector<const std::string*>& texts, const Analyzer& analyzer) {
  for (const std::string* text : texts)
    for (auto& abbreviation : find_abbreviations(*text, analyzer)) {
      const bool known = std::any_of(entries_.begin(), entries_.end(), [&](const Entry& e) {
        return same_short_form(e.abbreviation.short_form, abbreviation.short_form);
      });
      if (!known) entries_.push_back({text, std::move(abbreviation)});
    }
}

const std::vector<std::string>* AbbreviationTable::expansion(const std::string& text, std::string_view raw,
                                                             std::size_t begin) const {
  for (const Entry& e : entries_)
    if (same_short_form(raw, e.abbreviation.short_form))
      return e.text == &text && e.abbreviation.defined_at == begin ? nullptr : &e.abbreviation.long_stems;
  return nullptr;
}

}  // namespace studysearch
