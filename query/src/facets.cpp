#include "facets.hpp"

#include <algorithm>
#include <bit>

#include "studysearch/detail/schema.hpp"

namespace studysearch {
namespace {

// Years kMinYear..kMaxYear (study.hpp) have a facet slot each.
constexpr std::size_t kUnknownYear = kMaxYear - kMinYear + 1;

constexpr unsigned bit(std::size_t column) { return 1u << column; }

AllowedIds allowed_ids(const std::vector<std::string>& values, const Dictionary& dict) {
  AllowedIds allowed;
  const bool small = dict.display.size() <= 64;
  if (!small) allowed.bytes.assign(dict.display.size() + 1, 0);  // +1 keeps it non-empty
  for (const auto& v : values) {
    const auto id = dict.find(v);
    if (id == Dictionary::kNone) continue;
    if (small) allowed.mask |= std::uint64_t{1} << id;
    else allowed.bytes[id] = 1;
  }
  return allowed;
}

// A count-ordered group: most studies first, then by name; at most `max`; a
// selected value always stays visible, with its (possibly zero) count.
std::vector<FacetValue> by_count(std::span<std::size_t> counts, const Dictionary& dict, std::size_t max,
                                 const std::vector<std::string>* selected) {
  // Order and cut value ids first: only the values shown are copied out.
  std::vector<std::uint32_t> ids;
  for (std::size_t i = 0; i < counts.size(); ++i)
    if (counts[i] > 0) ids.push_back(static_cast<std::uint32_t>(i));
  const auto before = [&](std::uint32_t a, std::uint32_t b) {
    return counts[a] != counts[b] ? counts[a] > counts[b] : dict.display[a] < dict.display[b];
  };
  const std::size_t shown = std::min(max, ids.size());
  if (shown < ids.size()) std::partial_sort(ids.begin(), ids.begin() + static_cast<std::ptrdiff_t>(shown), ids.end(), before);
  else std::sort(ids.begin(), ids.end(), before);
  std::vector<FacetValue> values;
  values.reserve(shown + (selected ? selected->size() : 0));
  for (std::size_t k = 0; k < shown; ++k) values.push_back({dict.display[ids[k]], counts[ids[k]], dict.keys[ids[k]], false});
  if (selected) {
    for (const auto& s : *selected) {
      const auto id = dict.find(s);
      const std::string key = id == Dictionary::kNone ? value_key(s) : dict.keys[id];
      const auto shown = std::find_if(values.begin(), values.end(), [&](const FacetValue& v) { return v.key == key; });
      if (shown != values.end()) shown->selected = true;
      else values.push_back({id == Dictionary::kNone ? s : dict.display[id],
                             id == Dictionary::kNone || id >= counts.size() ? 0 : counts[id], key, true});
    }
  }
  for (const std::uint32_t i : ids) counts[i] = 0;  // read: leave the scratch clear
  return values;
}

// A vocabulary-ordered group: the vocabulary's values in order (ids 0..n-1 of
// the column's dictionary), all of them or those with studies.
std::vector<FacetValue> by_vocabulary(std::span<std::size_t> counts, const Dictionary& dict, bool all,
                                      const std::vector<std::string>* selected) {
  std::vector<FacetValue> values;
  values.reserve(counts.size());
  for (std::size_t i = 0; i < counts.size(); ++i) {
    const bool chosen = selected && std::find(selected->begin(), selected->end(), dict.display[i]) != selected->end();
    if (all || counts[i] > 0 || chosen) values.push_back({dict.display[i], counts[i], dict.keys[i], chosen});
    counts[i] = 0;  // read: leave the scratch clear
  }
  return values;
}

}  // namespace

ResolvedFilters ResolvedFilters::resolve(const SearchRequest& request, const Snapshot& snapshot) {
  ResolvedFilters f;
  for (std::size_t c = 0; c < snapshot.keywords.size(); ++c) {
    const auto it = request.filters.find(snapshot.keywords[c].field->name);
    if (it == request.filters.end() || it->second.empty()) continue;
    f.keywords.push_back({c, allowed_ids(it->second, snapshot.keywords[c].values), &it->second});
  }
  f.year_from = request.year_from;
  f.year_to = request.year_to;
  f.year_unknown = request.year_unknown;
  return f;
}

unsigned ResolvedFilters::failures(const Snapshot& s, Xapian::docid id) const {
  unsigned fail = 0;
  for (const Keyword& k : keywords)
    if (!s.keywords[k.column].any_in(id, k.allowed)) fail |= bit(k.column);
  if (year_active()) {
    const int y = s.year[id];
    const bool ranged = year_from || year_to;
    if (y == 0 ? !year_unknown : !ranged || (year_from && y < *year_from) || (year_to && y > *year_to))
      fail |= kYearBit;
  }
  return fail;
}

Xapian::Query ResolvedFilters::as_query() const {
  std::vector<Xapian::Query> groups;
  const auto fields = keyword_filters();
  for (const Keyword& k : keywords) {
    std::vector<Xapian::Query> terms;
    for (const auto& v : *k.values) terms.emplace_back(schema::key_term(fields[k.column]->term_prefix, v));
    groups.emplace_back(Xapian::Query::OP_OR, terms.begin(), terms.end());
  }
  if (year_active()) {
    std::vector<Xapian::Query> years;
    if (year_from || year_to)
      years.emplace_back(Xapian::Query::OP_VALUE_RANGE, schema::kYearSlot,
                         Xapian::sortable_serialise(year_from.value_or(kMinYear - 1000)),
                         Xapian::sortable_serialise(year_to.value_or(kMaxYear + 1000)));
    // Yearless studies carry the no-year sort key (schema.hpp).
    if (year_unknown)
      years.emplace_back(Xapian::Query::OP_VALUE_RANGE, schema::kNewestFirstSlot, std::string(schema::kNoYearKey),
                         std::string(schema::kNoYearKey));
    groups.emplace_back(Xapian::Query::OP_OR, years.begin(), years.end());
  }
  if (groups.empty()) return Xapian::Query();
  return Xapian::Query(Xapian::Query::OP_AND, groups.begin(), groups.end());
}

FacetCounter::FacetCounter(const Snapshot& snapshot, const ResolvedFilters& filters, bool facets,
                           std::vector<std::size_t>& scratch)
    : snapshot_(snapshot), filters_(filters), facets_(facets), counts_(&scratch) {
  if (!facets_) return;
  columns_ = snapshot.keywords.size();  // at most 31: one failure bit each (ResolvedFilters)
  for (std::size_t c = 0; c < columns_; ++c) offset_[c + 1] = offset_[c] + snapshot.keywords[c].values.display.size();
  const std::size_t size = offset_[columns_] + kUnknownYear + 1;
  if (counts_->size() < size) counts_->resize(size, 0);  // the part already there is all zeros
  dirty_ = true;
}

FacetCounter::~FacetCounter() {
  if (dirty_) std::fill(counts_->begin(), counts_->end(), 0);  // facets() was not reached (an error)
}

void FacetCounter::add(Xapian::docid id) {
  const Snapshot& s = snapshot_;
  if (id >= s.present.size() || !s.present[id]) return;
  const unsigned fail = filters_.any() ? filters_.failures(s, id) : 0;
  if (fail == 0) ++total_;
  if (!facets_ || std::popcount(fail) > 1) return;
  std::size_t* const all = counts_->data();
  for (std::size_t c = 0; c < columns_; ++c) {
    if (fail & ~bit(c)) continue;
    std::size_t* counts = all + offset_[c];
    s.keywords[c].for_each(id, [counts](std::uint32_t v) { ++counts[v]; });
  }
  if (!(fail & ~ResolvedFilters::kYearBit)) {
    const int y = s.year[id];
    ++all[offset_[columns_] + (y >= kMinYear && y <= kMaxYear ? static_cast<std::size_t>(y - kMinYear) : kUnknownYear)];
  }
}

void FacetCounter::add_set(const DocSet& documents) {
  // Without facets and filters only the total is wanted: count the bits.
  if (!facets_ && !filters_.any()) total_ += documents.size();
  else documents.for_each([&](Xapian::docid id) { add(id); });
}

Facets FacetCounter::facets(const SearchRequest& request) {
  Facets f;
  if (!facets_ || !dirty_) return f;
  f.groups.reserve(columns_ + 1);
  std::size_t c = 0;  // keyword columns follow keyword_filters(), i.e. table order
  for (const Field& field : study_fields()) {
    if (!field.filter) continue;
    FacetGroup group{std::string(field.name), {}};
    if (field.type == FieldType::integer) {
      std::size_t* years = counts_->data() + offset_[columns_];
      for (std::size_t i = 0; i < kUnknownYear; ++i)
        if (years[i] > 0) {
          std::string year = std::to_string(kMinYear + static_cast<int>(i));
          group.values.push_back({year, years[i], year, false});
          years[i] = 0;
        }
      if (years[kUnknownYear] > 0) group.values.push_back({"unknown", years[kUnknownYear], "unknown", false});
      years[kUnknownYear] = 0;
    } else {
      const Dictionary& dict = snapshot_.keywords[c].values;
      const auto found = request.filters.find(field.name);
      const std::vector<std::string>* selected = found == request.filters.end() ? nullptr : &found->second;
      if (field.facet_order == FacetOrder::vocabulary)
        group.values = by_vocabulary(keyword(c), dict, field.facet_all, selected);
      else
        group.values = by_count(keyword(c), dict, field.facet_top ? request.max_facet_values : SIZE_MAX, selected);
      ++c;
    }
    f.groups.push_back(std::move(group));
  }
  dirty_ = false;  // every count was read and cleared
  return f;
}

const std::vector<FacetValue>& Facets::operator[](std::string_view name) const {
  static const std::vector<FacetValue> none;
  for (const auto& g : groups)
    if (g.name == name) return g.values;
  return none;
}

}  // namespace studysearch
