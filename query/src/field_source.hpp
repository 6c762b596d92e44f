#pragma once
// summary:word, relevance:word, limitations:word. The index has no per-field
// terms for these fields; each field owns a range of word positions instead
// (schema::k*Positions). This posting source walks the free-text term's
// postings and keeps documents with a position inside the range, weighting
// them BM25-style by how often the word occurs there.
#include <xapian.h>

#include <string>

#include "studysearch/detail/schema.hpp"

namespace studysearch {

class FieldTermSource : public Xapian::PostingSource {
 public:
  FieldTermSource(std::string term, schema::PositionRange range, double k1);

  void init(const Xapian::Database& db) override;
  Xapian::doccount get_termfreq_min() const override { return 0; }
  Xapian::doccount get_termfreq_est() const override { return postings_ / 2; }
  Xapian::doccount get_termfreq_max() const override { return postings_; }
  void next(double min_weight) override;
  void skip_to(Xapian::docid did, double min_weight) override;
  bool at_end() const override;
  Xapian::docid get_docid() const override;
  double get_weight() const override;
  FieldTermSource* clone() const override;
  std::string name() const override { return "studysearch::FieldTermSource"; }

 private:
  // Moves forward from the current posting to the first one in the range.
  void settle();
  Xapian::termcount in_range() const;

  std::string term_;
  schema::PositionRange range_;
  double k1_;
  double idf_ = 0;
  Xapian::PostingIterator it_, end_;
  Xapian::termcount tf_ = 0;
  Xapian::doccount postings_ = 0;  // documents with the term anywhere
  bool started_ = false;
};

}  // namespace studysearch
