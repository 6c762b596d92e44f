// Opens an index, searches with a filter and prints hits and facet counts.
//   embed_example INDEX_DIR [QUERY]
#include <studysearch/studysearch.hpp>

#include <iostream>

int main(int argc, char** argv) {
  if (argc < 2) {
    std::cerr << "usage: embed_example INDEX_DIR [QUERY]\n";
    return 1;
  }
  try {
    const auto engine = studysearch::SearchEngine::open(argv[1]);

    studysearch::SearchRequest request;
    request.text = argc > 2 ? argv[2] : "fatigue";
    request.filters["pem"] = {"required"};  // any filter field; OR within one, AND across
    request.limit = 5;

    const studysearch::SearchResult result = engine.search(request);
    std::cout << result.total << " studies with PEM required match '" << request.text << "'\n";
    for (const auto& hit : result.hits)
      std::cout << "  " << hit.rank << ". " << hit.study.title << " (" << hit.id << ")\n";
    // Disjunctive counts: the pem group ignores its own filter.
    for (const auto& value : result.facets["pem"]) std::cout << "  pem " << value.value << ": " << value.count << "\n";
    for (const auto& value : result.facets["journal"])
      std::cout << "  journal " << value.value << ": " << value.count << "\n";
    return result.total > 0 ? 0 : 2;
  } catch (const studysearch::Error& e) {
    std::cerr << "embed_example: " << studysearch::to_string(e.kind()) << ": " << e.what() << "\n";
    return 1;
  }
}
