#include "facets.hpp"

#include <algorithm>
#include <bit>

#include "studysearch/detail/schema.hpp"

namespace studysearch {
namespace {

// Years kMinYear..kMaxYear (study.hpp) have a facet slot each.
constexpr std::size_t kUnknownYear = kMaxYear - kMinYear + 1;
enum Group : unsigned { kPem = 1, kJournal = 2, kYear = 4, kEvidence = 8, kDesign = 16 };

std::vector<char> allowed_ids(const std::vector<std::string>& values, const Dictionary& dict) {
  std::vector<char> allowed(dict.display.size() + 1, 0);  // +1 keeps it non-empty
  for (const auto& v : values)
    if (auto id = dict.find(v); id != Dictionary::kNone) allowed[id] = 1;
  return allowed;
}

bool in(const std::vector<char>& allowed, std::uint32_t id) {
  return id != Dictionary::kNone && id < allowed.size() && allowed[id];
}

std::vector<FacetValue> top_values(const std::vector<std::size_t>& counts, const Dictionary& dict, std::size_t max,
                                   const std::vector<std::string>& selected) {
  std::vector<FacetValue> values;
  for (std::size_t i = 0; i < counts.size(); ++i)
    if (counts[i] > 0) values.push_back({dict.display[i], counts[i]});
  std::sort(values.begin(), values.end(), [](const FacetValue& a, const FacetValue& b) {
    return a.count != b.count ? a.count > b.count : a.value < b.value;
  });
  if (values.size() > max) values.resize(max);
  // A selected value always stays visible, with its (possibly zero) count.
  for (const auto& s : selected) {
    const auto id = dict.find(s);
    const std::string display = id == Dictionary::kNone ? s : dict.display[id];
    if (std::none_of(values.begin(), values.end(), [&](const FacetValue& v) { return v.value == display; }))
      values.push_back({display, id == Dictionary::kNone || id >= counts.size() ? 0 : counts[id]});
  }
  return values;
}

}  // namespace

ResolvedFilters ResolvedFilters::resolve(const SearchRequest& request, const Snapshot& snapshot) {
  ResolvedFilters f;
  for (Pem p : request.pem) f.pem_mask |= static_cast<std::uint8_t>(1u << static_cast<unsigned>(p));
  if (!request.journals.empty()) f.journal_allowed = allowed_ids(request.journals, snapshot.journals);
  if (!request.designs.empty()) f.design_allowed = allowed_ids(request.designs, snapshot.designs);
  for (const auto& level : request.evidence_levels)
    if (level.size() == 2 && level[0] == 'E' && level[1] >= '0' && level[1] <= '3')
      f.evidence_mask |= static_cast<std::uint8_t>(1u << (level[1] - '0'));
    else
      f.evidence_mask |= 0x80;  // an unknown level: the group is active and matches nothing
  f.year_from = request.year_from;
  f.year_to = request.year_to;
  f.year_unknown = request.year_unknown;
  return f;
}

bool ResolvedFilters::any() const {
  return pem_mask || !journal_allowed.empty() || year_from || year_to || year_unknown || evidence_mask ||
         !design_allowed.empty();
}

unsigned ResolvedFilters::failures(const Snapshot& s, Xapian::docid id) const {
  unsigned fail = 0;
  if (pem_mask && !(pem_mask & (1u << s.pem[id]))) fail |= kPem;
  if (!journal_allowed.empty() && !in(journal_allowed, s.journal[id])) fail |= kJournal;
  if (year_from || year_to || year_unknown) {
    const int y = s.year[id];
    const bool ranged = year_from || year_to;
    if (y == 0 ? !year_unknown : !ranged || (year_from && y < *year_from) || (year_to && y > *year_to)) fail |= kYear;
  }
  if (evidence_mask && (s.evidence[id] == Snapshot::kNone || !(evidence_mask & (1u << s.evidence[id]))))
    fail |= kEvidence;
  if (!design_allowed.empty() && !in(design_allowed, s.design[id])) fail |= kDesign;
  return fail;
}

Xapian::Query ResolvedFilters::as_query(const SearchRequest& request) const {
  std::vector<Xapian::Query> groups;
  auto any_of = [](std::vector<Xapian::Query>& terms) {
    return terms.empty() ? Xapian::Query::MatchNothing : Xapian::Query(Xapian::Query::OP_OR, terms.begin(), terms.end());
  };
  if (pem_mask) {
    std::vector<Xapian::Query> terms;
    for (Pem p : {Pem::required, Pem::not_required, Pem::unclear})
      if (pem_mask & (1u << static_cast<unsigned>(p))) terms.emplace_back(schema::term(schema::kPemFilter, to_string(p)));
    groups.push_back(any_of(terms));
  }
  if (!journal_allowed.empty()) {
    std::vector<Xapian::Query> terms;
    for (const auto& j : request.journals) terms.emplace_back(schema::key_term(schema::kJournalFilter, j));
    groups.push_back(any_of(terms));
  }
  if (year_from || year_to || year_unknown) {
    std::vector<Xapian::Query> years;
    if (year_from || year_to)
      years.emplace_back(Xapian::Query::OP_VALUE_RANGE, schema::kYearSlot,
                         Xapian::sortable_serialise(year_from.value_or(kMinYear - 1000)),
                         Xapian::sortable_serialise(year_to.value_or(kMaxYear + 1000)));
    // Yearless studies carry the no-year sort key (schema.hpp).
    if (year_unknown)
      years.emplace_back(Xapian::Query::OP_VALUE_RANGE, schema::kNewestFirstSlot, std::string(schema::kNoYearKey),
                         std::string(schema::kNoYearKey));
    groups.push_back(any_of(years));
  }
  if (evidence_mask) {
    std::vector<Xapian::Query> terms;
    for (unsigned level = 0; level < 4; ++level)
      if (evidence_mask & (1u << level)) terms.emplace_back(schema::term(schema::kEvidenceFilter, "E" + std::to_string(level)));
    groups.push_back(any_of(terms));
  }
  if (!design_allowed.empty()) {
    std::vector<Xapian::Query> terms;
    for (const auto& d : request.designs) terms.emplace_back(schema::key_term(schema::kDesignFilter, d));
    groups.push_back(any_of(terms));
  }
  if (groups.empty()) return Xapian::Query();
  return Xapian::Query(Xapian::Query::OP_AND, groups.begin(), groups.end());
}

FacetCounter::FacetCounter(const Snapshot& snapshot, const ResolvedFilters& filters, bool facets)
    : snapshot_(snapshot), filters_(filters), facets_(facets) {
  if (facets_) {
    journal_.assign(snapshot.journals.display.size(), 0);
    design_.assign(snapshot.designs.display.size(), 0);
    year_.assign(kUnknownYear + 1, 0);
  }
}

void FacetCounter::add(Xapian::docid id) {
  const Snapshot& s = snapshot_;
  if (id >= s.pem.size() || s.pem[id] == Snapshot::kNoDoc) return;
  const unsigned fail = filters_.any() ? filters_.failures(s, id) : 0;
  if (fail == 0) ++total_;
  if (!facets_ || std::popcount(fail) > 1) return;
  if (!(fail & ~kPem)) ++pem_[s.pem[id]];
  if (!(fail & ~kJournal) && s.journal[id] != Dictionary::kNone) ++journal_[s.journal[id]];
  if (!(fail & ~kYear)) {
    const int y = s.year[id];
    ++year_[y >= kMinYear && y <= kMaxYear ? static_cast<std::size_t>(y - kMinYear) : kUnknownYear];
  }
  if (!(fail & ~kEvidence)) ++evidence_[s.evidence[id] == Snapshot::kNone ? 4 : s.evidence[id]];
  if (!(fail & ~kDesign) && s.design[id] != Dictionary::kNone) ++design_[s.design[id]];
}

void FacetCounter::add_set(const DocSet& documents) {
  // Without facets and filters only the total is wanted: count the bits.
  if (!facets_ && !filters_.any()) total_ += documents.size();
  else documents.for_each([&](Xapian::docid id) { add(id); });
}

Facets FacetCounter::facets(const SearchRequest& request) const {
  Facets f;
  if (!facets_) return f;
  for (Pem p : {Pem::required, Pem::not_required, Pem::unclear})
    f.pem.push_back({std::string(to_string(p)), pem_[static_cast<std::size_t>(p)]});
  f.journal = top_values(journal_, snapshot_.journals, request.max_journal_facets, request.journals);
  for (std::size_t i = 0; i < kUnknownYear; ++i)
    if (year_[i] > 0) f.year.push_back({std::to_string(kMinYear + static_cast<int>(i)), year_[i]});
  if (year_[kUnknownYear] > 0) f.year.push_back({"unknown", year_[kUnknownYear]});
  for (unsigned level = 0; level < 4; ++level)
    if (evidence_[level] > 0) f.evidence_level.push_back({"E" + std::to_string(level), evidence_[level]});
  f.design = top_values(design_, snapshot_.designs, SIZE_MAX, request.designs);
  return f;
}

}  // namespace studysearch
