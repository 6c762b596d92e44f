#pragma once
// Private text helpers of the corpus layer: UTF-8 checks, trimming, ASCII
// folding (ICU), slugs and a bounded line reader. Not installed.
#include <cstddef>
#include <iosfwd>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace studysearch::text {

/// Byte offset (0-based) of the first byte that does not start a well-formed
/// UTF-8 sequence (overlongs, surrogates and > U+10FFFF are ill-formed).
std::optional<std::size_t> first_invalid_utf8(std::string_view text) noexcept;

/// Spaces, tabs, CR and LF are trimmed; other whitespace is content.
std::string_view trim(std::string_view text) noexcept;

/// ASCII-only lowercase; non-ASCII bytes are copied unchanged.
std::string ascii_lower(std::string_view text);
bool iequals_ascii(std::string_view a, std::string_view b) noexcept;
bool istarts_with_ascii(std::string_view text, std::string_view prefix) noexcept;

/// Folds to ASCII: diacritics are stripped (ö→o), a few letters are spelled out
/// (ß→ss, ø→o, æ→ae), other scripts are romanised with ICU "Any-Latin;
/// Latin-ASCII". Characters that have no ASCII form are dropped.
std::string ascii_fold(std::string_view utf8);

/// Lowercase ASCII words of `text` after ascii_fold: maximal runs of [a-z0-9].
std::vector<std::string> ascii_words(std::string_view utf8);

/// Unicode full case folding; runs of non-alphanumeric code points become one
/// space; leading and trailing spaces are trimmed.
std::string fold_key(std::string_view utf8);

/// True for [a-z0-9]+(-[a-z0-9]+)* (length is not checked).
bool is_slug(std::string_view text) noexcept;

/// Joins `words` with '-' while the result stays within `max_bytes`
/// (a word that does not fit ends the id: truncation at a word boundary).
std::string join_slug(const std::vector<std::string>& words, std::size_t max_bytes);

/// Outcome of reading one line with read_bounded_line().
enum class LineStatus { line, too_long, end };

/// Reads up to and including the next '\n' from `in`. At most `max_bytes` of
/// the line are kept in `line` (a trailing '\r' is removed); the rest of a
/// longer line is read and discarded, and too_long is returned. `end` means no
/// byte was left to read. `bytes` receives the full length of the line.
LineStatus read_bounded_line(std::istream& in, std::string& line, std::size_t max_bytes,
                             std::size_t& bytes);

}  // namespace studysearch::text
