#include "server_cors.hpp"

#include <algorithm>

namespace studysearch::app {

CorsPolicy::CorsPolicy(std::vector<std::string> origins) : origins_(std::move(origins)) {
  any_ = std::find(origins_.begin(), origins_.end(), "*") != origins_.end();
}

HttpResponse CorsPolicy::preflight(const std::string& methods) const {
  HttpResponse res;
  res.status = 204;
  res.set_header("Access-Control-Allow-Methods", methods + ", OPTIONS");
  res.set_header("Access-Control-Allow-Headers", "authorization, content-type, x-meilisearch-client");
  res.set_header("Access-Control-Max-Age", "600");
  return res;
}

void CorsPolicy::decorate(const HttpRequest& request, HttpResponse& response) const {
  if (!enabled()) return;
  if (any_) {
    response.set_header("Access-Control-Allow-Origin", "*");
    return;
  }
  // The answer depends on the Origin header: caches must keep one per origin.
  const std::string vary = response.header("Vary");
  if (vary.find("Origin") == std::string::npos) response.set_header("Vary", vary.empty() ? "Origin" : vary + ", Origin");
  const std::string origin = request.header("Origin");
  if (!origin.empty() && std::find(origins_.begin(), origins_.end(), origin) != origins_.end())
    response.set_header("Access-Control-Allow-Origin", origin);
}

}  // namespace studysearch::app
