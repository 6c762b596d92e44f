#pragma once
// Shard sets: an index split over several Xapian databases, named by a stub
// file (Xapian's own format, one shard per line, in a fixed order):
//   auto PATH            a local shard (a glass folder, or a replica folder)
//   glass PATH           the same, glass only
//   remote HOST:PORT     a shard served by xapian-tcpsrv
// '#' starts a comment; relative paths are relative to the stub's folder.
// Shared by the writer (routing by id) and the engine (searching all shards).
#include <xapian.h>

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace studysearch {

struct ShardSpec {
  enum class Kind { local, remote } kind = Kind::local;
  std::string path;  // local: the folder (absolute or relative to the working folder)
  std::string host;  // remote
  unsigned port = 0;
  std::size_t index = 0;  // position in the stub, from 0
  /// "shard 2 (remote 127.0.0.1:7002)": how errors name the shard.
  std::string name() const;
};

struct ShardSet {
  std::string stub;  // the stub file; empty for a plain index folder
  std::vector<ShardSpec> shards;
  bool sharded() const { return !stub.empty(); }
  bool any_remote() const;
};

/// A plain index folder (one shard, no stub) or a stub file. Throws
/// Error{invalid_input} naming the file and line for a malformed stub.
ShardSet read_shard_set(const std::string& path);

/// The shard that owns a study: FNV-1a (64-bit) of the id's bytes, mod `shards`.
/// Documented and stable: changing it moves studies between shards.
std::size_t owner_shard(std::string_view id, std::size_t shards);

/// Opens one shard read-only; remote shards with `timeout_ms` for connecting
/// and for each reply. Throws Error{index_missing | shard_unavailable}.
Xapian::Database open_shard(const ShardSpec& shard, unsigned timeout_ms);

/// Writes a stub file listing `shards` (atomically: a temporary file renamed).
void write_stub(const std::string& path, const std::vector<ShardSpec>& shards);

}  // namespace studysearch
