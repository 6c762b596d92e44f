#pragma once
// Turns a study into a Xapian document following detail/schema.hpp.
#include <xapian.h>

#include <string>
#include <unordered_map>

#include "studysearch/analyzer.hpp"
#include "studysearch/index_writer.hpp"
#include "studysearch/study.hpp"

namespace studysearch {

/// Unstemmed words seen in titles and summaries, with counts; fed to the
/// spelling table once per batch (did-you-mean and completion read it).
using WordCounts = std::unordered_map<std::string, unsigned>;

class DocumentBuilder {
 public:
  DocumentBuilder(const Analyzer& analyzer, const IndexSettings& settings)
      : analyzer_(analyzer), settings_(settings) {}

  Xapian::Document build(const Study& study, WordCounts* words) const;

 private:
  const Analyzer& analyzer_;
  const IndexSettings& settings_;
};

/// Adds the words of a study that feed the spelling table (title and summary).
void count_words(const Study& study, const Analyzer& analyzer, WordCounts& words);

}  // namespace studysearch
