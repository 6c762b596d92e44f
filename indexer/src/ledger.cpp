// The applied-files ledger (PubMed sync) in the index metadata.
#include <algorithm>
#include <sstream>

#include "index_meta.hpp"
#include "ledger.hpp"
#include "studysearch/error.hpp"

namespace studysearch::meta {
namespace {

constexpr std::string_view kLedgerPrefix = "studysearch.applied/";

}  // namespace

void record_applied(Xapian::WritableDatabase& db, const AppliedFile& entry) {
  const bool bad_name = entry.name.empty() || entry.name.size() > 200 ||
                        entry.name.find_first_of(std::string("/\0", 2)) != std::string::npos ||
                        std::any_of(entry.name.begin(), entry.name.end(),
                                    [](char c) { return static_cast<unsigned char>(c) < 0x20; });
  if (bad_name) throw Error(ErrorKind::invalid_input, "'" + entry.name + "': not a file name the ledger can record");
  const std::string key = std::string(kLedgerPrefix) + entry.name;
  if (!db.get_metadata(key).empty())
    throw Error(ErrorKind::invalid_input, entry.name + ": already applied to this index");
  db.set_metadata(key, std::to_string(entry.size) + " " + entry.sha256 + " " + std::to_string(entry.modified_ns));
}

std::vector<AppliedFile> applied_files(const Xapian::Database& db) {
  std::vector<AppliedFile> out;
  const std::string prefix(kLedgerPrefix);
  for (auto it = db.metadata_keys_begin(prefix); it != db.metadata_keys_end(prefix); ++it) {
    AppliedFile entry;
    entry.name = (*it).substr(prefix.size());
    std::istringstream value(db.get_metadata(*it));
    value >> entry.size >> entry.sha256 >> entry.modified_ns;
    out.push_back(std::move(entry));
  }
  return out;
}

}  // namespace studysearch::meta
