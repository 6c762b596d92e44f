#pragma once
// Abbreviations a study defines for itself: "pyridostatin (PDS)", "double-strand
// breaks (DSBs)". Scientific summaries name a thing once in full and then by its
// short form; the indexer counts each later short form as a mention of the long
// form's words too (IndexSettings::abbreviation_weight), so a study that says
// "PDS" five times is about pyridostatin, not just mentions it once.
//
// Definitions are found as Schwartz & Hearst do (PSB 2003): a parenthesised
// short form whose letters appear in order in the words just before the
// parenthesis, its first letter at the start of a word. Only the study's own
// text is read; nothing is learned from other studies or from queries.
#include <string>
#include <string_view>
#include <vector>

#include "studysearch/analyzer.hpp"

namespace studysearch {

struct Abbreviation {
  std::string short_form;               ///< as written ("PDS", "DSBs")
  std::vector<std::string> long_stems;  ///< the long form's terms, in order
  std::size_t defined_at = 0;           ///< byte offset of the short form in its text
};

/// Where the long form of `short_form` (the text between the parentheses)
/// starts in `before` (the text before the opening parenthesis): a byte
/// offset, or npos when `short_form` is not shaped like an abbreviation (2-10
/// ASCII letters and digits, a letter first, at least as many capitals as small
/// letters) or its letters are not found in order.
std::size_t long_form_start(std::string_view short_form, std::string_view before);

/// The abbreviations `text` defines, the first definition of each short form.
std::vector<Abbreviation> find_abbreviations(std::string_view text, const Analyzer& analyzer);

/// The abbreviations defined anywhere in a study's texts, looked up per word.
class AbbreviationTable {
 public:
  AbbreviationTable(const std::vector<const std::string*>& texts, const Analyzer& analyzer);

  /// The long-form terms the word `raw` (as written, at byte `begin` of `text`,
  /// one of the texts given) stands for: a defined short form or its plural /
  /// singular ("DSB" for "DSBs"); nullptr otherwise and at the definition itself.
  const std::vector<std::string>* expansion(const std::string& text, std::string_view raw, std::size_t begin) const;

  bool empty() const { return entries_.empty(); }

 private:
  struct Entry {
    const std::string* text;
    Abbreviation abbreviation;
  };
  std::vector<Entry> entries_;
};

}  // namespace studysearch
