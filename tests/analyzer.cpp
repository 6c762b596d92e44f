// Specification of the analyzer: one normalisation for index and query side
// (case, diacritics, Greek letters, typographic punctuation), byte offsets
// into the original text, and English stemming.
#include <catch2/catch.hpp>

#include <string>
#include <vector>

#include "studysearch/analyzer.hpp"
#include "studysearch/error.hpp"
#include "test_support.hpp"

using namespace studysearch;
using namespace studysearch::test;

namespace {

struct Tok {
  std::string word;
  std::size_t begin, end;
};

std::vector<Tok> tokens(const Analyzer& analyzer, std::string_view text) {
  std::vector<Tok> out;
  analyzer.tokenize(text, [&](const Token& t) { out.push_back({std::string(t.word), t.begin, t.end}); });
  return out;
}

std::vector<std::string> words(std::string_view text) {
  Analyzer analyzer;
  std::vector<std::string> out;
  for (auto& t : tokens(analyzer, text)) out.push_back(t.word);
  return out;
}

using Words = std::vector<std::string>;

}  // namespace

TEST_CASE("diacritics are removed: Sjögren is sjogren, Bárány is barany") {
  Analyzer a;
  CHECK(a.normalize("Sjögren") == "sjogren");
  CHECK(a.normalize("Bárány") == "barany");
  CHECK(a.normalize("Hallström Müller Çelik Dvořák") == "hallstrom muller celik dvorak");
  // Letters without a decomposition are folded by table.
  CHECK(a.normalize("Ørsted Łódź Æsir") == "orsted lodz aesir");
  // Precomposed and decomposed (combining accent) spellings are the same word.
  CHECK(a.normalize("Sj\xC3\xB6gren") == a.normalize("Sjo\xCC\x88gren"));
}

TEST_CASE("Greek letters become their names: interferon-α is interferon alpha, β2 is beta2") {
  CHECK(words("interferon-α") == Words{"interferon", "alpha"});
  CHECK(words("β2") == Words{"beta2"});
  CHECK(words("β2-microglobulin") == Words{"beta2", "microglobulin"});
  CHECK(words("TNF-α and IL-1β") == Words{"tnf", "alpha", "and", "il", "1beta"});
  // Capital Greek letters fold to the same names.
  CHECK(words("Β2 Α") == Words{"beta2", "alpha"});
  CHECK(normalize_text("interferon-α") == normalize_text("interferon alpha"));
}

TEST_CASE("case is folded, including full-width and ligature forms") {
  CHECK(words("FATIGUE Fatigue fatigue") == Words{"fatigue", "fatigue", "fatigue"});
  CHECK(words("ME/CFS") == Words{"me", "cfs"});
  CHECK(words("Straße") == Words{"strasse"});
  CHECK(words("ＣＦＳ") == Words{"cfs"});           // full-width letters (NFKC)
  CHECK(words("ﬁbromyalgia") == Words{"fibromyalgia"});  // fi ligature
}

TEST_CASE("typographic dashes and quotes separate words like their ASCII forms") {
  const Words expected{"post", "exertional", "malaise"};
  CHECK(words("post-exertional malaise") == expected);
  CHECK(words("post\u2010exertional malaise") == expected);  // hyphen
  CHECK(words("post\u2013exertional malaise") == expected);  // en dash
  CHECK(words("post\u2014exertional malaise") == expected);  // em dash
  CHECK(words("\u201Cpost-exertional\u201D \u2018malaise\u2019") == expected);
  CHECK(words("\"post-exertional\" 'malaise'") == expected);
}

TEST_CASE("an apostrophe inside a word is dropped, typographic or not") {
  CHECK(words("Sjögren's") == Words{"sjogrens"});
  CHECK(words("Sjögren\u2019s") == Words{"sjogrens"});
  CHECK(words("SJÖGREN\u2019S") == Words{"sjogrens"});
  // Not between letters: a separator.
  CHECK(words("patients\u2019 reports") == Words{"patients", "reports"});
  CHECK(words("'quoted'") == Words{"quoted"});
}

TEST_CASE("decimal numbers and thousands stay one word") {
  CHECK(words("2.5 mg, 1,000 patients.") == Words{"2.5", "mg", "1,000", "patients"});
  CHECK(words("end. Next") == Words{"end", "next"});
}

TEST_CASE("token byte offsets point at the word in the original text") {
  Analyzer a;
  const std::string text =
      "“Sjögren’s” — interferon‐α (β2-microglobulin) in ＣＦＳ; Bárány: 2.5 mg. Ørsted\xE2\x80\x99s";
  const auto toks = tokens(a, text);
  REQUIRE(toks.size() == 11);
  std::size_t previous_end = 0;
  for (const auto& t : toks) {
    INFO("token " << t.word << " at [" << t.begin << ", " << t.end << ")");
    CHECK(t.begin >= previous_end);
    CHECK(t.begin < t.end);
    CHECK(t.end <= text.size());
    // The original bytes normalise to exactly the token.
    CHECK(a.normalize(text.substr(t.begin, t.end - t.begin)) == t.word);
    previous_end = t.end;
  }
  CHECK(text.substr(toks[0].begin, toks[0].end - toks[0].begin) == "Sjögren’s");
  CHECK(toks[0].word == "sjogrens");
  CHECK(text.substr(toks[2].begin, toks[2].end - toks[2].begin) == "α");
  CHECK(toks[2].word == "alpha");
  CHECK(text.substr(toks[6].begin, toks[6].end - toks[6].begin) == "ＣＦＳ");
  CHECK(text.substr(toks[10].begin, toks[10].end - toks[10].begin) == "Ørsted\xE2\x80\x99s");
}

TEST_CASE("invalid UTF-8 and NUL bytes separate words and never reach a token") {
  Analyzer a;
  const std::string text = std::string("fat\xFFigue cor\xC3") + std::string("tisol\0sleep", 11) + "\xE2\x80";
  const auto toks = tokens(a, text);
  Words got;
  for (const auto& t : toks) {
    got.push_back(t.word);
    CHECK(t.end <= text.size());
  }
  CHECK(got == Words{"fat", "igue", "cor", "tisol", "sleep"});
}

TEST_CASE("words longer than 64 bytes are not tokens") {
  CHECK(words(std::string(64, 'a') + " ok").size() == 2);
  CHECK(words(std::string(65, 'a') + " ok") == Words{"ok"});
}

TEST_CASE("stemming: fatigue, fatigued and fatiguing share one stem; numbers are kept") {
  Analyzer a;
  CHECK(a.stem("fatigue") == a.stem("fatigued"));
  CHECK(a.stem("fatigue") == a.stem("fatiguing"));
  CHECK(a.stem("studies") == a.stem("study"));
  CHECK(a.stem("cells") == "cell");
  CHECK(a.stem("beta2") == "beta2");
  CHECK(a.stem("1990s") == "1990s");
  CHECK(a.stem("fatigue") != a.stem("fatal"));
}

TEST_CASE("the analyzer's settings name its normaliser and stemmer; an unknown stemmer is an error") {
  Analyzer a;
  CHECK(a.settings().stemmer == "english");
  CHECK_FALSE(a.settings().normalizer.empty());
  try {
    Analyzer bad(AnalyzerSettings{.normalizer = "icu-nfkc-cf-nodiacritics-greek-v1", .stemmer = "klingon"});
    FAIL("an unknown stemmer was accepted");
  } catch (const Error& e) {
    CHECK(e.kind() == ErrorKind::invalid_input);
  }
}

TEST_CASE("index side and query side produce the same terms") {
  const auto& fx = named_fixture("analyzer-roundtrip", [] {
    return std::vector<Study>{
        make_study("sjogren-1", "Sjögren\u2019s syndrome and fatigue", "Dry eyes in Sjögren\u2019s syndrome."),
        make_study("ifn-1", "Low-dose interferon-α", "Interferon\u2010α lozenges; β2-microglobulin was measured."),
        make_study("barany-1", "The Bárány chair", "Vestibular testing with a rotating chair."),
        make_study("other-1", "Unrelated", "Nothing to see here."),
    };
  });
  auto found = [&](const std::string& query) {
    SearchRequest r;
    r.text = query;
    return ids_of(fx.engine.search(r));
  };
  for (std::string q : {"sjogrens", "Sjögren's", "Sjögren\u2019s", "SJÖGREN\u2019S", "sjögrens"}) {
    INFO("query: " << q);
    CHECK(found(q) == Words{"sjogren-1"});
  }
  for (std::string q : {"interferon alpha", "interferon-α", "INTERFERON-Α", "\"interferon alpha\"", "alpha"}) {
    INFO("query: " << q);
    CHECK(found(q) == Words{"ifn-1"});
  }
  for (std::string q : {"β2", "beta2", "Β2", "beta2-microglobulin"}) {
    INFO("query: " << q);
    CHECK(found(q) == Words{"ifn-1"});
  }
  CHECK(found("barany") == Words{"barany-1"});
  CHECK(found("BÁRÁNY") == Words{"barany-1"});
}
