#pragma once
// Readers turn input files into studies. They stream: memory does not grow
// with the size of the input. They never throw for bad records; each bad
// record becomes a RecordIssue and reading goes on.
#include <cstddef>
#include <functional>
#include <iosfwd>
#include <string>
#include <vector>

#include "studysearch/study.hpp"

namespace studysearch {

/// Where and why one record is invalid.
struct RecordIssue {
  std::string file;
  std::size_t line = 0;  ///< 1-based line where the record starts (0: whole file)
  std::string field;     ///< empty when the record as a whole is bad
  std::string reason;
  /// "file:line: field: reason" (parts that are empty are left out).
  std::string message() const;
};

/// A valid study and where it came from.
struct SourcedStudy {
  Study study;
  std::string file;
  std::size_t line = 0;
  /// A version that replaces an earlier record of the same id in the same run
  /// (PubMed: a revised or re-versioned citation) instead of being a duplicate.
  bool revision = false;
};

struct ReaderOptions {
  /// A JSONL line or an atlas text entry longer than this is invalid (1 MiB).
  std::size_t max_record_bytes = std::size_t{1} << 20;
};

/// A reader's instruction to remove a study, in input order with the studies:
/// a PubMed `DeleteCitation`, or a (revised) citation without an abstract, which
/// cannot be a study and takes the place of any earlier version. Removing a
/// study that is not there is not an error.
struct RecordDeletion {
  enum class Cause {
    listed,       ///< named in a DeleteCitation list
    no_abstract,  ///< a citation without an abstract (skipped and counted)
  };
  std::string id;
  std::string file;
  std::size_t line = 0;
  Cause cause = Cause::listed;
};

/// Receives the reader's output in input order.
struct RecordSink {
  std::function<void(SourcedStudy&&)> on_study;
  std::function<void(RecordIssue&&)> on_issue;
  std::function<void(RecordDeletion&&)> on_delete{};  ///< only readers of update formats (PubMed) call it
};

/// JSON Lines: one object per line; blank lines are skipped. Invalid UTF-8,
/// unknown fields, wrong types and failed field rules are issues.
void read_jsonl(std::istream& in, const std::string& name, const ReaderOptions& options,
                const RecordSink& sink);

/// Atlas text: entries separated by a line "---". Optional headers
/// ("id: ", "title: ", "pem: ", "evidence: ", "design: ", "url: ") precede the byline
/// "Authors · Journal · Year · DOI"; then summary, relevance, limitations paragraphs.
/// Page boilerplate ("About the PEM badge", "Spotted an error") is dropped.
void read_atlas_text(std::istream& in, const std::string& name, const ReaderOptions& options,
                     const RecordSink& sink);

/// PubMed/MEDLINE XML, plain or gzip-compressed (".xml", ".xml.gz"): a
/// `PubmedArticleSet` (PubmedArticle = MedlineCitation + PubmedData) or the older
/// `MedlineCitationSet`, each with optional `DeleteCitation` lists. Streams with
/// libxml2's SAX parser (SAX1 callbacks) through zlib (memory does not grow with the file). Mapping (README
/// "PubMed"): id "pmid-<PMID>", url, title (inline markup kept as its text), authors
/// "LastName Initials" or CollectiveName, journal, year (PubDate/Year, else the first
/// 4-digit year of PubDate/MedlineDate, else ArticleDate/Year), doi (ArticleIdList,
/// else ELocationID), summary (AbstractText parts, "LABEL: " prefixed), design
/// (pubmed_design), pem unclear. Optional fields that would fail validation are
/// left out. A citation without an abstract is an on_delete (Cause::no_abstract),
/// a DeleteCitation PMID one with Cause::listed. Malformed XML, a truncated file or
/// a citation without PMID is an issue at its line; reading stops at malformed XML.
void read_pubmed_xml(const std::string& path, const ReaderOptions& options, const RecordSink& sink);

/// The study design of a citation from its PublicationType values: the first of
/// this precedence that it lists (case-insensitive), "" when none:
/// Meta-Analysis → "meta-analysis"; Systematic Review → "systematic review";
/// Randomized Controlled Trial (also ", Veterinary") → "RCT"; Clinical Trial, its
/// phases, Controlled / Pragmatic Clinical Trial → "clinical trial"; Observational
/// Study → "observational"; Case Reports → "case report"; Review → "review";
/// Practice Guideline, Guideline → "guideline"; Editorial → "editorial";
/// Letter → "letter"; Comment → "comment"; Published Erratum → "erratum".
std::string pubmed_design(const std::vector<std::string>& publication_types);

/// Picks the reader by extension, case-insensitive (".jsonl"/".json"/".ndjson" JSONL,
/// ".txt" atlas text, ".xml"/".xml.gz" PubMed); "-" reads JSONL from standard input
/// (file name "<stdin>").
/// A missing or unreadable file, a directory or another extension is one issue (line 0).
void read_file(const std::string& path, const ReaderOptions& options, const RecordSink& sink);

/// Atlas-style id: <first author surname>-<year>-<two significant words>,
/// ASCII-folded and lowercase; "unknown-..." without author, no year part without
/// year. Words come from the title, else from the summary (skipping stopwords and
/// openers like "This study examined"). At most 120 bytes, cut at a word boundary.
std::string derive_id(const Study& study);

}  // namespace studysearch
