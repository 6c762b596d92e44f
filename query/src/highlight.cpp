#include "highlight.hpp"

namespace studysearch {

std::vector<TextSpan> highlight_spans(std::string_view text, const std::set<std::string>& stems, const Analyzer& analyzer) {
  std::vector<TextSpan> spans;
  const auto plain = [&](std::size_t begin, std::size_t end) {
    if (begin >= end) return;
    if (!spans.empty() && !spans.back().matched) spans.back().text.append(text.substr(begin, end - begin));
    else spans.push_back({std::string(text.substr(begin, end - begin)), false});
  };
  std::size_t pos = 0;
  if (!stems.empty())
    analyzer.tokenize(text, [&](const Token& token) {
      if (token.begin < pos || !stems.count(analyzer.stem(token.word))) return;
      plain(pos, token.begin);
      spans.push_back({std::string(text.substr(token.begin, token.end - token.begin)), true});
      pos = token.end;
    });
  plain(pos, text.size());
  return spans;
}

}  // namespace studysearch
