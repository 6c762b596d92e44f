#pragma once
// What an index records about how it was built, shared by the write side
// (IndexWriter) and the read side (SearchEngine): the index-format library
// (studysearch::format: analyzer, schema and metadata), which the engine links
// instead of the writer.
namespace studysearch {

/// Index-time settings, recorded in the index metadata.
struct IndexSettings {
  /// Within-document frequency added per occurrence, per field: this is how
  /// title words count more than summary words in the free-text ranking.
  unsigned title_weight = 3;
  unsigned summary_weight = 2;
  unsigned relevance_weight = 1;
  unsigned limitations_weight = 1;
  unsigned author_weight = 1;
  unsigned journal_weight = 1;
  /// Within-document frequency each long-form word gets when a study uses a
  /// short form it defined ("pyridostatin (PDS)" ... "PDS"): one plain mention,
  /// below any field weight, since the long form is inferred (0: off).
  unsigned abbreviation_weight = 1;

  bool operator==(const IndexSettings&) const = default;
};

}  // namespace studysearch
