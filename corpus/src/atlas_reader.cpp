// Atlas text reader: the text of atlas web pages, one entry per "---" block.
#include <algorithm>
#include <iterator>
#include <istream>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "emit_record.hpp"
#include "studysearch/readers.hpp"
#include "studysearch/fields.hpp"
#include "text_util.hpp"

namespace studysearch {
namespace {

struct Line {
  std::size_t number = 0;
  std::string text;
};

struct Entry {
  std::vector<Line> lines;
  std::size_t first_line = 0;  // 0: nothing but blank lines so far
  std::size_t bytes = 0;
  std::string unreadable;      // reason the whole entry is rejected
};

constexpr std::string_view kMiddleDot = "\xC2\xB7";  // U+00B7 "·"

std::vector<std::string_view> split_any(std::string_view text, std::initializer_list<std::string_view> separators) {
  std::vector<std::string_view> parts;
  std::size_t start = 0;
  for (std::size_t i = 0; i < text.size();) {
    bool matched = false;
    for (std::string_view separator : separators) {
      if (text.substr(i).starts_with(separator)) {
        parts.push_back(text::trim(text.substr(start, i - start)));
        i += separator.size();
        start = i;
        matched = true;
        break;
      }
    }
    if (!matched) ++i;
  }
  parts.push_back(text::trim(text.substr(start)));
  std::erase_if(parts, [](std::string_view part) { return part.empty(); });
  return parts;
}

// "I J", "G.A.", "J-E", "AB": one to four short all-capital tokens.
bool looks_like_initials(std::string_view piece) {
  const std::string folded = text::ascii_fold(piece);
  const auto tokens = split_any(folded, {" "});
  if (tokens.empty() || tokens.size() > 4) return false;
  for (std::string_view token : tokens) {
    std::size_t letters = 0;
    for (char c : token) {
      if (c >= 'A' && c <= 'Z') {
        ++letters;
      } else if (c != '.' && c != '-') {
        return false;
      }
    }
    if (letters == 0 || letters > 3) return false;
  }
  return true;
}

// "Russell, I J, Vipraio, G A et al." -> {"Russell, I J", "Vipraio, G A"}.
std::vector<std::string> parse_authors(std::string_view byline_part) {
  std::string_view list = text::trim(byline_part);
  for (std::string_view tail : {"et al.", "et al"}) {
    if (list.size() >= tail.size() &&
        text::iequals_ascii(list.substr(list.size() - tail.size()), tail)) {
      list.remove_suffix(tail.size());
      while (!list.empty() && (list.back() == ',' || list.back() == ';' || list.back() == ' ')) {
        list.remove_suffix(1);
      }
      break;
    }
  }
  std::vector<std::string> authors;
  if (list.find(';') != std::string_view::npos) {
    for (auto piece : split_any(list, {";"})) authors.emplace_back(piece);
    return authors;
  }
  const auto pieces = split_any(list, {","});
  for (std::size_t i = 0; i < pieces.size(); ++i) {
    // Pair "Surname" with the following "Initials"; pieces that do not pair are kept as they are.
    if (i + 1 < pieces.size() && !looks_like_initials(pieces[i]) && looks_like_initials(pieces[i + 1])) {
      authors.push_back(std::string(pieces[i]) + ", " + std::string(pieces[i + 1]));
      ++i;
    } else {
      authors.emplace_back(pieces[i]);
    }
  }
  return authors;
}

bool all_digits(std::string_view text) {
  return !text.empty() && std::all_of(text.begin(), text.end(), [](char c) { return c >= '0' && c <= '9'; });
}

// A short part holding a 4-digit year token, like "1999" or "Mar 1999".
std::optional<int> date_like_year(std::string_view part) {
  const auto tokens = split_any(part, {" ", ",", "-", "/"});
  if (part.size() > 20 || tokens.size() > 3) return std::nullopt;
  for (std::string_view token : tokens) {
    if (token.size() == 4 && all_digits(token)) return std::stoi(std::string(token));
  }
  return std::nullopt;
}

bool looks_like_doi(std::string_view part) {
  const std::string lower = text::ascii_lower(part);
  return lower.starts_with("10.") || lower.starts_with("doi:") || lower.find("doi.org/") != std::string::npos;
}

void parse_byline(std::string_view byline, Study& study, std::vector<FieldProblem>& problems) {
  const auto parts = split_any(byline, {kMiddleDot, " | "});
  if (parts.empty()) return;
  study.authors = parse_authors(parts[0]);
  for (std::size_t i = 1; i < parts.size(); ++i) {
    const std::string_view part = parts[i];
    if (text::iequals_ascii(part, "doi") || text::iequals_ascii(part, "doi:")) continue;  // label only
    if (looks_like_doi(part)) {
      study.doi = normalize_doi(part);
    } else if (all_digits(part)) {
      if (part.size() == 4) {
        study.year = std::stoi(std::string(part));
      } else {
        problems.push_back({"year", "must be a 4-digit year (got '" + std::string(part) + "')"});
      }
    } else if (auto year = date_like_year(part); year && !study.year) {
      study.year = year;
    } else if (study.journal.empty()) {
      study.journal = std::string(part);
    } else {
      problems.push_back({"byline", "unexpected part '" + std::string(part) +
                                        "' (expected Authors \xC2\xB7 Journal \xC2\xB7 Year \xC2\xB7 DOI)"});
    }
  }
}

// Splits a header value of a multi-valued field: "Fukuda 1994; CCC 2003".
std::vector<std::string> split_values(std::string_view value) {
  std::vector<std::string> out;
  std::size_t start = 0;
  while (start <= value.size()) {
    const auto end = std::min(value.find_first_of(",;", start), value.size());
    if (auto part = text::trim(value.substr(start, end - start)); !part.empty()) out.emplace_back(part);
    start = end + 1;
  }
  return out;
}

// "key: value" header lines of the fields that declare header keys (fields.cpp);
// returns false for any other line. Enumeration values are matched loosely
// ("PEM required", "e2", "ccc 2003"); a value outside the vocabulary is kept
// for validate() to name, except pem, which has no room for it.
bool apply_header(std::string_view line, Study& study, std::vector<FieldProblem>& problems) {
  const auto colon = line.find(':');
  if (colon == std::string_view::npos) return false;
  const std::string key = text::ascii_lower(text::trim(line.substr(0, colon)));
  const std::string value(text::trim(line.substr(colon + 1)));
  const Field* field = nullptr;
  for (const Field& f : study_fields())
    if (std::find(f.header_keys.begin(), f.header_keys.end(), key) != f.header_keys.end()) field = &f;
  if (!field) return false;
  auto canonical = [&](const std::string& v) {
    if (field->type != FieldType::enumeration) return v;
    return vocabulary_value(*field, v).value_or(v);
  };
  std::visit(
      [&](auto member) {
        auto& target = study.*member;
        using V = std::decay_t<decltype(target)>;
        if constexpr (std::is_same_v<V, std::string>) {
          target = canonical(value);
        } else if constexpr (std::is_same_v<V, std::vector<std::string>>) {
          for (const auto& v : split_values(value)) target.push_back(canonical(v));
        } else if constexpr (std::is_same_v<V, Pem>) {
          if (auto parsed = parse_pem(canonical(value))) target = *parsed;
          else if (!value.empty())
            problems.push_back({std::string(field->name), "must be one of " + vocabulary_list(*field) + " (got '" +
                                                               value + "')"});
        }
      },
      field->member);
  return true;
}

bool is_boilerplate(std::string_view line) {
  return text::istarts_with_ascii(line, "Spotted an error") ||
         text::istarts_with_ascii(line, "How the atlas works");
}

// Each non-blank line is a paragraph, unless the text separates paragraphs
// with blank lines; then consecutive lines are joined into one paragraph.
std::vector<std::string> collect_paragraphs(const std::vector<Line>& lines, std::size_t from) {
  std::size_t first = lines.size(), last = 0;
  for (std::size_t i = from; i < lines.size(); ++i) {
    if (text::trim(lines[i].text).empty()) continue;
    first = std::min(first, i);
    last = i;
  }
  bool blank_separated = false;
  for (std::size_t i = first; i < last; ++i) blank_separated |= text::trim(lines[i].text).empty();

  std::vector<std::string> paragraphs;
  std::string current;
  bool skipping_block = false;  // inside an "About the PEM badge" paragraph
  auto finish = [&] {
    if (!current.empty()) paragraphs.push_back(std::move(current));
    current.clear();
  };
  for (std::size_t i = from; i < lines.size(); ++i) {
    const std::string_view line = text::trim(lines[i].text);
    if (line.empty()) {
      finish();
      skipping_block = false;
    } else if (text::istarts_with_ascii(line, "About the PEM badge")) {
      finish();
      skipping_block = blank_separated;
    } else if (!skipping_block && !is_boilerplate(line)) {
      if (!current.empty()) current.push_back(' ');
      current += line;
      if (!blank_separated) finish();
    }
  }
  finish();
  return paragraphs;
}

// Words that never make an id: English function words, plus (for summaries)
// the generic openings of plain-language summaries ("This study examined ...").
constexpr std::string_view kStopwords[] = {
    "a", "an", "the", "of", "in", "on", "and", "or", "for", "with", "to", "from", "by", "at",
    "as", "is", "are", "was", "were", "be", "been", "its", "their", "this", "that", "these",
    "those", "into", "among", "after", "before", "during", "between", "versus", "vs", "not",
    "but", "than", "our", "we", "they", "which", "who", "how", "whether", "both", "also",
    "using", "via", "per", "over", "about"};
constexpr std::string_view kGenericWords[] = {
    "study", "studies", "examined", "examines", "examine", "investigated", "investigates",
    "investigate", "researchers", "research", "paper", "article", "authors", "report",
    "reports", "reported", "describes", "described", "explored", "explores", "aimed",
    "assessed", "looked", "review"};

bool is_one_of(std::string_view word, const auto& list) {
  return std::find(std::begin(list), std::end(list), word) != std::end(list);
}

std::vector<std::string> significant_words(std::string_view text, bool skip_generic, std::size_t count) {
  std::vector<std::string> words;
  for (auto& word : text::ascii_words(text)) {
    if (words.size() == count) break;
    if (is_one_of(word, kStopwords) || (skip_generic && is_one_of(word, kGenericWords))) continue;
    if (word.size() >= 3 || all_digits(word)) words.push_back(std::move(word));
  }
  return words;
}

// "Russell, I J" -> Russell; "Smith JA" -> Smith; "John Smith" -> Smith.
std::string surname_of(std::string_view author) {
  author = text::trim(author);
  if (auto comma = author.find(','); comma != std::string_view::npos) {
    return std::string(text::trim(author.substr(0, comma)));
  }
  auto tokens = split_any(author, {" "});
  if (tokens.empty()) return {};
  if (tokens.size() == 1 || !looks_like_initials(tokens.back())) return std::string(tokens.back());
  while (tokens.size() > 1 && looks_like_initials(tokens.back())) tokens.pop_back();
  std::string surname;
  for (auto token : tokens) surname += std::string(surname.empty() ? "" : " ") + std::string(token);
  return surname;
}

}  // namespace

std::string derive_id(const Study& study) {
  constexpr std::size_t kMaxIdBytes = 120;
  std::vector<std::string> parts;
  const std::string surname = study.authors.empty() ? std::string() : surname_of(study.authors[0]);
  std::string surname_slug = text::join_slug(text::ascii_words(surname), kMaxIdBytes / 2);
  parts.push_back(surname_slug.empty() ? "unknown" : std::move(surname_slug));
  if (study.year && *study.year >= 0) parts.push_back(std::to_string(*study.year));
  auto words = significant_words(study.title, false, 2);
  if (words.empty()) words = significant_words(study.summary, true, 2);
  parts.insert(parts.end(), words.begin(), words.end());
  return text::join_slug(parts, kMaxIdBytes);
}

namespace {

void parse_entry(const Entry& entry, const std::string& name, const RecordSink& sink) {
  Study study;
  std::vector<FieldProblem> problems;
  std::size_t i = 0;
  for (; i < entry.lines.size(); ++i) {
    const std::string_view line = text::trim(entry.lines[i].text);
    if (!line.empty() && !apply_header(line, study, problems)) break;
  }
  if (i < entry.lines.size()) parse_byline(text::trim(entry.lines[i++].text), study, problems);
  auto paragraphs = collect_paragraphs(entry.lines, i);
  if (!paragraphs.empty()) study.summary = std::move(paragraphs[0]);
  if (paragraphs.size() > 1) study.relevance = std::move(paragraphs[1]);
  for (std::size_t p = 2; p < paragraphs.size(); ++p) {
    if (!study.limitations.empty()) study.limitations.push_back(' ');
    study.limitations += paragraphs[p];
  }
  if (study.id.empty()) study.id = derive_id(study);
  detail::emit_record(std::move(study), std::move(problems), name, entry.first_line, sink);
}

void finish_entry(const Entry& entry, const std::string& name, const ReaderOptions& options,
                  const RecordSink& sink) {
  if (entry.first_line == 0) return;  // blank block, e.g. before the first "---"
  if (!entry.unreadable.empty()) {
    detail::emit_issue(sink, name, entry.first_line, "", entry.unreadable);
  } else if (entry.bytes > options.max_record_bytes) {
    detail::emit_issue(sink, name, entry.first_line, "",
                       "record exceeds " + std::to_string(options.max_record_bytes) + " bytes");
  } else {
    parse_entry(entry, name, sink);
  }
}

}  // namespace

void read_atlas_text(std::istream& in, const std::string& name, const ReaderOptions& options,
                     const RecordSink& sink) {
  Entry entry;
  std::string line;
  std::size_t line_number = 0;
  std::size_t bytes = 0;
  for (;;) {
    const auto status = text::read_bounded_line(in, line, options.max_record_bytes, bytes);
    if (status == text::LineStatus::end) break;
    ++line_number;
    if (line_number == 1 && line.starts_with("\xEF\xBB\xBF")) line.erase(0, 3);  // BOM
    if (status == text::LineStatus::line && text::trim(line) == "---") {
      finish_entry(entry, name, options, sink);
      entry = Entry{};
      continue;
    }
    if (entry.first_line == 0 && status == text::LineStatus::line && text::trim(line).empty()) continue;
    if (entry.first_line == 0) entry.first_line = line_number;
    entry.bytes += bytes + 1;
    if (entry.bytes > options.max_record_bytes || !entry.unreadable.empty()) {
      entry.lines.clear();  // memory stays bounded; the entry is rejected when it ends
      continue;
    }
    const std::string where = " in line " + std::to_string(line_number);
    if (auto bad = text::first_invalid_utf8(line)) {
      entry.unreadable = "invalid UTF-8" + where + " at byte " + std::to_string(*bad + 1);
    } else if (auto nul = line.find('\0'); nul != std::string::npos) {
      entry.unreadable = "NUL byte" + where + " at byte " + std::to_string(nul + 1);
    } else {
      entry.lines.push_back(Line{line_number, line});
    }
  }
  finish_entry(entry, name, options, sink);
}

}  // namespace studysearch
