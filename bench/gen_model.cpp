#include "gen_model.hpp"

#include <algorithm>
#include <array>
#include <cmath>
#include <fstream>
#include <limits>
#include <set>
#include <stdexcept>

#include <nlohmann/json.hpp>

namespace studysearch::bench {

std::uint64_t Rng::below(std::uint64_t n) {
  // Rejection sampling: unbiased and independent of the standard library's distributions.
  const std::uint64_t limit = std::numeric_limits<std::uint64_t>::max() -
                              std::numeric_limits<std::uint64_t>::max() % n;
  std::uint64_t x = engine_();
  while (x >= limit) x = engine_();
  return x % n;
}

WeightedChoice::WeightedChoice(const std::vector<std::uint64_t>& weights) {
  cumulative_.reserve(weights.size());
  std::uint64_t total = 0;
  for (auto w : weights) cumulative_.push_back(total += w);
  if (total == 0) cumulative_.clear();
}

std::size_t WeightedChoice::operator()(Rng& rng) const {
  const auto x = rng.below(cumulative_.back());
  return static_cast<std::size_t>(std::upper_bound(cumulative_.begin(), cumulative_.end(), x) -
                                  cumulative_.begin());
}

WeightedChoice zipf(std::size_t n, double s, double q) {
  std::vector<std::uint64_t> weights(n);
  // Integer weights: sampling then needs no floating point beyond this table.
  for (std::size_t r = 0; r < n; ++r)
    weights[r] = static_cast<std::uint64_t>(1e12 / std::pow(static_cast<double>(r + 1) + q, s)) + 1;
  return WeightedChoice(weights);
}

namespace {

constexpr std::array<std::string_view, 3> kPunct = {",", ";", ":"};
constexpr double kLexiconRate = 0.03;  // share of words drawn from the synthetic lexicon
constexpr std::size_t kMaxSentenceWords = 45;

constexpr std::string_view kStopwords[] = {
    "a", "about", "after", "all", "also", "an", "and", "any", "are", "as", "at", "be",
    "been", "before", "being", "between", "both", "but", "by", "can", "could", "did", "do",
    "does", "during", "each", "few", "for", "from", "had", "has", "have", "he", "her", "here",
    "his", "how", "i", "if", "in", "into", "is", "it", "its", "may", "more", "most", "no",
    "nor", "not", "of", "on", "only", "or", "other", "our", "out", "over", "same", "she",
    "should", "so", "some", "such", "than", "that", "the", "their", "them", "then", "there",
    "these", "they", "this", "those", "through", "to", "too", "under", "until", "up", "very",
    "was", "we", "were", "what", "when", "where", "which", "while", "who", "whom", "why",
    "will", "with", "would", "you"};

bool is_alnum(unsigned char c) { return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9'); }

std::string lower_ascii(std::string_view text) {
  std::string out(text);
  for (auto& c : out)
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
  return out;
}

std::string capitalised(std::string word) {
  if (!word.empty() && word[0] >= 'a' && word[0] <= 'z') word[0] = static_cast<char>(word[0] - 32);
  return word;
}

template <std::size_t N>
std::string_view pick(Rng& rng, const std::array<std::string_view, N>& items) {
  return items[rng.below(N)];
}

constexpr std::array<std::string_view, 24> kOnsets = {
    "b", "br", "c", "ch", "d", "f", "g", "gr", "h", "j", "k", "kr",
    "l", "m", "n", "p", "r", "s", "sch", "st", "t", "v", "w", "z"};
constexpr std::array<std::string_view, 9> kVowels = {"a", "e", "i", "o", "u", "ai", "ei", "ou", "ie"};
constexpr std::array<std::string_view, 12> kCodas = {"", "", "", "n", "r", "l", "s", "t", "k", "m", "nd", "st"};

std::string syllables(Rng& rng, int count) {
  std::string out;
  for (int i = 0; i < count; ++i) {
    out += pick(rng, kOnsets);
    out += pick(rng, kVowels);
    out += pick(rng, kCodas);
  }
  return out;
}

std::string lexicon_word(Rng& rng) {
  static constexpr std::array<std::string_view, 12> drug = {
      "mab", "nib", "pril", "sartan", "olol", "azole", "cillin", "statin", "vir", "tide", "parin", "dronate"};
  static constexpr std::array<std::string_view, 6> disease = {"itis", "osis", "emia", "opathy", "algia", "oma"};
  switch (rng.below(5)) {
    case 0: return syllables(rng, rng.between(1, 2)) + std::string(pick(rng, drug));
    case 1: return syllables(rng, rng.between(1, 2)) + std::string(pick(rng, disease));
    case 2: {  // gene/protein-like: letters then digits, e.g. "trkb12"
      std::string out;
      for (int i = rng.between(2, 4); i > 0; --i) out += static_cast<char>('a' + rng.below(26));
      return out + std::to_string(rng.between(1, 299));
    }
    default: return syllables(rng, rng.between(2, 3));
  }
}

}  // namespace

TextModel::TextModel() {
  intern("<s>");
  for (auto p : kPunct) intern(p);
}

TokenId TextModel::intern(std::string_view word) {
  auto [it, inserted] = ids_.try_emplace(std::string(word), static_cast<TokenId>(words_.size()));
  if (inserted) {
    words_.emplace_back(word);
    successors_.emplace_back();
    successor_index_.emplace_back();
  }
  return it->second;
}

void TextModel::add_bigram(TokenId from, TokenId to) {
  auto [it, inserted] = successor_index_[from].try_emplace(to, static_cast<TokenId>(successors_[from].size()));
  if (inserted)
    successors_[from].emplace_back(to, 1);
  else
    ++successors_[from][it->second].second;
}

void TextModel::learn_text(std::string_view text, TokenId& state) {
  std::string word;
  auto flush = [&] {
    if (word.empty()) return;
    const TokenId id = intern(word);
    add_bigram(state, id);
    state = id;
    ++learned_tokens_;
    word.clear();
  };
  for (std::size_t i = 0; i < text.size(); ++i) {
    const auto c = static_cast<unsigned char>(text[i]);
    const auto next = i + 1 < text.size() ? static_cast<unsigned char>(text[i + 1]) : 0;
    if (is_alnum(c)) {
      word += static_cast<char>(c);
    } else if ((c == '-' || c == '\'') && !word.empty() && is_alnum(next)) {
      word += static_cast<char>(c);
    } else if (c == '.' && !word.empty() && next >= '0' && next <= '9') {
      word += '.';  // decimal number
    } else if (c == 0xC3 && next >= 0x80 && next <= 0xBF) {  // Latin-1 letters (é, ü, ...)
      word += static_cast<char>(c);
      word += static_cast<char>(next >= 0x80 && next <= 0x9E && next != 0x97 ? next + 0x20 : next);
      ++i;
    } else {
      flush();
      if (c >= 0x80) {  // any other non-ASCII character separates words
        while (i + 1 < text.size() && (static_cast<unsigned char>(text[i + 1]) & 0xC0) == 0x80) ++i;
      } else if (c == '.' || c == '?' || c == '!') {
        if (state != kSentenceEnd) add_bigram(state, kSentenceEnd);
        state = kSentenceEnd;
      } else if (c == ',' || c == ';' || c == ':') {
        if (state != kSentenceEnd && !is_punct(state)) {
          const TokenId p = c == ',' ? 1 : c == ';' ? 2 : 3;
          add_bigram(state, p);
          state = p;
        }
      }
    }
  }
  flush();
}

void TextModel::learn_file(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw std::runtime_error("cannot read learn file " + path);
  std::string line;
  TokenId state = kSentenceEnd;
  auto end_document = [&] {
    if (state != kSentenceEnd) add_bigram(state, kSentenceEnd);
    state = kSentenceEnd;
  };
  const bool jsonl = path.size() >= 6 && path.compare(path.size() - 6, 6, ".jsonl") == 0;
  while (std::getline(in, line)) {
    if (jsonl) {
      const auto record = nlohmann::json::parse(line, nullptr, false);
      if (!record.is_object()) continue;
      for (const char* field : {"title", "summary", "relevance", "limitations"}) {
        auto it = record.find(field);
        if (it == record.end() || !it->is_string()) continue;
        learn_text(lower_ascii(it->get<std::string>()), state);
        end_document();
      }
    } else if (line.size() >= 2 && line[0] == '.' && line[1] >= 'A' && line[1] <= 'Z') {
      end_document();  // ".I 12", ".W", ".T": a field or document boundary
    } else {
      learn_text(lower_ascii(line), state);
    }
  }
  end_document();
}

void TextModel::finish(std::size_t lexicon_size, std::uint64_t seed) {
  successor_index_.clear();
  successor_index_.shrink_to_fit();
  first_lexicon_ = static_cast<TokenId>(words_.size());
  Rng rng(seed ^ 0x9E3779B97F4A7C15ull);
  std::size_t guard = 0;
  while (words_.size() - first_lexicon_ < lexicon_size && guard++ < lexicon_size * 20) {
    const auto word = lexicon_word(rng);
    if (!ids_.contains(word)) intern(word);
  }
  lexicon_pick_ = zipf(words_.size() - first_lexicon_, 1.0, 10.0);  // flat head: no synthetic word rivals "patients"
  next_.clear();
  for (const auto& successors : successors_) {
    std::vector<std::uint64_t> weights;
    for (const auto& [to, count] : successors) weights.push_back(count);
    next_.emplace_back(weights);
  }
  stop_.assign(words_.size(), false);
  for (auto word : kStopwords)
    if (auto it = ids_.find(std::string(word)); it != ids_.end()) stop_[it->second] = true;
}

std::size_t TextModel::sentence(Rng& rng, std::vector<TokenId>& out) const {
  TokenId state = kSentenceEnd;
  std::size_t words = 0;
  int early_ends = 0;
  while (words < kMaxSentenceWords && !next_[state].empty()) {
    const TokenId t = successors_[state][next_[state](rng)].first;
    if (t == kSentenceEnd) {
      if (words < 4 && early_ends++ < 3) continue;  // avoid "the results." fragments
      break;
    }
    out.push_back(t);
    state = t;
    if (is_punct(t)) continue;
    ++words;
    if (rng.chance(kLexiconRate)) {
      out.push_back(first_lexicon_ + static_cast<TokenId>(lexicon_pick_(rng)));
      ++words;
    }
  }
  while (!out.empty() && is_punct(out.back())) out.pop_back();
  out.push_back(kSentenceEnd);
  return words;
}

std::string render(const TextModel& model, const std::vector<TokenId>& tokens) {
  std::string out;
  bool sentence_start = true;
  for (auto t : tokens) {
    if (t == kSentenceEnd) {
      out += '.';
      sentence_start = true;
    } else if (model.is_punct(t)) {
      out += model.word(t);
    } else {
      if (!out.empty()) out += ' ';
      out += sentence_start ? capitalised(model.word(t)) : model.word(t);
      sentence_start = false;
    }
  }
  return out;
}

namespace {

constexpr std::array<std::string_view, 50> kTopics = {
    "Fatigue", "Immunology", "Neurology", "Psychiatry", "Rheumatology", "Virology",
    "Infectious Diseases", "Internal Medicine", "Rehabilitation", "Sleep Medicine", "Pain",
    "Exercise Physiology", "Cardiology", "Endocrinology", "Metabolism", "Psychosomatic Research",
    "Clinical Medicine", "Translational Medicine", "Neuroimmunology", "Autonomic Research",
    "Behavioral Medicine", "Gastroenterology", "Microbiology", "Public Health", "Epidemiology",
    "Physical Therapy", "Occupational Health", "Pediatrics", "Family Practice", "General Medicine",
    "Molecular Medicine", "Biochemistry", "Cell Biology", "Genetics", "Neuroscience",
    "Brain Research", "Inflammation", "Psychology", "Nursing", "Sports Medicine", "Pathology",
    "Pharmacology", "Health Services", "Chronic Illness", "Mitochondrial Research",
    "Cytokine Research", "Interferon Research", "Viral Immunology", "Clinical Investigation",
    "Medical Hypotheses"};
constexpr std::array<std::string_view, 12> kNouns = {
    "Research", "Reports", "Letters", "Reviews", "Science", "Practice", "Medicine",
    "Communications", "Open", "Today", "Quarterly", "Advances"};
constexpr std::array<std::string_view, 10> kQualifiers = {
    "Clinical", "Experimental", "Frontiers in", "Current", "Advances in", "Applied",
    "Cellular", "Molecular", "Annual Review of", "Progress in"};
constexpr std::array<std::string_view, 12> kDesigns = {
    "RCT", "cohort", "case-control", "cross-sectional", "systematic review", "meta-analysis",
    "review", "case series", "case report", "qualitative", "open-label trial", "mechanistic"};
constexpr std::array<std::string_view, 12> kSurnameEndings = {
    "", "", "", "", "son", "sen", "berg", "ova", "ez", "ini", "ski", "man"};

std::string journal_name(Rng& rng) {
  const std::string topic(pick(rng, kTopics));
  switch (rng.below(9)) {
    case 0: return "Journal of " + topic;
    case 1: return "Journal of " + topic + " " + std::string(pick(rng, kNouns));
    case 2: return topic + " " + std::string(pick(rng, kNouns));
    case 3: return "International Journal of " + topic;
    case 4: return std::string(pick(rng, kQualifiers)) + " " + topic;
    case 5: return "Annals of " + topic;
    case 6: return topic + " and " + std::string(pick(rng, kTopics));
    case 7: return "European Journal of " + topic;
    default: return "BMC " + topic;
  }
}

template <typename Make>
std::vector<std::string> unique_names(Rng& rng, std::size_t count, Make make) {
  std::vector<std::string> names;
  std::set<std::string> seen;
  for (std::size_t guard = 0; names.size() < count && guard < count * 50; ++guard) {
    auto name = make(rng);
    if (seen.insert(name).second) names.push_back(std::move(name));
  }
  return names;
}

}  // namespace

StudyGenerator::StudyGenerator(const TextModel& model, std::uint64_t seed) : model_(model), rng_(seed) {
  surnames_ = unique_names(rng_, 2000, [](Rng& rng) {
    return capitalised(syllables(rng, rng.between(1, 2)) + std::string(pick(rng, kSurnameEndings)));
  });
  journals_ = unique_names(rng_, 300, journal_name);
  surname_pick_ = zipf(surnames_.size(), 0.6);
  journal_pick_ = zipf(journals_.size(), 1.0);
  author_count_ = WeightedChoice({10, 12, 14, 14, 13, 12, 10, 15});
  design_pick_ = WeightedChoice({12, 18, 12, 20, 6, 3, 8, 5, 3, 4, 4, 5});
  evidence_pick_ = WeightedChoice({10, 30, 35, 25});
}

std::vector<TokenId> StudyGenerator::text(std::size_t target_words) {
  std::vector<TokenId> tokens;
  for (std::size_t words = 0; words < target_words;) words += model_.sentence(rng_, tokens);
  return tokens;
}

std::vector<TokenId> StudyGenerator::title() {
  const auto target = static_cast<std::size_t>(rng_.between(8, 14));
  std::vector<TokenId> sentence, out;
  // Run on past the target length (a little) rather than end a title on "of the".
  auto more = [&] { return out.size() < target || (model_.is_stopword(out.back()) && out.size() < target + 4); };
  while (more()) {
    sentence.clear();
    model_.sentence(rng_, sentence);
    for (auto t : sentence)
      if (t != kSentenceEnd && !model_.is_punct(t) && more()) out.push_back(t);
  }
  while (out.size() > 1 && model_.is_stopword(out.back())) out.pop_back();
  return out;
}

GeneratedStudy StudyGenerator::next() {
  GeneratedStudy s;
  s.id = "gen-" + std::to_string(++count_);
  s.title_tokens = title();
  s.title = render(model_, s.title_tokens);
  if (rng_.chance(0.97)) {
    for (auto n = author_count_(rng_) + 1; n > 0; --n) {
      auto author = surnames_[surname_pick_(rng_)] + ", " + static_cast<char>('A' + rng_.below(26));
      if (rng_.chance(0.5)) (author += ' ') += static_cast<char>('A' + rng_.below(26));
      s.authors.push_back(std::move(author));
    }
  }
  if (rng_.chance(0.95)) s.journal = journals_[journal_pick_(rng_)];
  if (rng_.chance(0.97)) {
    const double u = rng_.unit();
    s.year = 2026 - std::min(38, static_cast<int>(39.0 * u * u));  // skewed towards recent years
  }
  s.summary_tokens = text(static_cast<std::size_t>(rng_.between(80, 160)));
  s.summary = render(model_, s.summary_tokens);
  if (rng_.chance(0.85)) {
    s.relevance_tokens = text(static_cast<std::size_t>(rng_.between(35, 85)));
    s.relevance = render(model_, s.relevance_tokens);
  }
  if (rng_.chance(0.80)) {
    s.limitations_tokens = text(static_cast<std::size_t>(rng_.between(30, 70)));
    s.limitations = render(model_, s.limitations_tokens);
  }
  const double p = rng_.unit();
  s.pem = p < 0.60 ? "unclear" : p < 0.85 ? "not_required" : "required";
  if (rng_.chance(0.92)) s.evidence_level = "E" + std::to_string(evidence_pick_(rng_));
  if (rng_.chance(0.88)) s.design = kDesigns[design_pick_(rng_)];
  return s;
}

namespace {

void append_json_string(std::string& out, std::string_view text) {
  out += '"';
  for (char ch : text) {
    const auto c = static_cast<unsigned char>(ch);
    if (c == '"' || c == '\\') {
      out += '\\';
      out += ch;
    } else if (c < 0x20) {
      static constexpr char hex[] = "0123456789abcdef";
      out += "\\u00";
      out += hex[c >> 4];
      out += hex[c & 15];
    } else {
      out += ch;
    }
  }
  out += '"';
}

void append_field(std::string& out, std::string_view key, std::string_view value) {
  if (value.empty()) return;
  out += ",\"";
  out += key;
  out += "\":";
  append_json_string(out, value);
}

}  // namespace

std::string to_jsonl(const GeneratedStudy& s) {
  std::string out = "{\"id\":";
  append_json_string(out, s.id);
  append_field(out, "title", s.title);
  if (!s.authors.empty()) {
    out += ",\"authors\":[";
    for (std::size_t i = 0; i < s.authors.size(); ++i) {
      if (i) out += ',';
      append_json_string(out, s.authors[i]);
    }
    out += ']';
  }
  append_field(out, "journal", s.journal);
  if (s.year) out += ",\"year\":" + std::to_string(*s.year);
  append_field(out, "summary", s.summary);
  append_field(out, "relevance", s.relevance);
  append_field(out, "limitations", s.limitations);
  append_field(out, "pem", s.pem);
  append_field(out, "evidence_level", s.evidence_level);
  append_field(out, "design", s.design);
  out += "}\n";
  return out;
}

}  // namespace studysearch::bench
