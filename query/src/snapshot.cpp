#include "snapshot.hpp"

#include "studysearch/detail/schema.hpp"
#include "studysearch/study.hpp"

namespace studysearch {

std::uint32_t Dictionary::intern(const std::string& display_form) {
  auto [it, inserted] = by_key.emplace(journal_key(display_form), static_cast<std::uint32_t>(display.size()));
  if (inserted) display.push_back(display_form);
  return it->second;
}

std::uint32_t Dictionary::find(const std::string& value) const {
  auto it = by_key.find(journal_key(value));
  return it == by_key.end() ? kNone : it->second;
}

std::shared_ptr<const Snapshot> Snapshot::load(const Xapian::Database& db) {
  auto owned = std::make_shared<Snapshot>();
  Snapshot& s = *owned;
  s.revision = db.get_revision();
  s.uuid = db.get_uuid();
  s.documents = db.get_doccount();
  const std::size_t size = static_cast<std::size_t>(db.get_lastdocid()) + 1;
  s.pem.assign(size, kNoDoc);
  s.year.assign(size, 0);
  s.journal.assign(size, Dictionary::kNone);
  s.evidence.assign(size, kNone);
  s.design.assign(size, Dictionary::kNone);
  s.doclength.assign(size, 0);
  for (auto it = db.postlist_begin(std::string()); it != db.postlist_end(std::string()); ++it)
    s.doclength[*it] = it.get_doclength();
  s.average_length = db.get_avlength();
  for (auto it = db.valuestream_begin(schema::kPemSlot); it != db.valuestream_end(schema::kPemSlot); ++it) {
    const std::string v = *it;
    if (v.size() == 1 && v[0] >= '0' && v[0] <= '2') s.pem[it.get_docid()] = static_cast<std::uint8_t>(v[0] - '0');
  }
  for (auto it = db.valuestream_begin(schema::kYearSlot); it != db.valuestream_end(schema::kYearSlot); ++it)
    s.year[it.get_docid()] = static_cast<std::int16_t>(Xapian::sortable_unserialise(*it));
  for (auto it = db.valuestream_begin(schema::kJournalSlot); it != db.valuestream_end(schema::kJournalSlot); ++it)
    s.journal[it.get_docid()] = s.journals.intern(*it);
  for (auto it = db.valuestream_begin(schema::kEvidenceSlot); it != db.valuestream_end(schema::kEvidenceSlot); ++it) {
    const std::string v = *it;
    if (v.size() == 2 && v[0] == 'E' && v[1] >= '0' && v[1] <= '3') s.evidence[it.get_docid()] = static_cast<std::uint8_t>(v[1] - '0');
  }
  for (auto it = db.valuestream_begin(schema::kDesignSlot); it != db.valuestream_end(schema::kDesignSlot); ++it)
    s.design[it.get_docid()] = s.designs.intern(*it);
  return owned;
}

const std::vector<std::pair<std::string, unsigned>>& Snapshot::words(const Xapian::Database& db) const {
  std::call_once(words_once_, [&] {
    for (auto it = db.spellings_begin(); it != db.spellings_end(); ++it) words_.emplace_back(*it, it.get_termfreq());
  });
  return words_;
}

}  // namespace studysearch
