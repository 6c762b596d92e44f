// Planning a sync: the folder's PubMed files against the index's ledger.
#include "studysearch/sync.hpp"

#include <algorithm>
#include <chrono>
#include <filesystem>
#include <map>

#include "studysearch/error.hpp"

namespace studysearch {
namespace {

namespace fs = std::filesystem;

bool is_pubmed_name(std::string name) {
  std::transform(name.begin(), name.end(), name.begin(), [](unsigned char c) { return std::tolower(c); });
  const auto ends_with = [&](std::string_view suffix) {
    return name.size() > suffix.size() && name.compare(name.size() - suffix.size(), suffix.size(), suffix) == 0;
  };
  return name[0] != '.' && (ends_with(".xml") || ends_with(".xml.gz"));
}

std::int64_t modified_ns(const std::string& path) {
  std::error_code ec;
  const auto time = fs::last_write_time(path, ec);
  if (ec) throw Error(ErrorKind::invalid_input, path + ": cannot read its modification time: " + ec.message());
  return std::chrono::duration_cast<std::chrono::nanoseconds>(time.time_since_epoch()).count();
}

}  // namespace

SyncPlan plan_sync(const IndexWriter& writer, const std::string& folder) {
  std::error_code ec;
  if (!fs::is_directory(folder, ec))
    throw Error(ErrorKind::invalid_input, folder + ": not a folder; sync takes a folder of .xml / .xml.gz files");
  std::vector<std::string> names;
  for (const auto& entry : fs::directory_iterator(folder, ec)) {
    std::error_code file_ec;
    if (entry.is_regular_file(file_ec) && is_pubmed_name(entry.path().filename().string()))
      names.push_back(entry.path().filename().string());
  }
  if (ec) throw Error(ErrorKind::invalid_input, folder + ": cannot list: " + ec.message());
  std::sort(names.begin(), names.end());

  std::map<std::string, AppliedFile> ledger;
  for (auto& entry : writer.applied_files()) ledger.emplace(entry.name, std::move(entry));
  SyncPlan plan;
  for (const auto& name : names) {
    const std::string path = (fs::path(folder) / name).string();
    SyncFile file{path, AppliedFile{name, fs::file_size(path, ec), "", modified_ns(path)}};
    if (ec) throw Error(ErrorKind::invalid_input, path + ": cannot read its size: " + ec.message());
    const auto applied = ledger.find(name);
    if (applied != ledger.end() && applied->second.size == file.entry.size &&
        applied->second.modified_ns == file.entry.modified_ns) {
      ++plan.already_applied;  // same size and time: taken as unchanged without reading it
      continue;
    }
    file.entry.sha256 = sha256_file(path);
    if (applied == ledger.end()) {
      plan.pending_bytes += file.entry.size;
      plan.pending.push_back(std::move(file));
      continue;
    }
    if (applied->second.size != file.entry.size || applied->second.sha256 != file.entry.sha256)
      throw Error(ErrorKind::invalid_input,
                  path + ": changed since it was applied (then " + std::to_string(applied->second.size) +
                      " bytes, sha256 " + applied->second.sha256 + "; now " + std::to_string(file.entry.size) +
                      " bytes, sha256 " + file.entry.sha256 +
                      "); nothing was synced. NLM never changes a published file: restore it, or rebuild the index");
    ++plan.already_applied;
  }
  return plan;
}

}  // namespace studysearch
