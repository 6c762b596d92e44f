// pubmed_bench: PubMed reader benchmark helper (bench/pubmed.sh).
//   pubmed_bench gen SAMPLE.xml COPIES FIRST [--revise R] [--delete N] > OUT.xml
//     COPIES copies of the sample's citations, copy c (c = FIRST, FIRST+1, ...)
//     with every PMID + c * 100,000,000 (fresh PMIDs); the first R copies get
//     "Revised: " titles; a DeleteCitation list of the first N PMIDs of copy FIRST.
//   pubmed_bench parse FILE
//     reads FILE with read_pubmed_xml only: citations, seconds, citations/s, peak RSS.
#include <sys/resource.h>

#include <chrono>
#include <fstream>
#include <iostream>
#include <sstream>
#include <string>
#include <vector>

#include "studysearch/readers.hpp"

namespace {

constexpr std::string_view kPmidOpen = "<PMID Version=\"1\">";

std::string with_offset(const std::string& body, unsigned long long offset, bool revise) {
  std::string out;
  out.reserve(body.size() + body.size() / 50);
  std::size_t pos = 0;
  while (true) {
    const std::size_t pmid = body.find(kPmidOpen, pos), title = revise ? body.find("<ArticleTitle>", pos) : std::string::npos;
    const std::size_t next = std::min(pmid, title);
    if (next == std::string::npos) break;
    if (next == title) {
      out.append(body, pos, title + 14 - pos).append("Revised: ");
      pos = title + 14;
      continue;
    }
    const std::size_t start = pmid + kPmidOpen.size(), end = body.find('<', start);
    out.append(body, pos, start - pos).append(std::to_string(std::stoull(body.substr(start, end - start)) + offset));
    pos = end;
  }
  return out.append(body, pos);
}

int gen(int argc, char** argv) {
  std::ifstream in(argv[2], std::ios::binary);
  std::stringstream buffer;
  buffer << in.rdbuf();
  const std::string sample = buffer.str();
  const std::size_t body_start = sample.find("<MedlineCitation ");
  std::size_t body_end = sample.find("<DeleteCitation>");
  if (body_end == std::string::npos) body_end = sample.find("</MedlineCitationSet>");
  const std::string body = sample.substr(body_start, body_end - body_start);
  const unsigned long copies = std::stoul(argv[3]), first = std::stoul(argv[4]);
  unsigned long revise = 0, deletions = 0;
  for (int i = 5; i + 1 < argc; i += 2) {
    if (std::string(argv[i]) == "--revise") revise = std::stoul(argv[i + 1]);
    if (std::string(argv[i]) == "--delete") deletions = std::stoul(argv[i + 1]);
  }
  std::cout << sample.substr(0, body_start);
  for (unsigned long c = 0; c < copies; ++c) std::cout << with_offset(body, (first + c) * 100000000ULL, c < revise);
  if (deletions > 0) {
    std::cout << "<DeleteCitation>\n";
    const std::string first_copy = with_offset(body, first * 100000000ULL, false);
    std::size_t pos = 0;
    for (unsigned long n = 0; n < deletions; ++n) {
      pos = first_copy.find("<MedlineCitation ", pos);
      if (pos == std::string::npos) break;
      const std::size_t pmid = first_copy.find(kPmidOpen, pos);
      std::cout << first_copy.substr(pmid, first_copy.find("</PMID>", pmid) + 7 - pmid) << "\n";
      pos = pmid;
    }
    std::cout << "</DeleteCitation>\n";
  }
  std::cout << "</MedlineCitationSet>\n";
  return 0;
}

int parse(const char* path) {
  std::size_t studies = 0, no_abstract = 0, deletions = 0, issues = 0;
  studysearch::RecordSink sink;
  sink.on_study = [&](studysearch::SourcedStudy&&) { ++studies; };
  sink.on_issue = [&](studysearch::RecordIssue&& issue) {
    if (++issues == 1) std::cerr << issue.message() << "\n";
  };
  sink.on_delete = [&](studysearch::RecordDeletion&& d) {
    ++(d.cause == studysearch::RecordDeletion::Cause::no_abstract ? no_abstract : deletions);
  };
  const auto start = std::chrono::steady_clock::now();
  studysearch::read_file(path, {}, sink);
  const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  rusage usage{};
  getrusage(RUSAGE_SELF, &usage);
  const double cpu = usage.ru_utime.tv_sec + usage.ru_utime.tv_usec / 1e6 + usage.ru_stime.tv_sec + usage.ru_stime.tv_usec / 1e6;
  const std::size_t citations = studies + no_abstract;
  std::cout << "citations " << citations << " with_abstract " << studies << " deletions " << deletions << " issues "
            << issues << " seconds " << seconds << " cpu_seconds " << cpu << " citations_per_s "
            << static_cast<long>(citations / seconds) << " peak_rss_mb " << usage.ru_maxrss / 1024 << "\n";
  return issues == 0 ? 0 : 1;
}

}  // namespace

int main(int argc, char** argv) {
  const std::string command = argc > 1 ? argv[1] : "";
  if (command == "gen" && argc >= 5) return gen(argc, argv);
  if (command == "parse" && argc == 3) return parse(argv[2]);
  std::cerr << "usage: pubmed_bench gen SAMPLE.xml COPIES FIRST [--revise R] [--delete N] | parse FILE\n";
  return 2;
}
