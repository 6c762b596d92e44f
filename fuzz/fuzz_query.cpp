// libFuzzer: query text through the parser and the whole search pipeline on a
// tiny index built at the first call. A malformed query must never throw
// (the documented fallback is plain words) and every result must agree with
// its request. Byte 0 picks the request variant; the rest is the query text.
#include <unistd.h>

#include <algorithm>
#include <cstdint>
#include <cstdlib>
#include <filesystem>
#include <memory>
#include <string>

#include "studysearch/index_writer.hpp"
#include "studysearch/studysearch.hpp"

using namespace studysearch;

namespace {

Study study(std::string id, std::string title, std::string summary, Pem pem, int year, std::string journal) {
  Study s;
  s.id = std::move(id);
  s.title = std::move(title);
  s.summary = std::move(summary);
  s.pem = pem;
  s.year = year;
  s.journal = std::move(journal);
  s.authors = {"Ashworth, P R", "Sjögren, M E"};
  s.evidence_level = "E" + std::to_string(year % 4);
  s.design = year % 2 ? "cohort" : "RCT";
  return s;
}

// The index lives in a temporary folder removed at exit.
struct TinyIndex {
  std::string path;
  std::unique_ptr<SearchEngine> engine;
  TinyIndex() {
    char pattern[] = "/tmp/studysearch-fuzz-XXXXXX";
    if (!mkdtemp(pattern)) std::abort();
    path = std::string(pattern) + "/index";
    auto writer = IndexWriter::open(path);
    std::vector<SourcedStudy> studies;
    const std::vector<Study> all = {
        study("ashworth-1989-natural-killer", "Natural killer cell cytotoxicity in chronic fatigue",
              "Blood from 41 adults with ME/CFS; natural killer cells killed fewer targets.", Pem::not_required, 1989,
              "Clinical and Experimental Immunology"),
        study("whitlock-2015-heart-rate", "Heart rate response on repeated cardiopulmonary exercise tests",
              "Two maximal CPET 24 hours apart; chronotropic incompetence and post-exertional malaise.",
              Pem::required, 2015, "Medicine & Science in Sports & Exercise"),
        study("brennan-2022-symptom-recovery", "Symptom recovery over ten days after maximal exercise",
              "Daily ratings of fatigue, pain and sleep after exertion; recovery took over a week.", Pem::required,
              2022, "Fatigue: Biomedicine, Health & Behavior"),
        study("okafor-2021-long-covid", "Long COVID and interferon-γ signalling",
              "Interleukin-6, TNF-α and β2-microglobulin after SARS-CoV-2 infection in 120 patients.", Pem::unclear,
              2021, "Frontiers in Immunology"),
        study("muller-2010-mitochondria", "Mitochondrial function and lactate in muscle",
              "Muscle biopsies showed slower ATP resynthesis; lactate rose early during exercise.", Pem::unclear, 2010,
              "Journal of Translational Medicine"),
    };
    for (std::size_t i = 0; i < all.size(); ++i) studies.push_back({all[i], "fuzz", i + 1});
    writer.index_studies(studies);
    engine = std::make_unique<SearchEngine>(SearchEngine::open(path));
  }
  ~TinyIndex() {
    std::error_code ignored;
    std::filesystem::remove_all(std::filesystem::path(path).parent_path(), ignored);
  }
};

const SearchEngine& engine() {
  static TinyIndex index;
  return *index.engine;
}

void check(const SearchRequest& request, const SearchResult& result) {
  if (result.hits.size() > request.limit || result.total < result.hits.size()) std::abort();
  for (std::size_t i = 0; i < result.hits.size(); ++i) {
    const Hit& hit = result.hits[i];
    if (hit.rank != request.offset + i + 1) std::abort();
    const auto pem = request.filters.find("pem");
    if (pem != request.filters.end() &&
        std::find(pem->second.begin(), pem->second.end(), to_string(hit.study.pem)) == pem->second.end())
      std::abort();
  }
  if (request.facets && !request.filters.count("pem")) {
    std::size_t sum = 0;
    for (const auto& value : result.facets["pem"]) sum += value.count;
    if (sum != result.total) std::abort();
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size == 0) return 0;
  const std::uint8_t flags = data[0];
  SearchRequest request;
  request.text.assign(reinterpret_cast<const char*>(data + 1), size - 1);
  switch (flags & 3) {
    case 1: request.filters["pem"] = {"required"}; break;
    case 2: request.filters["pem"] = {"required", "unclear"}; break;
    case 3: request.filters["pem"] = {"not_required"}; break;
    default: break;
  }
  if (flags & 4) request.sort = Sort::newest;
  else if (flags & 8) request.sort = Sort::oldest;
  if (flags & 16) request.offset = 2, request.limit = 2;
  if (flags & 32) request.facets = false, request.snippets = false;
  if (flags & 64) {
    request.filters["journal"] = {"frontiers in immunology", "Journal of Translational Medicine"};
    request.year_from = 2000;
    request.year_to = 2021;
  }
  try {
    check(request, engine().search(request));
    if (flags & 128) {
      const auto completions = engine().complete(request.text, 4);
      if (completions.size() > 4) std::abort();
    }
  } catch (const Error& e) {
    if (e.kind() != ErrorKind::limit_exceeded) throw;  // only an over-long text may fail
  }
  return 0;
}
