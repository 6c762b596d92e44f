#include "studysearch/error.hpp"

namespace studysearch {

std::string_view to_string(ErrorKind kind) noexcept {
  switch (kind) {
    case ErrorKind::invalid_input: return "invalid_input";
    case ErrorKind::invalid_query: return "invalid_query";
    case ErrorKind::index_missing: return "index_missing";
    case ErrorKind::index_incompatible: return "index_incompatible";
    case ErrorKind::limit_exceeded: return "limit_exceeded";
    case ErrorKind::unauthorized: return "unauthorized";
    case ErrorKind::forbidden: return "forbidden";
    case ErrorKind::not_found: return "not_found";
    case ErrorKind::busy: return "busy";
    case ErrorKind::shard_unavailable: return "shard_unavailable";
    case ErrorKind::internal: return "internal";
  }
  return "internal";
}

}  // namespace studysearch
