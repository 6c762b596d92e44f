// The PubMed → study mapping (README "PubMed"), separate from the XML reading.
#include "pubmed_fields.hpp"

#include <array>
#include <cctype>
#include <charconv>

#include "studysearch/readers.hpp"
#include "text_util.hpp"

namespace studysearch {
namespace detail::pubmed {

std::string collapse_spaces(std::string_view text) {
  const auto space = [](char c) { return c == ' ' || c == '\t' || c == '\n' || c == '\r'; };
  std::string out;
  out.reserve(text.size());
  const std::size_t n = text.size();
  for (std::size_t i = 0; i < n;) {
    while (i < n && space(text[i])) ++i;
    std::size_t j = i;
    while (j < n && !space(text[j])) ++j;
    if (j > i) {
      if (!out.empty()) out += ' ';
      out.append(text.data() + i, j - i);
    }
    i = j;
  }
  return out;
}

std::optional<int> first_year(std::string_view text) {
  const auto digit = [&](std::size_t i) { return i < text.size() && std::isdigit(static_cast<unsigned char>(text[i])); };
  for (std::size_t i = 0; i + 4 <= text.size(); ++i) {
    if ((i > 0 && digit(i - 1)) || !digit(i) || !digit(i + 1) || !digit(i + 2) || !digit(i + 3) || digit(i + 4)) continue;
    return (text[i] - '0') * 1000 + (text[i + 1] - '0') * 100 + (text[i + 2] - '0') * 10 + (text[i + 3] - '0');
  }
  return std::nullopt;
}

namespace {

std::optional<int> parse_year(std::string_view text) {
  text = text::trim(text);
  int year = 0;
  const auto [end, error] = std::from_chars(text.data(), text.data() + text.size(), year);
  if (error != std::errc() || end != text.data() + text.size()) return std::nullopt;
  return year;
}

}  // namespace

Study to_study(Citation&& c) {
  Study study;
  study.id = "pmid-" + c.pmid;
  study.url = "https://pubmed.ncbi.nlm.nih.gov/" + c.pmid + "/";
  // The reader collapsed every captured text as it arrived: moved, not copied again.
  study.title = std::move(c.title);
  study.journal = std::move(c.journal);
  study.authors.reserve(c.authors.size());
  for (auto& author : c.authors)
    if (!author.empty()) study.authors.push_back(std::move(author));
  if (!text::trim(c.pub_year).empty()) study.year = parse_year(c.pub_year);
  else if (!text::trim(c.medline_date).empty()) study.year = first_year(c.medline_date);
  else if (!text::trim(c.article_year).empty()) study.year = parse_year(c.article_year);
  for (const std::string* doi : {&c.article_id_doi, &c.elocation_doi}) {
    if (study.doi.empty()) study.doi = normalize_doi(*doi);
  }
  std::size_t summary_bytes = 0;
  for (const auto& part : c.abstract) summary_bytes += part.label.size() + part.text.size() + 3;
  study.summary.reserve(summary_bytes);
  for (const auto& part : c.abstract) {
    if (part.text.empty()) continue;
    if (!study.summary.empty()) study.summary += '\n';
    const std::string label = collapse_spaces(part.label);  // an attribute: not collapsed by the reader
    if (!label.empty()) study.summary.append(label).append(": ");
    study.summary += part.text;
  }
  study.design = pubmed_design(c.publication_types);
  study.pem = Pem::unclear;
  return study;
}

}  // namespace detail::pubmed

std::string pubmed_design(const std::vector<std::string>& publication_types) {
  struct Rule {
    std::string_view type;
    bool prefix;  // also matches "<type>, ..." (phases, "Veterinary")
    std::string_view design;
  };
  static constexpr std::array<Rule, 15> rules{{
      {"meta-analysis", false, "meta-analysis"},
      {"systematic review", false, "systematic review"},
      {"randomized controlled trial", true, "RCT"},
      {"clinical trial", true, "clinical trial"},
      {"controlled clinical trial", false, "clinical trial"},
      {"pragmatic clinical trial", false, "clinical trial"},
      {"observational study", true, "observational"},
      {"case reports", false, "case report"},
      {"review", false, "review"},
      {"practice guideline", false, "guideline"},
      {"guideline", false, "guideline"},
      {"editorial", false, "editorial"},
      {"letter", false, "letter"},
      {"comment", false, "comment"},
      {"published erratum", false, "erratum"},
  }};
  std::vector<std::string> types;
  types.reserve(publication_types.size());
  for (const auto& listed : publication_types) types.push_back(text::ascii_lower(detail::pubmed::collapse_spaces(listed)));
  for (const auto& rule : rules) {
    for (const std::string_view type : types) {
      if (type == rule.type || (rule.prefix && type.size() > rule.type.size() && type.starts_with(rule.type) &&
                                type[rule.type.size()] == ',')) {
        return std::string(rule.design);
      }
    }
  }
  return "";
}

}  // namespace studysearch
