#pragma once
// Cross-origin requests (CORS) for the HTTP core: which browser origins may
// call the API (`serve --cors-origin`, repeatable, "*" = any; none by
// default). Every response passes decorate(), errors included; a preflight
// OPTIONS on a path with routes is answered by preflight().
#include <string>
#include <vector>

#include "server_http.hpp"

namespace studysearch::app {

class CorsPolicy {
 public:
  explicit CorsPolicy(std::vector<std::string> origins);

  bool enabled() const { return !origins_.empty(); }
  /// 204 with the allowed methods (`methods`: those of the path's routes) and
  /// request headers (authorization, content-type, x-meilisearch-client).
  HttpResponse preflight(const std::string& methods) const;
  /// Adds Access-Control-Allow-Origin when the request's Origin is allowed
  /// ("*" allows every origin, also when the request line never completed).
  void decorate(const HttpRequest& request, HttpResponse& response) const;

 private:
  std::vector<std::string> origins_;
  bool any_ = false;
};

}  // namespace studysearch::app
