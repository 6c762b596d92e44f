#include "studysearch/fields.hpp"

#include <algorithm>

#include "studysearch/error.hpp"
#include "text_util.hpp"

namespace studysearch {

// One row per record field. Term prefixes and slots are the index layout (the
// year's, with its sort keys, is in indexer/.../schema.hpp):
// changing them (or adding a filter field) changes fields_fingerprint(), and
// an engine refuses an index built with another table.
std::span<const Field> study_fields() {
  using T = FieldType;
  static const std::vector<Field> table{
      {.name = "id", .label = "Id", .type = T::keyword, .member = &Study::id, .required = true, .brief = true,
       .header_keys = {"id"}},
      {.name = "title", .label = "Title", .type = T::text, .member = &Study::title, .brief = true,
       .header_keys = {"title"}},
      {.name = "authors", .label = "Authors", .type = T::text, .member = &Study::authors, .brief = true},
      {.name = "journal", .label = "Journal", .type = T::keyword, .member = &Study::journal, .brief = true,
       .filter = true, .term_prefix = "XJ", .slot = 2, .facet_top = true, .help = "journal name"},
      {.name = "year", .label = "Year", .type = T::integer, .member = &Study::year, .brief = true, .filter = true},
      {.name = "doi", .label = "DOI", .type = T::keyword, .member = &Study::doi, .brief = true},
      {.name = "summary", .label = "Summary", .type = T::text, .member = &Study::summary, .required = true},
      {.name = "relevance", .label = "Relevance", .type = T::text, .member = &Study::relevance},
      {.name = "limitations", .label = "Limitations", .type = T::text, .member = &Study::limitations},
      {.name = "pem", .label = "Post-exertional malaise", .type = T::enumeration, .member = &Study::pem,
       .required = true, .brief = true, .filter = true, .vocabulary = {"required", "not_required", "unclear"},
       .header_keys = {"pem"}, .term_prefix = "K", .slot = 1, .facet_order = FacetOrder::vocabulary,
       .facet_all = true},
      {.name = "evidence_level", .label = "Evidence level", .type = T::enumeration, .member = &Study::evidence_level,
       .brief = true, .filter = true, .param = "evidence", .vocabulary = {"E0", "E1", "E2", "E3"},
       .header_keys = {"evidence", "evidence_level", "evidence level"}, .term_prefix = "XE", .slot = 3,
       .facet_order = FacetOrder::vocabulary},
      {.name = "design", .label = "Study design", .type = T::keyword, .member = &Study::design, .brief = true,
       .filter = true, .header_keys = {"design"}, .term_prefix = "XD", .slot = 4, .help = "study design"},
      {.name = "criteria", .label = "Diagnostic criteria", .type = T::enumeration, .member = &Study::criteria,
       .brief = true, .filter = true,
       .vocabulary = {"Oxford 1991", "Fukuda 1994", "CCC 2003", "ICC 2011", "IOM 2015", "CDC 1988", "London",
                      "NICE 2007", "NICE 2021", "Reeves 2005", "pediatric CCC 2006", "other"},
       .header_keys = {"criteria"}, .term_prefix = "XC", .slot = 7},
      {.name = "url", .label = "Link", .type = T::keyword, .member = &Study::url, .header_keys = {"url"}},
  };
  return table;
}

const Field* find_field(std::string_view name) {
  for (const Field& f : study_fields())
    if (f.name == name) return &f;
  return nullptr;
}

std::span<const Field* const> keyword_filters() {
  static const std::vector<const Field*> filters = [] {
    std::vector<const Field*> out;
    for (const Field& f : study_fields())
      if (f.filter && f.type != FieldType::integer) out.push_back(&f);
    // The engine gives each a bit of a 32-bit failure mask, the year the last one.
    if (out.size() > 31) throw Error(ErrorKind::internal, "the field table has more than 31 keyword filter fields");
    return out;
  }();
  return filters;
}

std::vector<std::string> field_values(const Field& field, const Study& study) {
  std::vector<std::string> out;
  std::visit(
      [&](auto member) {
        const auto& value = study.*member;
        using V = std::decay_t<decltype(value)>;
        if constexpr (std::is_same_v<V, std::string>) {
          if (!value.empty()) out.push_back(value);
        } else if constexpr (std::is_same_v<V, std::vector<std::string>>) {
          for (const auto& v : value)
            if (!v.empty()) out.push_back(v);
        } else if constexpr (std::is_same_v<V, std::optional<int>>) {
          if (value) out.push_back(std::to_string(*value));
        } else {
          out.emplace_back(to_string(value));
        }
      },
      field.member);
  return out;
}

std::string value_key(std::string_view value) { return text::fold_key(value); }

std::optional<std::string> vocabulary_value(const Field& field, std::string_view text) {
  std::string key = value_key(text);
  const std::string name = value_key(field.name);
  for (int pass = 0; pass < 2; ++pass) {
    for (std::string_view v : field.vocabulary)
      if (value_key(v) == key) return std::string(v);
    if (!key.starts_with(name + " ")) break;
    key.erase(0, name.size() + 1);  // "PEM required" -> "required"
  }
  return std::nullopt;
}

std::string vocabulary_list(const Field& field) {
  std::string out;
  for (std::size_t i = 0; i < field.vocabulary.size(); ++i) {
    if (i > 0) out += ", ";
    out += field.vocabulary[i];
  }
  return out;
}

std::string fields_fingerprint() {
  // Filter terms hold value_key() of each value: name the folding too.
  std::string out = "keys=nfkc-casefold-alnum";
  for (const Field& f : study_fields()) {
    if (!out.empty()) out += ';';
    out += f.name;
    if (!f.filter) continue;
    out += ':';
    out += f.multi() ? "multi" : "single";
    out += ':';
    out += f.term_prefix;
    out += ':';
    out += std::to_string(f.slot);
  }
  return out;
}

}  // namespace studysearch
