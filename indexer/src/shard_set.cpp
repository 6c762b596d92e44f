#include "shard_set.hpp"

#include <filesystem>
#include <fstream>
#include <sstream>

#include "studysearch/error.hpp"

namespace studysearch {
namespace fs = std::filesystem;

std::string ShardSpec::name() const {
  return "shard " + std::to_string(index) + " (" +
         (kind == Kind::remote ? "remote " + host + ":" + std::to_string(port) : path) + ")";
}

bool ShardSet::any_remote() const {
  for (const auto& s : shards)
    if (s.kind == ShardSpec::Kind::remote) return true;
  return false;
}

namespace {

[[noreturn]] void bad_line(const std::string& stub, std::size_t line, const std::string& why) {
  throw Error(ErrorKind::invalid_input, stub + ":" + std::to_string(line) + ": " + why);
}

ShardSpec parse_remote(const std::string& stub, std::size_t line, const std::string& where) {
  const auto colon = where.rfind(':');
  if (colon == std::string::npos || colon + 1 == where.size())
    bad_line(stub, line, "'remote' needs HOST:PORT, not '" + where + "'");
  ShardSpec s;
  s.kind = ShardSpec::Kind::remote;
  s.host = colon == 0 ? "127.0.0.1" : where.substr(0, colon);
  unsigned long port = 0;
  try {
    std::size_t used = 0;
    port = std::stoul(where.substr(colon + 1), &used);
    if (used != where.size() - colon - 1) port = 0;
  } catch (const std::exception&) {
  }
  if (port == 0 || port > 65535) bad_line(stub, line, "bad port in '" + where + "'");
  s.port = static_cast<unsigned>(port);
  return s;
}

}  // namespace

ShardSet read_shard_set(const std::string& path) {
  ShardSet set;
  std::error_code ec;
  if (!fs::is_regular_file(path, ec)) {
    set.shards.push_back(ShardSpec{ShardSpec::Kind::local, path, "", 0, 0});
    return set;
  }
  std::ifstream in(path);
  if (!in) throw Error(ErrorKind::index_missing, path + ": cannot read the stub file");
  set.stub = path;
  const fs::path base = fs::path(path).parent_path();
  std::string text;
  for (std::size_t line = 1; std::getline(in, text); ++line) {
    if (const auto hash = text.find('#'); hash != std::string::npos) text.resize(hash);
    std::istringstream words(text);
    std::string type, where, extra;
    if (!(words >> type)) continue;
    if (!(words >> where)) bad_line(path, line, "'" + type + "' needs a location");
    if (words >> extra) bad_line(path, line, "unexpected '" + extra + "' after the location");
    ShardSpec s;
    if (type == "remote") s = parse_remote(path, line, where);
    else if (type == "auto" || type == "glass") s.path = fs::path(where).is_absolute() ? where : (base / where).string();
    else bad_line(path, line, "unknown shard type '" + type + "' (auto, glass or remote)");
    s.index = set.shards.size();
    set.shards.push_back(std::move(s));
  }
  if (set.shards.empty()) throw Error(ErrorKind::invalid_input, path + ": the stub file lists no shard");
  return set;
}

std::size_t owner_shard(std::string_view id, std::size_t shards) {
  std::uint64_t h = 14695981039346656037ull;  // FNV-1a, 64-bit
  for (const unsigned char c : id) {
    h ^= c;
    h *= 1099511628211ull;
  }
  return shards == 0 ? 0 : static_cast<std::size_t>(h % shards);
}

Xapian::Database open_shard(const ShardSpec& shard, unsigned timeout_ms) {
  try {
    if (shard.kind == ShardSpec::Kind::remote)
      return Xapian::Remote::open(shard.host, shard.port, timeout_ms, timeout_ms);
    return Xapian::Database(shard.path);
  } catch (const Xapian::NetworkError& e) {
    throw Error(ErrorKind::shard_unavailable, shard.name() + " is unavailable: " + e.get_msg());
  } catch (const Xapian::DatabaseNotFoundError&) {
    throw Error(ErrorKind::index_missing, shard.path + ": no index here; create one with 'studysearch index --db " +
                                              shard.path + "'");
  } catch (const Xapian::DatabaseOpeningError& e) {
    throw Error(ErrorKind::index_missing, shard.path + ": no usable index here (" + e.get_msg() + ")");
  } catch (const Xapian::DatabaseError& e) {
    throw Error(ErrorKind::index_incompatible, shard.path + ": index is corrupt or unreadable: " + e.get_msg());
  }
}

void write_stub(const std::string& path, const std::vector<ShardSpec>& shards) {
  const std::string tmp = path + ".tmp";
  {
    std::ofstream out(tmp, std::ios::trunc);
    out << "# studysearch shard set: one shard per line, in routing order (owner = FNV-1a(id) mod "
        << shards.size() << ")\n";
    for (const auto& s : shards)
      out << (s.kind == ShardSpec::Kind::remote ? "remote " + s.host + ":" + std::to_string(s.port) : "auto " + s.path)
          << "\n";
    if (!out.flush()) throw Error(ErrorKind::invalid_input, tmp + ": cannot write the stub file");
  }
  fs::rename(tmp, path);
}

}  // namespace studysearch
