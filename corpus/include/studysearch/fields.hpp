#pragma once
// The field table: one declaration per record field (fields.cpp). Validation,
// the readers' field mapping, the document builder, the engine's columns,
// filters and facets, and the JSON, HTTP and CLI of the front ends all iterate
// over it. Adding a filterable field = a member of Study, one row in
// fields.cpp, its documentation and its tests (README "Fields").
#include <cstddef>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "studysearch/study.hpp"

namespace studysearch {

enum class FieldType {
  text,         ///< free text, searched (title, summary, ...)
  keyword,      ///< a name matched whole, case/space/punctuation-insensitively (journal, design)
  integer,      ///< a number (year: range filters)
  enumeration,  ///< one of `vocabulary` (pem, evidence_level, criteria)
};

/// Where a field's values live in a Study; a vector member is multi-valued.
using FieldMember = std::variant<std::string Study::*, std::vector<std::string> Study::*,
                                 std::optional<int> Study::*, Pem Study::*>;

/// How a facet group lists its values.
enum class FacetOrder {
  vocabulary,  ///< in vocabulary order (enumerations with a natural order)
  count,       ///< most studies first, then by name
};

struct Field {
  std::string_view name;   ///< JSON key, facet group and filter name
  std::string_view label;  ///< for people: "Study design"
  FieldType type = FieldType::text;
  FieldMember member;
  bool required = false;  ///< a record without it is invalid
  bool brief = false;     ///< travels with each search hit (Hit::study is complete; JSON shows these)
  /// Filterable, with an exact disjunctive facet (keyword, enumeration; year is
  /// the integer range filter).
  bool filter = false;
  std::string_view param = {};  ///< HTTP/CLI filter name where it differs from `name`
  std::vector<std::string_view> vocabulary = {};   ///< enumeration: every allowed value, in order
  std::vector<std::string_view> header_keys = {};  ///< atlas text header lines ("design: RCT")
  // Index layout of a filter field (recorded in the index, see fields_fingerprint()).
  std::string_view term_prefix = {};  ///< boolean term: prefix + value_key(value)
  int slot = -1;                      ///< value slot: the display values (multi: joined by '\x1f')
  FacetOrder facet_order = FacetOrder::count;
  bool facet_all = false;  ///< list every vocabulary value, zero counts too (pem)
  bool facet_top = false;  ///< only the top SearchRequest::max_facet_values (journal)
  std::string_view help = {};  ///< CLI option help (values accepted)

  bool multi() const { return std::holds_alternative<std::vector<std::string> Study::*>(member); }
  std::string_view filter_param() const { return param.empty() ? name : param; }
};

/// Every record field, in record order (the order of JSON output).
std::span<const Field> study_fields();
/// The field named `name`, or nullptr.
const Field* find_field(std::string_view name);
/// The keyword and enumeration filter fields (not year), in table order.
std::span<const Field* const> keyword_filters();

/// Separates the values of a multi-valued field in its value slot.
inline constexpr char kValueSeparator = '\x1f';

/// A field's values in a study, as text: none for an empty text, empty list
/// or absent year; the year in decimal; pem by name.
std::vector<std::string> field_values(const Field& field, const Study& study);

/// The key values are matched by: case-, space- and punctuation-insensitive
/// (the analyzer's folding; journal_key() is the same function).
std::string value_key(std::string_view value);

/// The vocabulary entry `text` names (compared by value_key; a leading field
/// name is ignored: "PEM required"), or nullopt.
std::optional<std::string> vocabulary_value(const Field& field, std::string_view text);

/// "a, b, c": the vocabulary for messages.
std::string vocabulary_list(const Field& field);

/// The index layout the table implies (field names, types, term prefixes,
/// slots); the index records it and the engine refuses another.
std::string fields_fingerprint();

}  // namespace studysearch
