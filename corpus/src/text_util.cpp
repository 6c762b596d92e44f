#include "text_util.hpp"

#include <unicode/normalizer2.h>
#include <unicode/translit.h>
#include <unicode/uchar.h>
#include <unicode/unistr.h>
#include <unicode/utf16.h>

#include <cstdint>
#include <cstring>
#include <istream>
#include <memory>
#include <streambuf>

namespace studysearch::text {
namespace {

bool is_ascii(std::string_view text) noexcept {
  for (unsigned char c : text) {
    if (c >= 0x80) return false;
  }
  return true;
}

icu::UnicodeString to_unicode(std::string_view utf8) {
  return icu::UnicodeString::fromUTF8(
      icu::StringPiece(utf8.data(), static_cast<int32_t>(utf8.size())));
}

void append_utf8(std::string& out, UChar32 c) {
  const auto cp = static_cast<std::uint32_t>(c);
  if (cp < 0x80) {
    out.push_back(static_cast<char>(cp));
  } else if (cp < 0x800) {
    out.push_back(static_cast<char>(0xC0 | (cp >> 6)));
    out.push_back(static_cast<char>(0x80 | (cp & 0x3F)));
  } else if (cp < 0x10000) {
    out.push_back(static_cast<char>(0xE0 | (cp >> 12)));
    out.push_back(static_cast<char>(0x80 | ((cp >> 6) & 0x3F)));
    out.push_back(static_cast<char>(0x80 | (cp & 0x3F)));
  } else {
    out.push_back(static_cast<char>(0xF0 | (cp >> 18)));
    out.push_back(static_cast<char>(0x80 | ((cp >> 12) & 0x3F)));
    out.push_back(static_cast<char>(0x80 | ((cp >> 6) & 0x3F)));
    out.push_back(static_cast<char>(0x80 | (cp & 0x3F)));
  }
}

// Latin letters that NFD does not decompose into base letter + mark.
const char* spelled_out(UChar32 c) noexcept {
  switch (c) {
    case 0x00DF: return "ss";  // ß
    case 0x1E9E: return "SS";  // ẞ
    case 0x00F8: return "o";   // ø
    case 0x00D8: return "O";
    case 0x00E6: return "ae";  // æ
    case 0x00C6: return "AE";
    case 0x0153: return "oe";  // œ
    case 0x0152: return "OE";
    case 0x0111: return "d";   // đ
    case 0x0110: return "D";
    case 0x0142: return "l";   // ł
    case 0x0141: return "L";
    case 0x00FE: return "th";  // þ
    case 0x00DE: return "Th";
    case 0x00F0: return "d";   // ð
    case 0x00D0: return "D";
    case 0x0131: return "i";   // dotless i
    default: return nullptr;
  }
}

// Fast path: NFD, drop marks, spell out a few letters. Returns false when a
// letter or digit without an ASCII form remains (another script).
bool fold_latin(const icu::UnicodeString& source, std::string& out) {
  UErrorCode status = U_ZERO_ERROR;
  const icu::Normalizer2* nfd = icu::Normalizer2::getNFDInstance(status);
  icu::UnicodeString decomposed = U_SUCCESS(status) ? nfd->normalize(source, status) : source;
  if (U_FAILURE(status)) decomposed = source;
  for (int32_t i = 0; i < decomposed.length();) {
    const UChar32 c = decomposed.char32At(i);
    i += U16_LENGTH(c);
    if (c < 0x80) {
      out.push_back(static_cast<char>(c));
    } else if (u_charType(c) == U_NON_SPACING_MARK) {
      continue;
    } else if (const char* spelled = spelled_out(c)) {
      out += spelled;
    } else if (u_isalnum(c)) {
      return false;
    } else {
      out.push_back(' ');  // punctuation, symbols, spaces outside ASCII
    }
  }
  return true;
}

}  // namespace

std::optional<std::size_t> first_invalid_utf8(std::string_view text) noexcept {
  const auto* bytes = reinterpret_cast<const unsigned char*>(text.data());
  const std::size_t size = text.size();
  std::size_t i = 0;
  while (i < size) {
    // ASCII fast path: eight bytes at a time while none has its top bit set.
    while (i + 8 <= size) {
      std::uint64_t word;
      std::memcpy(&word, bytes + i, 8);
      if (word & 0x8080808080808080ULL) break;
      i += 8;
    }
    if (i >= size) break;
    const unsigned char lead = bytes[i];
    if (lead < 0x80) {
      ++i;
      continue;
    }
    std::size_t length = 0;
    unsigned char min_second = 0x80, max_second = 0xBF;
    if (lead >= 0xC2 && lead <= 0xDF) {
      length = 2;
    } else if (lead >= 0xE0 && lead <= 0xEF) {
      length = 3;
      if (lead == 0xE0) min_second = 0xA0;  // overlong
      if (lead == 0xED) max_second = 0x9F;  // surrogates
    } else if (lead >= 0xF0 && lead <= 0xF4) {
      length = 4;
      if (lead == 0xF0) min_second = 0x90;  // overlong
      if (lead == 0xF4) max_second = 0x8F;  // > U+10FFFF
    } else {
      return i;
    }
    if (i + length > size) return i;
    if (bytes[i + 1] < min_second || bytes[i + 1] > max_second) return i;
    for (std::size_t k = 2; k < length; ++k) {
      if (bytes[i + k] < 0x80 || bytes[i + k] > 0xBF) return i;
    }
    i += length;
  }
  return std::nullopt;
}

std::string_view trim(std::string_view text) noexcept {
  constexpr std::string_view spaces = " \t\r\n";
  const auto first = text.find_first_not_of(spaces);
  if (first == std::string_view::npos) return {};
  const auto last = text.find_last_not_of(spaces);
  return text.substr(first, last - first + 1);
}

std::string ascii_lower(std::string_view text) {
  std::string out(text);
  for (char& c : out) {
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
  }
  return out;
}

bool iequals_ascii(std::string_view a, std::string_view b) noexcept {
  if (a.size() != b.size()) return false;
  for (std::size_t i = 0; i < a.size(); ++i) {
    char x = a[i], y = b[i];
    if (x >= 'A' && x <= 'Z') x = static_cast<char>(x - 'A' + 'a');
    if (y >= 'A' && y <= 'Z') y = static_cast<char>(y - 'A' + 'a');
    if (x != y) return false;
  }
  return true;
}

bool istarts_with_ascii(std::string_view text, std::string_view prefix) noexcept {
  return text.size() >= prefix.size() && iequals_ascii(text.substr(0, prefix.size()), prefix);
}

std::string ascii_fold(std::string_view utf8) {
  if (is_ascii(utf8)) return std::string(utf8);
  const icu::UnicodeString source = to_unicode(utf8);
  std::string out;
  if (fold_latin(source, out)) return out;

  // Another script: romanise. Created per call (rare path) so no ICU object is
  // shared between threads.
  UErrorCode status = U_ZERO_ERROR;
  std::unique_ptr<icu::Transliterator> romanise(
      icu::Transliterator::createInstance("Any-Latin; Latin-ASCII", UTRANS_FORWARD, status));
  icu::UnicodeString work = source;
  if (U_SUCCESS(status) && romanise) romanise->transliterate(work);
  out.clear();
  for (int32_t i = 0; i < work.length();) {
    const UChar32 c = work.char32At(i);
    i += U16_LENGTH(c);
    if (c < 0x80) {
      out.push_back(static_cast<char>(c));
    } else if (const char* spelled = spelled_out(c)) {
      out += spelled;
    } else if (u_charType(c) != U_NON_SPACING_MARK) {
      out.push_back(' ');
    }
  }
  return out;
}

std::vector<std::string> ascii_words(std::string_view utf8) {
  const std::string folded = ascii_lower(ascii_fold(utf8));
  std::vector<std::string> words;
  std::string current;
  for (char c : folded) {
    if ((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9')) {
      current.push_back(c);
    } else if (!current.empty()) {
      words.push_back(std::move(current));
      current.clear();
    }
  }
  if (!current.empty()) words.push_back(std::move(current));
  return words;
}

std::string fold_key(std::string_view utf8) {
  UErrorCode status = U_ZERO_ERROR;
  const icu::Normalizer2* fold = icu::Normalizer2::getNFKCCasefoldInstance(status);
  icu::UnicodeString folded = to_unicode(utf8);
  if (U_SUCCESS(status)) folded = fold->normalize(folded, status);
  if (U_FAILURE(status)) folded = to_unicode(utf8).foldCase();
  std::string out;
  bool pending_space = false;
  for (int32_t i = 0; i < folded.length();) {
    const UChar32 c = folded.char32At(i);
    i += U16_LENGTH(c);
    if (u_isalnum(c) || (!out.empty() && !pending_space && u_charType(c) == U_NON_SPACING_MARK)) {
      if (pending_space && !out.empty()) out.push_back(' ');
      pending_space = false;
      append_utf8(out, c);
    } else {
      pending_space = true;
    }
  }
  return out;
}

bool is_slug(std::string_view text) noexcept {
  if (text.empty()) return false;
  bool previous_hyphen = true;  // forbids a leading hyphen
  for (char c : text) {
    if (c == '-') {
      if (previous_hyphen) return false;
      previous_hyphen = true;
    } else if ((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9')) {
      previous_hyphen = false;
    } else {
      return false;
    }
  }
  return !previous_hyphen;
}

std::string join_slug(const std::vector<std::string>& words, std::size_t max_bytes) {
  std::string out;
  for (const auto& word : words) {
    if (word.empty()) continue;
    const std::size_t needed = out.size() + (out.empty() ? 0 : 1) + word.size();
    if (needed > max_bytes) {
      if (out.empty()) out = word.substr(0, max_bytes);  // one giant word
      break;
    }
    if (!out.empty()) out.push_back('-');
    out += word;
  }
  return out;
}

LineStatus read_bounded_line(std::istream& in, std::string& line, std::size_t max_bytes,
                             std::size_t& bytes) {
  using traits = std::char_traits<char>;
  line.clear();
  bytes = 0;
  std::streambuf* buffer = in.rdbuf();
  if (buffer == nullptr) return LineStatus::end;
  bool any = false;
  for (;;) {
    const traits::int_type c = buffer->sbumpc();
    if (traits::eq_int_type(c, traits::eof())) {
      if (!any) {
        in.setstate(std::ios::eofbit);
        return LineStatus::end;
      }
      break;
    }
    any = true;
    if (c == '\n') break;
    ++bytes;
    // One byte over the limit is kept so a trailing '\r' can be told apart.
    if (line.size() <= max_bytes) line.push_back(traits::to_char_type(c));
  }
  if (bytes <= max_bytes + 1 && !line.empty() && line.back() == '\r') {
    line.pop_back();
    --bytes;
  }
  if (bytes > max_bytes) {
    line.clear();
    return LineStatus::too_long;
  }
  return LineStatus::line;
}

}  // namespace studysearch::text
