#include "document_builder.hpp"

#include "abbreviations.hpp"
#include "studysearch/detail/schema.hpp"

namespace studysearch {
namespace {

// Adds one text field: free-text terms (stemmed, weighted by field) at
// positions in the field's range and, when `field_prefix` is given, the
// field's own positional terms (the title). A short form the study defines
// also adds its long form's terms, `abbreviation_weight` each, without positions.
struct FieldIndexer {
  const Analyzer& analyzer;
  Xapian::Document& doc;
  const AbbreviationTable& abbreviations;
  unsigned abbreviation_weight;

  void add(const std::string& text, unsigned weight, schema::PositionRange range, std::string_view field_prefix = {}) {
    if (text.empty()) return;
    std::string field_term(field_prefix);
    Xapian::termpos position = range.first;
    analyzer.tokenize(text, [&](const Token& token) {
      const std::string& stem = analyzer.stem(token.word);
      const bool positional = position < range.end;
      if (positional) doc.add_posting(stem, position, weight);
      else doc.add_term(stem, weight);
      if (!abbreviations.empty()) {  // empty when abbreviation_weight is 0
        const std::string_view written = std::string_view(text).substr(token.begin, token.end - token.begin);
        if (const auto* long_form = abbreviations.expansion(text, written, token.begin))
          for (const std::string& term : *long_form) doc.add_term(term, abbreviation_weight);
      }
      if (!field_prefix.empty()) {
        field_term.resize(field_prefix.size());
        field_term.append(stem);
        if (positional) doc.add_posting(field_term, position, 1);
        else doc.add_term(field_term, 1);
      }
      ++position;
    });
  }

  // Author and journal words: their own prefix, unstemmed for authors, plus
  // weightier free-text terms without positions.
  void add_names(std::string_view text, unsigned weight, std::string_view prefix, bool stem_words) {
    analyzer.tokenize(text, [&](const Token& token) {
      const std::string& word = stem_words ? analyzer.stem(token.word) : std::string(token.word);
      doc.add_term(schema::term(prefix, word), 1);
      doc.add_term(analyzer.stem(token.word), weight);
    });
  }
};

}  // namespace

void count_words(const Study& study, const Analyzer& analyzer, WordCounts& words) {
  for (const std::string* text : {&study.title, &study.summary})
    analyzer.tokenize(*text, [&](const Token& token) { ++words[std::string(token.word)]; });
}

Xapian::Document DocumentBuilder::build(const Study& study, WordCounts* words) const {
  Xapian::Document doc;
  const AbbreviationTable abbreviations(
      settings_.abbreviation_weight > 0
          ? std::vector<const std::string*>{&study.title, &study.summary, &study.relevance, &study.limitations}
          : std::vector<const std::string*>{},
      analyzer_);
  FieldIndexer fields{analyzer_, doc, abbreviations, settings_.abbreviation_weight};
  fields.add(study.title, settings_.title_weight, schema::kTitlePositions, schema::kTitle);
  fields.add(study.summary, settings_.summary_weight, schema::kSummaryPositions);
  fields.add(study.relevance, settings_.relevance_weight, schema::kRelevancePositions);
  fields.add(study.limitations, settings_.limitations_weight, schema::kLimitationsPositions);
  if (words) count_words(study, analyzer_, *words);
  for (const auto& author : study.authors) fields.add_names(author, settings_.author_weight, schema::kAuthor, false);
  if (!study.journal.empty()) fields.add_names(study.journal, settings_.journal_weight, schema::kJournalText, true);

  doc.add_boolean_term(schema::term(schema::kId, study.id));
  doc.add_value(schema::kIdSlot, study.id);
  std::string row = study.id + schema::kRowSeparator + (study.year ? Xapian::sortable_serialise(*study.year) : "");
  // Keyword filter fields: a boolean term per value, the display values in the slot.
  for (const Field* field : keyword_filters()) {
    const std::vector<std::string> values = field_values(*field, study);
    std::string slot;
    for (const auto& value : values) {
      doc.add_boolean_term(schema::key_term(field->term_prefix, value));
      if (!slot.empty()) slot += kValueSeparator;
      slot += value;
    }
    row += schema::kRowSeparator + slot;
    if (!slot.empty()) doc.add_value(static_cast<Xapian::valueno>(field->slot), slot);
  }
  doc.add_value(schema::kRowSlot, row);
  if (study.year) {
    doc.add_boolean_term(schema::term(schema::kYearFilter, std::to_string(*study.year)));
    doc.add_value(schema::kYearSlot, Xapian::sortable_serialise(*study.year));
    doc.add_value(schema::kOldestFirstSlot, Xapian::sortable_serialise(*study.year));
    doc.add_value(schema::kNewestFirstSlot, Xapian::sortable_serialise(-*study.year));
  } else {
    doc.add_value(schema::kOldestFirstSlot, std::string(schema::kNoYearKey));
    doc.add_value(schema::kNewestFirstSlot, std::string(schema::kNoYearKey));
  }
  doc.set_data(to_json(study));
  return doc;
}

}  // namespace studysearch
