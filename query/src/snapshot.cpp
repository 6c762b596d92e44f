#include "snapshot.hpp"

#include <algorithm>

#include "studysearch/detail/schema.hpp"
#include "studysearch/study.hpp"

namespace studysearch {

std::uint32_t Dictionary::intern(const std::string& display_form) {
  // Folding once per distinct spelling (snapshots intern a value per document).
  if (auto exact = by_display.find(display_form); exact != by_display.end()) return exact->second;
  auto [it, inserted] = by_key.emplace(value_key(display_form), static_cast<std::uint32_t>(display.size()));
  if (inserted) {
    display.push_back(display_form);
    keys.push_back(it->first);
  } else if (display_form < display[it->second] && it->second >= vocabulary_size) {
    // Spellings of one key: the smallest is shown, whatever order documents
    // come in (one index and its shards read them in different orders).
    display[it->second] = display_form;
  }
  by_display.emplace(display_form, it->second);
  return it->second;
}

std::uint32_t Dictionary::find(const std::string& value) const {
  if (auto exact = by_display.find(value); exact != by_display.end()) return exact->second;
  auto it = by_key.find(value_key(value));
  return it == by_key.end() ? kNone : it->second;
}

namespace {

// Splits a slot of a multi-valued field (fields.hpp kValueSeparator).
template <typename Fn>
void each_value(std::string_view slot, Fn&& fn) {
  while (true) {
    const auto end = slot.find(kValueSeparator);
    fn(std::string(slot.substr(0, end)));
    if (end == std::string_view::npos) return;
    slot.remove_prefix(end + 1);
  }
}

// A column from `each(fn)`, which calls fn(docid, slot value) in ascending docid order.
template <typename Each>
KeywordColumn make_column(const Field& field, std::size_t size, Each&& each) {
  KeywordColumn c;
  c.field = &field;
  c.multi = field.multi();
  for (std::string_view v : field.vocabulary) c.values.intern(std::string(v));  // ids in vocabulary order
  c.values.vocabulary_size = c.values.display.size();
  if (!field.multi()) {
    c.single.assign(size, Dictionary::kNone);
    each([&](Xapian::docid d, const std::string& value) { c.single[d] = c.values.intern(value); });
    return c;
  }
  c.start.assign(size + 1, 0);
  Xapian::docid filled = 0;  // start[] is final for docids <= filled
  each([&](Xapian::docid d, const std::string& value) {
    for (; filled < d; ++filled) c.start[filled + 1] = static_cast<std::uint32_t>(c.ids.size());
    each_value(value, [&](const std::string& v) { c.ids.push_back(c.values.intern(v)); });
  });
  for (; filled < size; ++filled) c.start[filled + 1] = static_cast<std::uint32_t>(c.ids.size());
  return c;
}

KeywordColumn load_column(const Xapian::Database& db, const Field& field, std::size_t size) {
  const auto slot = static_cast<Xapian::valueno>(field.slot);
  return make_column(field, size, [&](auto&& fn) {
    for (auto it = db.valuestream_begin(slot); it != db.valuestream_end(slot); ++it) fn(it.get_docid(), *it);
  });
}

}  // namespace

KeywordColumn column_of(const Field& field, const std::vector<std::string>& by_docid) {
  return make_column(field, by_docid.size(), [&](auto&& fn) {
    for (Xapian::docid d = 1; d < by_docid.size(); ++d)
      if (!by_docid[d].empty()) fn(d, by_docid[d]);
  });
}

void Snapshot::rank_ids(const std::vector<std::string>& ids) {
  in_id_order.clear();
  for (Xapian::docid d = 1; d < ids.size(); ++d)
    if (!ids[d].empty()) in_id_order.push_back(d);
  std::sort(in_id_order.begin(), in_id_order.end(), [&](Xapian::docid a, Xapian::docid b) { return ids[a] < ids[b]; });
  id_rank.assign(ids.size(), 0);
  for (std::size_t i = 0; i < in_id_order.size(); ++i) id_rank[in_id_order[i]] = static_cast<std::uint32_t>(i + 1);
}

std::shared_ptr<const Snapshot> Snapshot::load(const Xapian::Database& db, std::string state, Xapian::rev revision,
                                               std::size_t shards) {
  auto owned = std::make_shared<Snapshot>();
  Snapshot& s = *owned;
  s.revision = revision;
  s.state = std::move(state);
  s.shards = shards;
  s.documents = db.get_doccount();
  const std::size_t size = static_cast<std::size_t>(db.get_lastdocid()) + 1;
  s.present.assign(size, 0);
  s.year.assign(size, 0);
  s.doclength.assign(size, 0);
  for (auto it = db.postlist_begin(std::string()); it != db.postlist_end(std::string()); ++it) {
    s.present[*it] = 1;
    s.doclength[*it] = it.get_doclength();
  }
  s.average_length = db.get_avlength();
  for (auto it = db.valuestream_begin(schema::kYearSlot); it != db.valuestream_end(schema::kYearSlot); ++it)
    s.year[it.get_docid()] = static_cast<std::int16_t>(Xapian::sortable_unserialise(*it));
  for (const Field* field : keyword_filters()) s.keywords.push_back(load_column(db, *field, size));
  std::vector<std::string> ids(size);
  for (auto it = db.valuestream_begin(schema::kIdSlot); it != db.valuestream_end(schema::kIdSlot); ++it)
    ids[it.get_docid()] = *it;
  s.rank_ids(ids);
  return owned;
}

const std::vector<std::pair<std::string, unsigned>>& Snapshot::words(const Xapian::Database& db) const {
  std::call_once(words_once_, [&] {
    for (auto it = db.spellings_begin(); it != db.spellings_end(); ++it) words_.emplace_back(*it, it.get_termfreq());
  });
  return words_;
}

}  // namespace studysearch
