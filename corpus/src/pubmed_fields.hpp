#pragma once
// Private: the text rules of the PubMed mapping (no XML here), shared by the
// reader and its tests through read_pubmed_xml.
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "studysearch/study.hpp"

namespace studysearch::detail::pubmed {

/// Runs of spaces, tabs, CR and LF become one space; the ends are trimmed.
std::string collapse_spaces(std::string_view text);

/// The first run of exactly four ASCII digits ("2015 Nov-Dec" → 2015, "Spring 1998" → 1998).
std::optional<int> first_year(std::string_view text);

/// The parts of one citation as the reader collects them, whitespace-collapsed.
struct Citation {
  std::string pmid;
  std::string title;
  std::string journal;
  std::string pub_year, medline_date, article_year;
  std::string article_id_doi, elocation_doi;
  struct Part {
    std::string label, text;
  };
  std::vector<Part> abstract;
  std::vector<std::string> authors;
  std::vector<std::string> publication_types;
};

/// The study of a citation (not validated: see the reader); its texts are
/// moved out of `citation`. The summary is empty when the citation has no
/// abstract text.
Study to_study(Citation&& citation);

}  // namespace studysearch::detail::pubmed
