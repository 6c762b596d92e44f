#include "field_source.hpp"

#include <algorithm>
#include <cmath>

namespace studysearch {

FieldTermSource::FieldTermSource(std::string term, schema::PositionRange range, double k1)
    : term_(std::move(term)), range_(range), k1_(k1) {}

void FieldTermSource::init(const Xapian::Database& db) {
  it_ = db.postlist_begin(term_);
  end_ = db.postlist_end(term_);
  started_ = false;
  tf_ = 0;
  const double docs = db.get_doccount();
  const double with_term = db.get_termfreq(term_);
  idf_ = std::max(0.1, std::log((docs - with_term + 0.5) / (with_term + 0.5) + 1.0));
  set_maxweight(idf_ * (k1_ + 1));
  postings_ = static_cast<Xapian::doccount>(with_term);
}

Xapian::termcount FieldTermSource::in_range() const {
  Xapian::termcount count = 0;
  Xapian::PositionIterator p = it_.positionlist_begin();
  p.skip_to(range_.first);
  for (; p != it_.positionlist_end() && *p < range_.end; ++p) ++count;
  return count;
}

void FieldTermSource::settle() {
  for (; it_ != end_; ++it_)
    if ((tf_ = in_range()) > 0) return;
}

void FieldTermSource::next(double) {
  if (started_ && it_ != end_) ++it_;
  started_ = true;
  settle();
}

void FieldTermSource::skip_to(Xapian::docid did, double) {
  started_ = true;
  it_.skip_to(did);
  settle();
}

bool FieldTermSource::at_end() const { return started_ && it_ == end_; }

Xapian::docid FieldTermSource::get_docid() const { return *it_; }

double FieldTermSource::get_weight() const {
  const double tf = tf_;
  return idf_ * tf * (k1_ + 1) / (tf + k1_);
}

FieldTermSource* FieldTermSource::clone() const { return new FieldTermSource(term_, range_, k1_); }

}  // namespace studysearch
