#pragma once
// Internal helpers shared by the readers and converters: line reading that
// tolerates CRLF files, whitespace splitting and strict number parsing.
#include <charconv>
#include <cmath>
#include <cstddef>
#include <istream>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "studysearch/error.hpp"

namespace studysearch::eval::detail {

/// Reads lines and counts them; strips a trailing '\r' (MED and Cranfield are CRLF).
class LineReader {
 public:
  LineReader(std::istream& in, std::string name) : in_(in), name_(std::move(name)) {}
  bool next(std::string& line) {
    if (!std::getline(in_, line)) return false;
    ++number_;
    if (!line.empty() && line.back() == '\r') line.pop_back();
    return true;
  }
  std::size_t number() const { return number_; }
  const std::string& name() const { return name_; }
  /// invalid_input error located at the current line.
  Error error(const std::string& what) const {
    return Error(ErrorKind::invalid_input, name_ + ":" + std::to_string(number_) + ": " + what);
  }

 private:
  std::istream& in_;
  std::string name_;
  std::size_t number_ = 0;
};

inline bool is_space(char c) { return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\v' || c == '\f'; }

inline std::vector<std::string_view> split_fields(std::string_view line) {
  std::vector<std::string_view> fields;
  std::size_t i = 0;
  while (i < line.size()) {
    while (i < line.size() && is_space(line[i])) ++i;
    std::size_t start = i;
    while (i < line.size() && !is_space(line[i])) ++i;
    if (i > start) fields.push_back(line.substr(start, i - start));
  }
  return fields;
}

inline bool is_blank(std::string_view line) {
  for (char c : line)
    if (!is_space(c)) return false;
  return true;
}

/// Runs of whitespace become one space; leading/trailing whitespace is dropped.
inline std::string collapse_whitespace(std::string_view text) {
  std::string out;
  for (std::string_view word : split_fields(text)) {
    if (!out.empty()) out += ' ';
    out += word;
  }
  return out;
}

inline std::optional<int> parse_int(std::string_view text) {
  int value = 0;
  auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (ec != std::errc() || end != text.data() + text.size()) return std::nullopt;
  return value;
}

inline std::optional<double> parse_double(std::string_view text) {
  if (!text.empty() && text.front() == '+') text.remove_prefix(1);  // from_chars rejects '+'
  double value = 0;
  auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (ec != std::errc() || end != text.data() + text.size() || !std::isfinite(value))
    return std::nullopt;
  return value;
}

inline bool is_digits(std::string_view text) {
  if (text.empty()) return false;
  for (char c : text)
    if (c < '0' || c > '9') return false;
  return true;
}

}  // namespace studysearch::eval::detail
