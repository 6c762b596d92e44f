#include "snippets.hpp"

#include <vector>

namespace studysearch {
namespace {

struct Word {
  std::size_t begin, end;
  bool match;
  const std::string* stem;  // for counting distinct matches
};

struct Window {
  const std::string* text = nullptr;
  std::size_t first = 0, last = 0;  // word indexes, inclusive
  double score = -1;
};

// Extends [first, ...] while the passage stays within max_chars bytes.
std::size_t extend(const std::vector<Word>& words, std::size_t first, std::size_t max_chars) {
  std::size_t last = first;
  while (last + 1 < words.size() && words[last + 1].end - words[first].begin <= max_chars) ++last;
  return last;
}

// Appends a piece, joining it to the last span when both are (un)matched alike.
void append(std::vector<TextSpan>& spans, std::string_view text, bool matched) {
  if (text.empty()) return;
  if (!spans.empty() && spans.back().matched == matched) spans.back().text.append(text);
  else spans.push_back({std::string(text), matched});
}

}  // namespace

std::vector<TextSpan> make_snippet(const Study& study, const std::set<std::string>& stems, const Analyzer& analyzer,
                         std::size_t max_chars) {
  Window best;
  std::vector<Word> best_words;
  for (const std::string* text : {&study.summary, &study.relevance, &study.limitations}) {
    if (text->empty()) continue;
    std::vector<Word> words;
    std::vector<std::string> word_stems;
    analyzer.tokenize(*text, [&](const Token& token) {
      const std::string& stem = analyzer.stem(token.word);
      words.push_back({token.begin, token.end, stems.count(stem) > 0, nullptr});
      word_stems.push_back(stem);
    });
    if (words.empty()) continue;
    // Score each window starting at a match: distinct matched words count most.
    for (std::size_t first = 0; first < words.size(); ++first) {
      if (!words[first].match && !(first == 0 && best.score < 0)) continue;
      const std::size_t last = extend(words, first, max_chars);
      std::set<std::string_view> distinct;
      std::size_t matches = 0;
      for (std::size_t i = first; i <= last; ++i)
        if (words[i].match) ++matches, distinct.insert(word_stems[i]);
      // Prefer the summary a little, and passages that start a sentence.
      const double score = static_cast<double>(distinct.size()) * 10 + static_cast<double>(matches) +
                           (text == &study.summary ? 0.5 : 0);
      if (score > best.score) {
        best = {text, first, last, score};
        best_words = words;
      }
    }
  }
  if (!best.text) return {};
  // Start a few words before the first match so it has some context.
  std::size_t first = best.first;
  const std::size_t context = 4;
  first = first > context ? first - context : 0;
  while (first < best.first && best_words[best.last].end - best_words[first].begin > max_chars) ++first;
  const std::size_t last = extend(best_words, first, max_chars);
  const std::string_view text = *best.text;
  std::vector<TextSpan> out;
  if (first > 0) append(out, "… ", false);
  std::size_t pos = best_words[first].begin;
  for (std::size_t i = first; i <= last; ++i) {
    const Word& w = best_words[i];
    append(out, text.substr(pos, w.begin - pos), false);
    append(out, text.substr(w.begin, w.end - w.begin), w.match);
    pos = w.end;
  }
  if (last + 1 < best_words.size()) append(out, " …", false);
  else append(out, text.substr(pos), false);  // closing punctuation
  return out;
}

}  // namespace studysearch
