#include "meili_page.hpp"

#include <fstream>
#include <sstream>

#include "studysearch/error.hpp"

namespace studysearch::app {
namespace {

struct Package {
  const char* served_as;
  const char* path;  // inside node_modules
};
constexpr std::array<Package, 3> kPackages{{
    {"instantsearch.production.min.js", "instantsearch.js/dist/instantsearch.production.min.js"},
    {"instant-meilisearch.js", "@meilisearch/instant-meilisearch/dist/index.js"},
    {"meilisearch.js", "meilisearch/dist/index.js"},
}};

std::string read_file(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in)
    throw Error(ErrorKind::invalid_input, path + ": cannot read (run `npm ci` in app/web/instantsearch and pass its "
                                                 "node_modules to --instantsearch-modules)");
  std::ostringstream out;
  out << in.rdbuf();
  return out.str();
}

}  // namespace

InstantSearchPackages::InstantSearchPackages(const std::string& node_modules) {
  if (node_modules.empty()) return;
  for (std::size_t i = 0; i < kPackages.size(); ++i) bodies_[i] = read_file(node_modules + "/" + kPackages[i].path);
  // instant-meilisearch imports its peer by package name; a browser without an
  // import map (the page's CSP allows no inline script) needs a path.
  std::string& adapter = bodies_[1];
  const std::string bare = "from \"meilisearch\"";
  const auto at = adapter.find(bare);
  if (at == std::string::npos || adapter.find(bare, at + 1) != std::string::npos)
    throw Error(ErrorKind::invalid_input, node_modules + "/" + kPackages[1].path +
                                              ": expected one import of \"meilisearch\" (is this the pinned 0.31.3?)");
  adapter.replace(at, bare.size(), "from \"./meilisearch.js\"");
  for (std::size_t i = 0; i < kPackages.size(); ++i)
    assets_[i] = WebAsset{kPackages[i].served_as, "text/javascript; charset=utf-8", bodies_[i]};
  loaded_ = true;
}

const WebAsset* InstantSearchPackages::find(std::string_view name) const {
  if (!loaded_) return nullptr;
  for (const auto& asset : assets_)
    if (asset.path == name) return &asset;
  return nullptr;
}

}  // namespace studysearch::app
