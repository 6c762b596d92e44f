#pragma once
// The study record: one entry of the research atlas. Plain data, no behaviour
// beyond validation and the canonical JSON form stored in the index.
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace studysearch {

/// Post-exertional malaise badge: was PEM a required inclusion criterion?
enum class Pem { required, not_required, unclear };

std::string_view to_string(Pem pem) noexcept;            ///< "required", "not_required", "unclear"
std::optional<Pem> parse_pem(std::string_view text) noexcept;  ///< exact lowercase names only

struct Study {
  std::string id;                    ///< required slug [a-z0-9]+(-[a-z0-9]+)*, <= 120 chars
  std::string title;
  std::vector<std::string> authors;  ///< byline order
  std::string journal;               ///< display form
  std::optional<int> year;           ///< 1800..2100
  std::string doi;                   ///< "10.xxxx/..." without https://doi.org/
  std::string summary;               ///< required, non-empty
  std::string relevance;
  std::string limitations;
  Pem pem = Pem::unclear;
  std::string evidence_level;        ///< "" or E0..E3
  std::string design;                ///< free form: RCT, cohort, ...
  std::vector<std::string> criteria; ///< case definitions that selected participants (fields.cpp vocabulary)
  std::string url;

  bool operator==(const Study&) const = default;
};

/// Valid publication years (records and year filters alike).
inline constexpr int kMinYear = 1800;
inline constexpr int kMaxYear = 2100;

/// True for the evidence levels "E0".."E3" (records and filters alike).
bool is_evidence_level(std::string_view level) noexcept;

/// One violated rule of one field.
struct FieldProblem {
  std::string field;
  std::string reason;
};

/// Checks every field rule; empty result = valid.
std::vector<FieldProblem> validate(const Study& study);

/// Canonical JSON of a study (absent optional fields omitted, pem always present).
std::string to_json(const Study& study);

/// Parses one JSON object into a study. Problems (wrong type, unknown field,
/// bad value, JSON syntax) are appended to `problems`; the returned study is
/// only meaningful when no problem was added. Does not run validate().
/// A null value counts as absent; a repeated key, invalid UTF-8, a NUL byte and
/// nesting deeper than 32 levels are problems. "doi" is passed through normalize_doi().
Study study_from_json(std::string_view json, std::vector<FieldProblem>& problems);

/// Journal key used for matching: case-, space- and punctuation-insensitive.
std::string journal_key(std::string_view journal);

/// Strips "https://doi.org/", "doi:" etc.; returns the bare "10.x/y" form.
std::string normalize_doi(std::string_view doi);

}  // namespace studysearch
