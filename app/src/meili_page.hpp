#pragma once
// The InstantSearch demo page (/instantsearch/): its own files are embedded
// (app/web/instantsearch, like the main page); the stock widgets and the
// Meilisearch adapter are the pinned npm packages of
// app/web/instantsearch/package.json, read once at start from the
// node_modules folder `npm ci` made (`serve --instantsearch-modules DIR`).
// No CDN: the browser loads everything from this server.
#include <array>
#include <string>
#include <string_view>

#include "server_assets.hpp"

namespace studysearch::app {

class InstantSearchPackages {
 public:
  /// Reads the three files below from `node_modules`; "" = none (the page then
  /// says how to install them). Throws Error{invalid_input} naming a missing file.
  explicit InstantSearchPackages(const std::string& node_modules);
  InstantSearchPackages(const InstantSearchPackages&) = delete;
  InstantSearchPackages& operator=(const InstantSearchPackages&) = delete;

  /// "instantsearch.production.min.js", "instant-meilisearch.js" or "meilisearch.js"; nullptr otherwise.
  const WebAsset* find(std::string_view name) const;

 private:
  std::array<std::string, 3> bodies_;
  std::array<WebAsset, 3> assets_{};
  bool loaded_ = false;
};

}  // namespace studysearch::app
