// The analyzer: word segmentation plus per-word normalisation. Words are found
// in the original text (so snippets can map matches back to byte offsets) and
// each word is then normalised on its own: NFKC + case folding, diacritics
// removed, Greek letters spelled out, a few letters without decomposition
// (ø, ł, æ, ...) folded by table. ASCII words, the vast majority, take a fast path.
#include "studysearch/analyzer.hpp"

#include <unicode/normalizer2.h>
#include <unicode/uchar.h>
#include <unicode/unistr.h>
#include <unicode/utf8.h>
#include <xapian.h>

#include <array>
#include <string>
#include <unordered_map>

#include "studysearch/detail/schema.hpp"
#include "studysearch/error.hpp"

namespace studysearch {
namespace {

constexpr std::size_t kStemCacheLimit = 1 << 18;

// Greek small letters α (U+03B1) .. ω (U+03C9); final sigma maps to sigma.
constexpr std::array<const char*, 25> kGreekNames = {
    "alpha", "beta", "gamma",   "delta", "epsilon", "zeta", "eta",   "theta", "iota",
    "kappa", "lambda", "mu",    "nu",    "xi",      "omicron", "pi", "rho",   "sigma",
    "sigma", "tau",  "upsilon", "phi",   "chi",     "psi",   "omega"};

const char* letter_fold(UChar32 c) {
  switch (c) {
    case 0x00F8: return "o";   // ø
    case 0x0111: return "d";   // đ
    case 0x0142: return "l";   // ł
    case 0x00E6: return "ae";  // æ
    case 0x0153: return "oe";  // œ
    case 0x00FE: return "th";  // þ
    case 0x00F0: return "d";   // ð
    case 0x0131: return "i";   // dotless i
    case 0x00B5: return "mu";  // micro sign
    default: return nullptr;
  }
}

bool is_word_char(UChar32 c) {
  if (c < 0x80) return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9');
  if (u_isalnum(c)) return true;
  const int8_t type = u_charType(c);
  return type == U_NON_SPACING_MARK || type == U_COMBINING_SPACING_MARK;
}

bool is_apostrophe(UChar32 c) { return c == '\'' || c == 0x2019 || c == 0x02BC; }

// Decodes the code point at `i`; invalid bytes become U+FFFD (never a word char).
UChar32 next_code_point(std::string_view text, std::size_t& i) {
  UChar32 c;
  int32_t pos = static_cast<int32_t>(i);
  U8_NEXT(reinterpret_cast<const uint8_t*>(text.data()), pos, static_cast<int32_t>(text.size()), c);
  i = static_cast<std::size_t>(pos);
  return c < 0 ? 0xFFFD : c;
}

}  // namespace

struct Analyzer::Impl {
  AnalyzerSettings settings;
  Xapian::Stem stemmer;
  const icu::Normalizer2* nfkc_cf = nullptr;
  const icu::Normalizer2* nfd = nullptr;
  mutable std::unordered_map<std::string, std::string> stem_cache;
  mutable std::string word_buffer;
  mutable std::string stem_buffer;

  explicit Impl(AnalyzerSettings s) : settings(std::move(s)) {
    try {
      stemmer = Xapian::Stem(settings.stemmer);
    } catch (const Xapian::Error& e) {
      throw Error(ErrorKind::invalid_input, "unknown stemmer language '" + settings.stemmer + "'");
    }
    UErrorCode status = U_ZERO_ERROR;
    nfkc_cf = icu::Normalizer2::getNFKCCasefoldInstance(status);
    nfd = icu::Normalizer2::getNFDInstance(status);
    if (U_FAILURE(status)) throw Error(ErrorKind::internal, "ICU normaliser unavailable");
  }

  // Normalises one word (the bytes of a run of word chars) into `out`.
  void normalize_word(std::string_view raw, bool ascii, std::string& out) const {
    out.clear();
    if (ascii) {
      for (char ch : raw) {
        if (ch == '\'') continue;  // apostrophes are dropped: "sjogren's" -> "sjogrens"
        out.push_back(static_cast<char>(ch >= 'A' && ch <= 'Z' ? ch + 32 : ch));
      }
      return;
    }
    UErrorCode status = U_ZERO_ERROR;
    icu::UnicodeString folded = nfkc_cf->normalize(icu::UnicodeString::fromUTF8(
                                                       icu::StringPiece(raw.data(), static_cast<int32_t>(raw.size()))),
                                                   status);
    icu::UnicodeString decomposed = nfd->normalize(folded, status);
    if (U_FAILURE(status)) return;
    for (int32_t i = 0; i < decomposed.length();) {
      const UChar32 c = decomposed.char32At(i);
      i += U16_LENGTH(c);
      if (u_charType(c) == U_NON_SPACING_MARK || u_charType(c) == U_COMBINING_SPACING_MARK) continue;
      if (is_apostrophe(c)) continue;
      if (c >= 0x03B1 && c <= 0x03C9) {
        out += kGreekNames[static_cast<std::size_t>(c - 0x03B1)];
      } else if (c == 0x03D0) {
        out += "beta";  // curly beta
      } else if (const char* folded_letter = letter_fold(c)) {
        out += folded_letter;
      } else {
        char buf[4];
        std::size_t len = 0;
        U8_APPEND_UNSAFE(buf, len, c);
        out.append(buf, len);
      }
    }
  }
};

Analyzer::Analyzer(AnalyzerSettings settings) : impl_(std::make_unique<Impl>(std::move(settings))) {}
Analyzer::~Analyzer() = default;
Analyzer::Analyzer(Analyzer&&) noexcept = default;
Analyzer& Analyzer::operator=(Analyzer&&) noexcept = default;

const AnalyzerSettings& Analyzer::settings() const noexcept { return impl_->settings; }

void Analyzer::tokenize(std::string_view text, const std::function<void(const Token&)>& on_token) const {
  std::string& word = impl_->word_buffer;
  std::size_t i = 0;
  while (i < text.size()) {
    std::size_t start = i;
    UChar32 c = next_code_point(text, i);
    if (!is_word_char(c)) continue;
    bool ascii = c < 0x80;
    std::size_t end = i;
    // Extend the word: word chars, an apostrophe between letters, a '.' or ','
    // between digits (2.5, 1,000 stay one token).
    while (end < text.size()) {
      std::size_t next = end;
      const UChar32 d = next_code_point(text, next);
      if (is_word_char(d)) {
        ascii = ascii && d < 0x80;
        end = next;
        continue;
      }
      const bool joiner = is_apostrophe(d) || ((d == '.' || d == ',') && end > start &&
                                               text[end - 1] >= '0' && text[end - 1] <= '9');
      if (!joiner || next >= text.size()) break;
      std::size_t after = next;
      const UChar32 e = next_code_point(text, after);
      const bool digits = d == '.' || d == ',';
      if (digits ? (e >= '0' && e <= '9') : (is_word_char(e) && u_isalpha(e))) {
        ascii = ascii && d < 0x80 && e < 0x80;
        end = after;
      } else {
        break;
      }
    }
    i = end;
    impl_->normalize_word(text.substr(start, end - start), ascii, word);
    if (word.empty() || word.size() > schema::kMaxWordBytes) continue;
    on_token(Token{word, start, end});
  }
}

std::string Analyzer::normalize(std::string_view text) const {
  std::string out;
  tokenize(text, [&](const Token& token) {
    if (!out.empty()) out.push_back(' ');
    out.append(token.word);
  });
  return out;
}

const std::string& Analyzer::stem(std::string_view word) const {
  auto& cache = impl_->stem_cache;
  std::string& key = impl_->stem_buffer;
  key.assign(word);
  if (auto it = cache.find(key); it != cache.end()) return it->second;
  if (cache.size() >= kStemCacheLimit) cache.clear();
  // Numbers and words with digits are kept as they are.
  const bool has_digit = key.find_first_of("0123456789") != std::string::npos;
  std::string stemmed = has_digit ? key : impl_->stemmer(key);
  return cache.emplace(key, std::move(stemmed)).first->second;
}

std::string normalize_text(std::string_view text) { return Analyzer().normalize(text); }

}  // namespace studysearch
