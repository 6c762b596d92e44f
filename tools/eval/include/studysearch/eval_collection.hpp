#pragma once
// Converters from classic test collections to the layout the evaluation uses:
// corpus.jsonl (study records), topics.tsv (`qid<TAB>query`) and qrels.txt
// (`qid 0 docid relevance`, docids rewritten to the corpus ids).
//
// Errors: studysearch::Error{ErrorKind::invalid_input} with "name:line: ..."
// for malformed input, and for judgements of unknown documents or queries.
#include <cstddef>
#include <filesystem>
#include <iosfwd>
#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "studysearch/eval.hpp"

namespace studysearch::eval {

/// One record of the SMART format used by MED and Cranfield: a line `.I n`,
/// then sections started by marker lines `.X` (X an upper-case letter).
struct SmartRecord {
  std::string number;                   ///< the n of `.I n`, digits only
  std::size_t line = 0;                 ///< line of `.I`
  std::map<char, std::string> sections; ///< marker letter -> raw lines joined by '\n'
};

/// Reads SMART records. `.W` (the text) is the last section: a marker line
/// after it is dropped and the lines that follow stay in `.W` (Cranfield has
/// such stray markers inside abstracts 240, 576 and 578). Text before the
/// first `.I`, a non-numeric `.I` or a repeated number is an error.
std::vector<SmartRecord> read_smart(std::istream& in, const std::string& name);

/// One converted document; becomes one corpus.jsonl line.
struct Document {
  std::string id;                    ///< e.g. "med-12", "cran-471"
  std::string title;                 ///< may be empty (then omitted)
  std::vector<std::string> authors;  ///< may be empty (then omitted)
  std::string summary;               ///< never empty
};

struct Collection {
  std::vector<Document> documents;
  std::vector<Topic> topics;
  std::vector<Judgement> judgements;  ///< docids are Document::id values
};

/// MED title. MED has no title field, but every abstract starts with its
/// title: in abstracts padded to 72 columns (about 320) it is the lines before
/// the first indented line, else the first line up to a double space. A leading
/// accession number ("4181.") is dropped, the title ends at the first " . " and
/// loses its final period; empty if 200 characters or longer. `text` is the raw
/// `.W` section (lines joined by '\n', as SmartRecord keeps them).
std::string med_title(std::string_view text);

/// MED: MED.ALL (`.I`, `.W`), MED.QRY (same) and MED.REL (`qid 0 docid rel`).
/// `source` prefixes the file names in error messages ("" in tests).
Collection convert_med(std::istream& all, std::istream& queries, std::istream& judgements,
                       const std::string& source = "");

/// Cranfield: cran.all.1400 (`.I`, `.T`, `.A`, `.B`, `.W`), topics.tsv and
/// qrels.txt in TREC layout with numeric docids.
Collection convert_cranfield(std::istream& all, std::istream& topics, std::istream& judgements,
                             const std::string& source = "");

/// The corpus.jsonl line of a document (no trailing newline).
std::string to_jsonl(const Document& document);

/// Writes corpus.jsonl, topics.tsv and qrels.txt into `out_dir` (created if
/// needed, files replaced). Throws Error{invalid_input} if it cannot write.
void write_collection(const Collection& collection, const std::filesystem::path& out_dir);

}  // namespace studysearch::eval
