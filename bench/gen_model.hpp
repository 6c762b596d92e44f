#pragma once
// The seeded study-record generator behind studysearch-gen. A word bigram
// model learned from real abstracts (MED.ALL, the sample atlas) writes the
// free text; a Zipf-distributed synthetic lexicon (drug-, gene- and
// disease-like words) mixed in gives the long vocabulary tail of a real
// corpus. Same learn files + same seed -> byte-identical output on any
// platform: only std::mt19937_64 (fully specified) and our own distributions.
#include <cstdint>
#include <optional>
#include <random>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

namespace studysearch::bench {

/// Portable random numbers on top of mt19937_64 (whose output the standard fixes).
class Rng {
 public:
  explicit Rng(std::uint64_t seed) : engine_(seed) {}
  std::uint64_t next() { return engine_(); }
  std::uint64_t below(std::uint64_t n);                    ///< uniform in [0, n), n > 0
  int between(int lo, int hi) { return lo + static_cast<int>(below(static_cast<std::uint64_t>(hi - lo + 1))); }
  double unit() { return static_cast<double>(engine_() >> 11) * 0x1.0p-53; }  ///< [0, 1)
  bool chance(double p) { return unit() < p; }

 private:
  std::mt19937_64 engine_;
};

/// Draws an index with probability proportional to its weight.
class WeightedChoice {
 public:
  WeightedChoice() = default;
  explicit WeightedChoice(const std::vector<std::uint64_t>& weights);
  std::size_t operator()(Rng& rng) const;
  bool empty() const { return cumulative_.empty(); }

 private:
  std::vector<std::uint64_t> cumulative_;
};

/// Zipf-Mandelbrot over ranks 0..n-1: weight 1/(rank+1+q)^s (rank 0 most likely).
WeightedChoice zipf(std::size_t n, double s, double q = 0);

/// Ids of the unified vocabulary: learned words and punctuation first, then the
/// synthetic lexicon. kSentenceEnd marks a sentence boundary in token streams.
using TokenId = std::uint32_t;
inline constexpr TokenId kSentenceEnd = 0;

class TextModel {
 public:
  TextModel();
  /// Learns from MED-style text (".I"/".W" lines) or, for *.jsonl, from the
  /// title/summary/relevance/limitations of each record. Throws std::runtime_error
  /// when the file cannot be read.
  void learn_file(const std::string& path);
  /// Freezes the model: builds samplers and a synthetic lexicon of `lexicon_size` words.
  void finish(std::size_t lexicon_size, std::uint64_t seed);

  /// Appends one sentence (tokens, then kSentenceEnd) to `out`; returns its word count.
  std::size_t sentence(Rng& rng, std::vector<TokenId>& out) const;

  const std::string& word(TokenId id) const { return words_[id]; }
  bool is_punct(TokenId id) const { return id > 0 && id <= 3; }
  bool is_stopword(TokenId id) const { return id < stop_.size() && stop_[id]; }
  std::size_t vocabulary_size() const { return words_.size(); }
  std::size_t learned_tokens() const { return learned_tokens_; }

 private:
  TokenId intern(std::string_view word);
  void learn_text(std::string_view text, TokenId& state);
  void add_bigram(TokenId from, TokenId to);

  std::vector<std::string> words_;
  std::unordered_map<std::string, TokenId> ids_;
  // Successors in first-seen order (deterministic regardless of hashing).
  std::vector<std::vector<std::pair<TokenId, std::uint32_t>>> successors_;
  std::vector<std::unordered_map<TokenId, std::uint32_t>> successor_index_;
  std::vector<WeightedChoice> next_;
  std::vector<bool> stop_;
  TokenId first_lexicon_ = 0;
  WeightedChoice lexicon_pick_;
  std::size_t learned_tokens_ = 0;
};

/// Renders tokens as text: sentences capitalised, punctuation attached.
std::string render(const TextModel& model, const std::vector<TokenId>& tokens);

struct GeneratedStudy {
  std::string id, title, journal, summary, relevance, limitations, pem, evidence_level, design;
  std::vector<std::string> authors;
  std::optional<int> year;
  // Token streams, kept for the query generator.
  std::vector<TokenId> title_tokens, summary_tokens, relevance_tokens, limitations_tokens;
};

class StudyGenerator {
 public:
  StudyGenerator(const TextModel& model, std::uint64_t seed);
  GeneratedStudy next();                 ///< gen-1, gen-2, ...
  const std::vector<std::string>& journals() const { return journals_; }

 private:
  std::vector<TokenId> text(std::size_t target_words);
  std::vector<TokenId> title();

  const TextModel& model_;
  Rng rng_;
  std::size_t count_ = 0;
  std::vector<std::string> surnames_, journals_;
  WeightedChoice surname_pick_, journal_pick_, author_count_, design_pick_, evidence_pick_;
};

/// One JSON object per line in the record schema (absent fields omitted).
std::string to_jsonl(const GeneratedStudy& study);

}  // namespace studysearch::bench
