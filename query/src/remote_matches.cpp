#include "remote_matches.hpp"

#include <algorithm>

#include "studysearch/detail/schema.hpp"
#include "studysearch/error.hpp"

namespace studysearch {

template <typename Fn>
Xapian::MSet RemoteMatches::each_match(const Xapian::Weight& scheme, const Xapian::Query& query, int slot,
                                       Fn&& fn) const {
  const Xapian::doccount all = std::max<Xapian::doccount>(db_.get_doccount(), 1);
  Xapian::Enquire e(db_);
  e.set_query(query);
  e.set_weighting_scheme(scheme);
  // The slot as each match's sort key: it travels with the match (a collapse
  // key would too, but costs the shards five times as much).
  if (slot >= 0) e.set_sort_by_relevance_then_value(static_cast<Xapian::valueno>(slot), false);
  Xapian::MSet m = e.get_mset(0, all, all);
  for (auto it = m.begin(); it != m.end(); ++it) fn(it);
  return m;
}

namespace {

// The fields of a row value (schema.hpp kRowSlot).
std::vector<std::string_view> row_fields(std::string_view row) {
  std::vector<std::string_view> out;
  while (true) {
    const auto end = row.find(schema::kRowSeparator);
    out.push_back(row.substr(0, end));
    if (end == std::string_view::npos) return out;
    row.remove_prefix(end + 1);
  }
}

}  // namespace

RemoteMatches::RemoteMatches(const Xapian::Database& db, const Xapian::Weight& scheme, const Xapian::Query& weighted,
                             Needs needs)
    : db_(db) {
  // One pass: every match with its weight and its row of columns (sort key).
  struct Match {
    Xapian::docid docid;
    Xapian::doccount rank;
    double weight;
    std::string row;
  };
  std::vector<Match> matches;
  mset_ = each_match(scheme, weighted, static_cast<int>(schema::kRowSlot), [&](const Xapian::MSetIterator& it) {
    matches.push_back({*it, it.get_rank(), it.get_weight(), it.get_sort_key()});
  });
  std::sort(matches.begin(), matches.end(), [](const Match& a, const Match& b) { return a.docid < b.docid; });
  const std::size_t size = matches.size() + 1;
  docid_.assign(size, 0);
  rank_.assign(size, 0);
  score_.assign(size, 0.0);
  ids_.assign(size, {});
  Snapshot& c = columns_;
  c.documents = db.get_doccount();
  c.present.assign(size, 1);
  c.present[0] = 0;
  c.year.assign(size, 0);
  const auto fields = keyword_filters();
  std::vector<std::vector<std::string>> values(needs.keywords ? fields.size() : 0, std::vector<std::string>(size));
  for (std::size_t i = 0; i < matches.size(); ++i) {
    const auto local = static_cast<Xapian::docid>(i + 1);
    const Match& m = matches[i];
    docid_[local] = m.docid;
    rank_[local] = m.rank;
    score_[local] = m.weight;
    local_.emplace(m.docid, local);
    const auto row = row_fields(m.row);
    if (row.size() != fields.size() + 2)
      throw Error(ErrorKind::index_incompatible, "document " + std::to_string(m.docid) + " of the shard set has no "
                                                 "column row; rebuild the shards with this version");
    ids_[local] = row[0];
    if (needs.years && !row[1].empty())
      c.year[local] = static_cast<std::int16_t>(Xapian::sortable_unserialise(std::string(row[1])));
    for (std::size_t f = 0; f < values.size(); ++f) values[f][local] = row[f + 2];
  }
  c.rank_ids(ids_);
  for (std::size_t f = 0; f < values.size(); ++f) c.keywords.push_back(column_of(*fields[f], values[f]));
}

Xapian::docid RemoteMatches::local(Xapian::docid docid) const {
  const auto it = local_.find(docid);
  return it == local_.end() ? 0 : it->second;
}

DocSet RemoteMatches::all() const {
  DocSet out(static_cast<Xapian::docid>(size()));
  for (Xapian::docid l = 1; l <= size(); ++l) out.insert(l);
  return out;
}

DocSet RemoteMatches::subset(const Xapian::Query& query) const {
  DocSet out(static_cast<Xapian::docid>(size()));
  each_match(Xapian::BoolWeight(), query, -1, [&](const Xapian::MSetIterator& it) {
    if (const Xapian::docid l = local(*it)) out.insert(l);
  });
  return out;
}

void RemoteMatches::add_weights(const Xapian::Weight& scheme, const Xapian::Query& query) {
  each_match(scheme, query, -1, [&](const Xapian::MSetIterator& it) {
    if (const Xapian::docid l = local(*it)) score_[l] += it.get_weight();
  });
}

std::vector<Xapian::Document> RemoteMatches::documents(const std::vector<Xapian::docid>& locals) {
  // Ask for every document first, then read the replies: one round trip for the page.
  for (const Xapian::docid l : locals) {
    Xapian::MSetIterator it = mset_[rank_[l]];
    Xapian::MSetIterator next = it;
    mset_.fetch(it, ++next);
  }
  std::vector<Xapian::Document> out;
  out.reserve(locals.size());
  for (const Xapian::docid l : locals) out.push_back(mset_[rank_[l]].get_document());
  return out;
}

}  // namespace studysearch
