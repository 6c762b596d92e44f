#pragma once
// The one analyzer: the same object turns text into terms when indexing and
// when querying. Its settings are written into the index; an index whose
// recorded settings differ from this build's is refused at open.
#include <cstddef>
#include <functional>
#include <memory>
#include <string>
#include <string_view>

namespace studysearch {

struct AnalyzerSettings {
  std::string normalizer = "icu-nfkc-cf-nodiacritics-greek-v1";
  std::string stemmer = "english";  ///< Snowball language name

  bool operator==(const AnalyzerSettings&) const = default;
};

/// A word of the input: normalised form plus its byte range in the original text.
struct Token {
  std::string_view word;  ///< normalised (folded, ASCII where possible); valid during the callback
  std::size_t begin = 0;  ///< byte offset in the original text
  std::size_t end = 0;
};

/// Not thread-safe (it caches stems): use one per thread. Cheap to construct.
class Analyzer {
 public:
  explicit Analyzer(AnalyzerSettings settings = {});
  ~Analyzer();
  Analyzer(Analyzer&&) noexcept;
  Analyzer& operator=(Analyzer&&) noexcept;

  const AnalyzerSettings& settings() const noexcept;

  /// Splits text into words (letters and digits; Greek letters become their
  /// names) and normalises each: NFKC, case folding, diacritics removed.
  void tokenize(std::string_view text, const std::function<void(const Token&)>& on_token) const;

  /// Normalises a whole string (words joined by single spaces).
  std::string normalize(std::string_view text) const;

  /// Snowball stem of an already normalised word.
  const std::string& stem(std::string_view word) const;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

/// Normalises one word or phrase without an Analyzer object (thread-safe, slower).
std::string normalize_text(std::string_view text);

}  // namespace studysearch
