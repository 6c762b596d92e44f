// studysearch-gen: seeded synthetic study records and query sets for the benchmarks.
//   studysearch-gen --docs N --seed S [--learn FILE]... > corpus.jsonl
//   studysearch-gen --queries N --docs N --seed S [--learn FILE]... > queries.tsv
// The query set regenerates the same corpus in memory (same learn files, docs
// and seed) so its words, phrases and rarities are those of that corpus.
#include <algorithm>
#include <cstdio>
#include <iostream>
#include <map>
#include <stdexcept>
#include <string>
#include <vector>

#include "gen_model.hpp"

#ifndef STUDYSEARCH_GEN_DEFAULT_LEARN
#define STUDYSEARCH_GEN_DEFAULT_LEARN "data/eval/med/MED.ALL"
#endif

namespace sb = studysearch::bench;

namespace {

struct Options {
  std::size_t docs = 10000, queries = 0, lexicon = 50000;
  std::uint64_t seed = 42;
  std::vector<std::string> learn;
};

constexpr const char* kUsage =
    "usage: studysearch-gen --docs N --seed S [--learn FILE]... [--lexicon N] > corpus.jsonl\n"
    "       studysearch-gen --queries N --docs N --seed S [--learn FILE]... > queries.tsv\n"
    "  --queries N   N queries per class (one_word few_words phrase sentence rare common)\n"
    "  --learn FILE  text to learn word statistics from: MED-style (.I/.W) text or *.jsonl\n"
    "                records (repeatable; default " STUDYSEARCH_GEN_DEFAULT_LEARN ")\n";

Options parse(int argc, char** argv) {
  Options o;
  for (int i = 1; i < argc; ++i) {
    const std::string arg = argv[i];
    if (arg == "--help" || arg == "-h") {
      std::cout << kUsage;
      std::exit(0);
    }
    if (i + 1 >= argc) throw std::invalid_argument("missing value after " + arg);
    const std::string value = argv[++i];
    if (arg == "--docs") o.docs = std::stoull(value);
    else if (arg == "--seed") o.seed = std::stoull(value);
    else if (arg == "--queries") o.queries = std::stoull(value);
    else if (arg == "--lexicon") o.lexicon = std::stoull(value);
    else if (arg == "--learn") o.learn.push_back(value);
    else throw std::invalid_argument("unknown option " + arg);
  }
  if (o.learn.empty()) o.learn.push_back(STUDYSEARCH_GEN_DEFAULT_LEARN);
  return o;
}

/// A word worth typing into a search box: not a stopword, not punctuation, not a bare number.
bool content_word(const sb::TextModel& model, sb::TokenId t) {
  if (t == sb::kSentenceEnd || model.is_punct(t) || model.is_stopword(t)) return false;
  const auto& w = model.word(t);
  return w.size() >= 3 && w.find_first_not_of("0123456789.") != std::string::npos;
}

std::vector<sb::TokenId> words_only(const sb::TextModel& model, const std::vector<sb::TokenId>& tokens) {
  std::vector<sb::TokenId> out;
  for (auto t : tokens)
    if (t != sb::kSentenceEnd && !model.is_punct(t)) out.push_back(t);
  return out;
}

std::string join(const sb::TextModel& model, const std::vector<sb::TokenId>& words) {
  std::string out;
  for (auto t : words) (out.empty() ? out : out += ' ') += model.word(t);
  return out;
}

enum Class { one_word, few_words, phrase, sentence, rare, common, kClasses };
constexpr const char* kClassNames[kClasses] = {"one_word", "few_words", "phrase", "sentence", "rare", "common"};

/// A query cut out of one generated study.
std::string query_from_study(const sb::TextModel& model, const sb::GeneratedStudy& s, Class cls, sb::Rng& rng) {
  std::vector<sb::TokenId> content;
  for (const auto* stream : {&s.title_tokens, &s.summary_tokens})
    for (auto t : *stream)
      if (content_word(model, t)) content.push_back(t);
  switch (cls) {
    case one_word: return model.word(content[rng.below(content.size())]);
    case few_words: {
      std::vector<sb::TokenId> picked;
      const int n = rng.between(2, 3);
      for (int guard = 0; static_cast<int>(picked.size()) < n && guard < 50; ++guard) {
        const auto t = content[rng.below(content.size())];
        if (std::find(picked.begin(), picked.end(), t) == picked.end()) picked.push_back(t);
      }
      return join(model, picked);
    }
    case phrase: {
      // Consecutive words inside one sentence, first and last a content word.
      const auto& tokens = s.summary_tokens;
      const std::size_t len = static_cast<std::size_t>(rng.between(2, 3));
      std::vector<std::size_t> starts;
      for (std::size_t i = 0; i + len <= tokens.size(); ++i) {
        bool ok = content_word(model, tokens[i]) && content_word(model, tokens[i + len - 1]);
        for (std::size_t k = 0; ok && k < len; ++k)
          ok = tokens[i + k] != sb::kSentenceEnd && !model.is_punct(tokens[i + k]);
        if (ok) starts.push_back(i);
      }
      if (starts.empty()) return model.word(content[rng.below(content.size())]);
      const auto i = starts[rng.below(starts.size())];
      std::string quoted = "\"";
      quoted += join(model, {tokens.begin() + static_cast<long>(i), tokens.begin() + static_cast<long>(i + len)});
      return quoted += '"';
    }
    default: {  // sentence: a 10-16 word passage pasted from the summary
      const auto words = words_only(model, s.summary_tokens);
      const std::size_t len = std::min<std::size_t>(words.size(), static_cast<std::size_t>(rng.between(10, 16)));
      const auto start = rng.below(words.size() - len + 1);
      return join(model, {words.begin() + static_cast<long>(start), words.begin() + static_cast<long>(start + len)});
    }
  }
}

std::string filters(sb::Rng& rng, const std::vector<std::string>& journals) {
  if (!rng.chance(0.30)) return "";
  const double u = rng.unit();
  if (u < 0.50) return "pem=required";
  if (u < 0.65) return "pem=not_required";
  if (u < 0.80) return "journal=" + journals[rng.below(std::min<std::size_t>(20, journals.size()))];
  if (u < 0.90) return "year_from=2015";
  return "pem=required;year_from=2010";
}

void write_queries(const Options& o, const sb::TextModel& model, sb::StudyGenerator& gen) {
  sb::Rng rng(o.seed * 0x2545F4914F6CDD1Dull + 7);
  // Which study each study-derived query is cut from, chosen before the pass.
  std::multimap<std::size_t, std::pair<Class, std::size_t>> wanted;
  std::vector<std::vector<std::string>> text(kClasses, std::vector<std::string>(o.queries));
  for (int c = one_word; c <= sentence; ++c)
    for (std::size_t q = 0; q < o.queries; ++q) wanted.emplace(rng.below(o.docs), std::pair{static_cast<Class>(c), q});

  std::vector<std::uint32_t> df(model.vocabulary_size()), last_doc(model.vocabulary_size());
  for (std::size_t d = 0; d < o.docs; ++d) {
    const auto s = gen.next();
    for (const auto* stream : {&s.title_tokens, &s.summary_tokens, &s.relevance_tokens, &s.limitations_tokens})
      for (auto t : *stream)
        if (last_doc[t] != d + 1) {
          last_doc[t] = static_cast<std::uint32_t>(d + 1);
          ++df[t];
        }
    auto [from, to] = wanted.equal_range(d);
    for (auto it = from; it != to; ++it) text[it->second.first][it->second.second] = query_from_study(model, s, it->second.first, rng);
  }

  std::vector<sb::TokenId> rare_words, by_df;
  const std::uint32_t rare_max = std::max<std::uint32_t>(3, static_cast<std::uint32_t>(o.docs / 20000));
  for (sb::TokenId t = 0; t < df.size(); ++t) {
    if (!content_word(model, t) || df[t] == 0) continue;
    by_df.push_back(t);
    if (df[t] <= rare_max) rare_words.push_back(t);
  }
  const std::size_t top = std::min<std::size_t>(50, by_df.size());
  std::partial_sort(by_df.begin(), by_df.begin() + static_cast<long>(top), by_df.end(),
                    [&](auto a, auto b) { return df[a] != df[b] ? df[a] > df[b] : a < b; });
  if (rare_words.empty() || top == 0) throw std::runtime_error("corpus too small for rare/common queries");
  for (std::size_t q = 0; q < o.queries; ++q) {
    text[rare][q] = model.word(rare_words[rng.below(rare_words.size())]);
    text[common][q] = model.word(by_df[rng.below(top)]);
    if (rng.chance(0.3)) text[common][q] += " " + model.word(by_df[rng.below(top)]);
  }

  std::string out = "qid\tclass\tquery\tfilters\n";
  for (int c = 0; c < kClasses; ++c)
    for (std::size_t q = 0; q < o.queries; ++q)
      out += std::string(kClassNames[c]) + "-" + std::to_string(q + 1) + "\t" + kClassNames[c] + "\t" + text[c][q] +
             "\t" + filters(rng, gen.journals()) + "\n";
  std::fwrite(out.data(), 1, out.size(), stdout);
}

}  // namespace

int main(int argc, char** argv) {
  try {
    const Options o = parse(argc, argv);
    if (o.docs == 0) throw std::invalid_argument("--docs must be at least 1");
    sb::TextModel model;
    for (const auto& path : o.learn) model.learn_file(path);
    if (model.learned_tokens() < 1000) throw std::runtime_error("learn files hold too little text");
    model.finish(o.lexicon, o.seed);
    sb::StudyGenerator gen(model, o.seed);
    if (o.queries > 0) {
      write_queries(o, model, gen);
    } else {
      std::string buffer;
      for (std::size_t d = 0; d < o.docs; ++d) {
        buffer += sb::to_jsonl(gen.next());
        if (buffer.size() > (1u << 20)) {
          std::fwrite(buffer.data(), 1, buffer.size(), stdout);
          buffer.clear();
        }
      }
      std::fwrite(buffer.data(), 1, buffer.size(), stdout);
    }
    return std::fflush(stdout) == 0 ? 0 : 1;
  } catch (const std::exception& e) {
    std::cerr << "studysearch-gen: " << e.what() << "\n" << kUsage;
    return 2;
  }
}
