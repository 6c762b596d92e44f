#include "studysearch/study.hpp"

#include <nlohmann/json.hpp>

#include <algorithm>
#include <array>
#include <cstdint>
#include <set>

#include "studysearch/fields.hpp"
#include "text_util.hpp"

namespace studysearch {
namespace {

// Parsing uses std::map objects (ordered_json's linear lookup would make a
// record with many keys quadratic); output uses ordered_json for struct order.
using Json = nlohmann::json;
using OutputJson = nlohmann::ordered_json;

constexpr std::size_t kMaxIdBytes = 120;
constexpr int kMaxDepth = 32;

// Keeps messages short when a hostile record has a megabyte-long key or value.
std::string shorten(std::string_view text, std::size_t max_bytes = 60) {
  if (text.size() <= max_bytes) return std::string(text);
  // Cut before a UTF-8 continuation byte so the message stays valid UTF-8.
  std::size_t cut = max_bytes;
  while (cut > 0 && (static_cast<unsigned char>(text[cut]) & 0xC0) == 0x80) --cut;
  return std::string(text.substr(0, cut)) + "...";
}

std::string in_quotes(std::string_view text) {
  std::string out(1, '\'');  // built with += : GCC 12 warns falsely on "'" + std::string
  out += shorten(text);
  out += '\'';
  return out;
}

std::size_t edit_distance(std::string_view a, std::string_view b) {
  std::vector<std::size_t> row(b.size() + 1);
  for (std::size_t j = 0; j <= b.size(); ++j) row[j] = j;
  for (std::size_t i = 1; i <= a.size(); ++i) {
    std::size_t diagonal = row[0];
    row[0] = i;
    for (std::size_t j = 1; j <= b.size(); ++j) {
      const std::size_t above = row[j];
      row[j] = std::min({row[j] + 1, row[j - 1] + 1, diagonal + (a[i - 1] == b[j - 1] ? 0 : 1)});
      diagonal = above;
    }
  }
  return row[b.size()];
}

std::string unknown_field_reason(std::string_view key) {
  std::string reason = "unknown field " + in_quotes(key);
  const std::string lower = text::ascii_lower(key);
  for (const Field& field : study_fields()) {
    if (edit_distance(lower, field.name) <= 2) return reason + " (did you mean '" + std::string(field.name) + "'?)";
  }
  reason += " (known fields:";
  for (const Field& field : study_fields()) (reason += ' ') += field.name;
  return reason + ")";
}

// Depth of brackets outside strings; a pre-scan so that hostile nesting is
// rejected before any parser or destructor recurses over it.
bool nesting_too_deep(std::string_view json) noexcept {
  int depth = 0;
  bool in_string = false;
  bool escaped = false;
  for (char c : json) {
    if (in_string) {
      if (escaped) {
        escaped = false;
      } else if (c == '\\') {
        escaped = true;
      } else if (c == '"') {
        in_string = false;
      }
    } else if (c == '"') {
      in_string = true;
    } else if (c == '[' || c == '{') {
      if (++depth > kMaxDepth) return true;
    } else if (c == ']' || c == '}') {
      --depth;
    }
  }
  return false;
}

void check_text(const std::string& field, std::string_view value, std::vector<FieldProblem>& out) {
  if (auto bad = text::first_invalid_utf8(value)) {
    out.push_back({field, "invalid UTF-8 at byte " + std::to_string(*bad + 1)});
  } else if (value.find('\0') != std::string_view::npos) {
    out.push_back({field, "contains a NUL character"});
  }
}

bool read_string(const std::string& key, const Json& value, std::string& out,
                 std::vector<FieldProblem>& problems) {
  if (value.is_null()) return false;  // null = absent
  if (!value.is_string()) {
    problems.push_back({key, "must be a string, got " + std::string(value.type_name())});
    return false;
  }
  out = value.get<std::string>();
  return true;
}

void read_year(const std::string& key, const Json& value, std::optional<int>& out,
               std::vector<FieldProblem>& problems) {
  if (value.is_null()) return;
  if (value.is_number_unsigned() && value.get<std::uint64_t>() <= std::uint64_t{kMaxYear} &&
      value.get<std::uint64_t>() >= std::uint64_t{kMinYear}) {
    out = static_cast<int>(value.get<std::uint64_t>());
    return;
  }
  std::string got = value.is_string() ? "string " + in_quotes(value.get<std::string>())
                                      : value.dump(-1, ' ', false, Json::error_handler_t::replace);
  problems.push_back({key, "must be an integer between 1800 and 2100, got " + got});
}

void read_strings(const std::string& key, const Json& value, std::vector<std::string>& out,
                  std::vector<FieldProblem>& problems) {
  if (value.is_null()) return;
  if (!value.is_array()) {
    problems.push_back({key, "must be an array of strings, got " + std::string(value.type_name())});
    return;
  }
  for (std::size_t i = 0; i < value.size(); ++i) {
    if (!value[i].is_string()) {
      problems.push_back({key, "element " + std::to_string(i) + " must be a string, got " +
                                   std::string(value[i].type_name())});
      return;
    }
    out.push_back(value[i].get<std::string>());
  }
}

// One JSON key into the study, by the field table's member type.
void read_field(const std::string& key, const Json& value, Study& study,
                std::vector<FieldProblem>& problems) {
  const Field* field = find_field(key);
  if (!field) {
    problems.push_back({shorten(key), unknown_field_reason(key)});
    return;
  }
  std::visit(
      [&](auto member) {
        auto& target = study.*member;
        using V = std::decay_t<decltype(target)>;
        if constexpr (std::is_same_v<V, std::string>) {
          if (read_string(key, value, target, problems) && key == "doi") target = normalize_doi(target);
        } else if constexpr (std::is_same_v<V, std::vector<std::string>>) {
          read_strings(key, value, target, problems);
        } else if constexpr (std::is_same_v<V, std::optional<int>>) {
          read_year(key, value, target, problems);
        } else {
          std::string name;
          if (!read_string(key, value, name, problems)) return;
          if (auto parsed = parse_pem(name)) target = *parsed;
          else problems.push_back({key, "must be one of " + vocabulary_list(*field) + " (got " + in_quotes(name) + ")"});
        }
      },
      field->member);
}

// The rules every field of a type follows: valid text, required, vocabulary, range.
void check_field(const Field& field, const Study& study, std::vector<FieldProblem>& problems) {
  const std::string name(field.name);
  const std::vector<std::string> values = field_values(field, study);
  std::visit(
      [&](auto member) {
        const auto& value = study.*member;
        using V = std::decay_t<decltype(value)>;
        if constexpr (std::is_same_v<V, std::string>) {
          check_text(name, value, problems);
        } else if constexpr (std::is_same_v<V, std::vector<std::string>>) {
          for (std::size_t i = 0; i < value.size(); ++i) {
            check_text(name, value[i], problems);
            if (text::trim(value[i]).empty()) problems.push_back({name, "element " + std::to_string(i) + " is empty"});
          }
        } else if constexpr (std::is_same_v<V, std::optional<int>>) {
          if (value && (*value < kMinYear || *value > kMaxYear))
            problems.push_back({name, "must be between 1800 and 2100, got " + std::to_string(*value)});
        }
      },
      field.member);
  if (field.type == FieldType::enumeration && !std::holds_alternative<Pem Study::*>(field.member))
    for (const auto& v : values)
      if (std::find(field.vocabulary.begin(), field.vocabulary.end(), v) == field.vocabulary.end())
        problems.push_back({name, "must be one of " + vocabulary_list(field) + " (got " + in_quotes(v) + ")"});
  if (field.filter && field.multi())
    for (std::size_t i = 0; i < values.size(); ++i)
      for (std::size_t j = 0; j < i; ++j)
        if (value_key(values[i]) == value_key(values[j]))
          problems.push_back({name, "lists " + in_quotes(values[i]) + " twice"});
}

}  // namespace

std::string_view to_string(Pem pem) noexcept {
  switch (pem) {
    case Pem::required: return "required";
    case Pem::not_required: return "not_required";
    case Pem::unclear: return "unclear";
  }
  return "unclear";
}

std::optional<Pem> parse_pem(std::string_view text) noexcept {
  if (text == "required") return Pem::required;
  if (text == "not_required") return Pem::not_required;
  if (text == "unclear") return Pem::unclear;
  return std::nullopt;
}

std::string normalize_doi(std::string_view doi) {
  constexpr std::array<std::string_view, 9> prefixes = {
      "https://doi.org/", "http://doi.org/",     "https://dx.doi.org/",
      "http://dx.doi.org/", "https://www.doi.org/", "http://www.doi.org/",
      "dx.doi.org/",      "doi.org/",            "doi:"};
  std::string_view rest = text::trim(doi);
  for (std::string_view prefix : prefixes) {
    if (text::istarts_with_ascii(rest, prefix)) {
      rest = text::trim(rest.substr(prefix.size()));
      break;
    }
  }
  return std::string(rest);
}

std::vector<FieldProblem> validate(const Study& study) {
  std::vector<FieldProblem> problems;
  if (study.id.empty()) {
    problems.push_back({"id", "missing; give a slug such as 'smith-2020-exercise-capacity'"});
  } else if (study.id.size() > kMaxIdBytes) {
    problems.push_back({"id", "is " + std::to_string(study.id.size()) + " bytes long, at most 120 allowed"});
  } else if (!text::is_slug(study.id)) {
    problems.push_back({"id", "must be lowercase words of [a-z0-9] joined by single '-' (got " +
                                  in_quotes(study.id) + ")"});
  }
  for (const Field& field : study_fields())
    if (field.name != "id") check_field(field, study, problems);
  if (!study.doi.empty()) {
    const bool has_space = study.doi.find_first_of(" \t\r\n") != std::string::npos;
    if (!study.doi.starts_with("10.") || study.doi.find('/') == std::string::npos || has_space) {
      problems.push_back({"doi", "must look like '10.1234/abc' (got " + in_quotes(study.doi) + ")"});
    }
  }
  if (text::trim(study.summary).empty()) {
    problems.push_back({"summary", "missing or empty; every study needs a summary"});
  }
  return problems;
}

bool is_evidence_level(std::string_view level) noexcept {
  return level.size() == 2 && level[0] == 'E' && level[1] >= '0' && level[1] <= '3';
}

std::string to_json(const Study& study) {
  OutputJson json = OutputJson::object();
  for (const Field& field : study_fields()) {
    std::visit(
        [&](auto member) {
          const auto& value = study.*member;
          using V = std::decay_t<decltype(value)>;
          if constexpr (std::is_same_v<V, std::optional<int>>) {
            if (value) json[field.name] = *value;
          } else if constexpr (std::is_same_v<V, Pem>) {
            json[field.name] = std::string(to_string(value));
          } else if (!value.empty() || field.required) {
            json[field.name] = value;
          }
        },
        field.member);
  }
  // Invalid UTF-8 (only possible in a study that fails validate()) becomes U+FFFD
  // instead of throwing.
  return json.dump(-1, ' ', false, OutputJson::error_handler_t::replace);
}

Study study_from_json(std::string_view json, std::vector<FieldProblem>& problems) {
  Study study;
  if (auto bad = text::first_invalid_utf8(json)) {
    problems.push_back({"", "invalid UTF-8 at byte " + std::to_string(*bad + 1)});
    return study;
  }
  if (auto nul = json.find('\0'); nul != std::string_view::npos) {
    problems.push_back({"", "NUL byte at byte " + std::to_string(nul + 1)});
    return study;
  }
  if (nesting_too_deep(json)) {
    problems.push_back({"", "nesting too deep (more than 32 levels of arrays/objects)"});
    return study;
  }
  // The callback sees top-level keys (depth 1): it keeps their input order for
  // the problems and makes a repeated field an error instead of "last one wins".
  std::set<std::string> seen_keys;
  std::vector<std::string> keys_in_order;
  auto record_keys = [&](int depth, Json::parse_event_t event, Json& parsed) {
    if (depth != 1 || event != Json::parse_event_t::key) return true;
    const auto& key = parsed.get_ref<const std::string&>();
    if (seen_keys.insert(key).second) {
      keys_in_order.push_back(key);
    } else {
      problems.push_back({shorten(key), "duplicate field " + in_quotes(key)});
    }
    return true;
  };
  Json parsed;
  try {
    parsed = Json::parse(json.begin(), json.end(), record_keys, /*allow_exceptions=*/true);
  } catch (const Json::exception& error) {  // parse_error, and out_of_range for a number overflow
    std::string_view what = error.what();
    if (auto end = what.find("] "); end != std::string_view::npos) what.remove_prefix(end + 2);
    problems.push_back({"", "invalid JSON: " + std::string(what)});
    return study;
  }
  if (!parsed.is_object()) {
    problems.push_back({"", "a record must be a JSON object, got " + std::string(parsed.type_name())});
    return study;
  }
  for (const auto& key : keys_in_order) read_field(key, parsed.at(key), study, problems);
  return study;
}

std::string journal_key(std::string_view journal) { return value_key(journal); }

}  // namespace studysearch
