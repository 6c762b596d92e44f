#pragma once
// The one error type of studysearch. Every layer throws it; front-ends map
// its kind to an exit code (CLI) or an HTTP status (server) in one table each.
#include <stdexcept>
#include <string>
#include <string_view>

namespace studysearch {

enum class ErrorKind {
  invalid_input,       ///< a record or input file is malformed
  invalid_query,       ///< a request parameter is out of range or malformed
  index_missing,       ///< no index at the given path
  index_incompatible,  ///< index built by another schema/analyzer, or corrupt
  limit_exceeded,      ///< a documented limit (size, window, length) was hit
  unauthorized,        ///< a write without a valid token
  forbidden,           ///< writes are disabled
  not_found,           ///< no study with that id
  busy,                ///< the index is locked by another writer: retry later
  shard_unavailable,   ///< a shard of a shard set is down or did not answer in time
  internal,            ///< a bug or an unexpected library failure
};

/// Stable lowercase name of a kind ("invalid_input", ...), used in JSON errors.
std::string_view to_string(ErrorKind kind) noexcept;

class Error : public std::runtime_error {
 public:
  Error(ErrorKind kind, const std::string& message) : std::runtime_error(message), kind_(kind) {}
  ErrorKind kind() const noexcept { return kind_; }

 private:
  ErrorKind kind_;
};

}  // namespace studysearch
