// Routed writes to a shard set (studysearch/shards.hpp): one IndexWriter per
// shard, each run passed to every shard in stub order with a filter keeping
// the records that shard owns. Commits are per shard; see the header for
// what a failure between two of them leaves and why a rerun repairs it.
#include <xapian.h>

#include <filesystem>
#include <map>
#include <numeric>
#include <optional>

#include "shard_set.hpp"
#include "write_input.hpp"
#include "studysearch/error.hpp"
#include "studysearch/shards.hpp"

namespace studysearch {
namespace {

namespace fs = std::filesystem;

std::string label(std::size_t shard, std::size_t shards) {
  return std::to_string(shard) + "/" + std::to_string(shards);
}

// Runs `work` for one shard; errors come out naming it. Xapian errors on a
// remote shard (its server died or stopped answering) are shard_unavailable.
template <typename Work>
auto on_shard(const ShardSpec& shard, const std::string& after, Work&& work) -> decltype(work()) {
  try {
    return work();
  } catch (const Error& e) {
    // The first shard's pass validates the whole run: its input errors are not the shard's.
    if (e.kind() == ErrorKind::invalid_input && after.empty()) throw;
    throw Error(e.kind(), shard.name() + ": " + e.what() + after);
  } catch (const Xapian::NetworkError& e) {
    throw Error(ErrorKind::shard_unavailable, shard.name() + " is unavailable: " + e.get_msg() + after);
  } catch (const Xapian::Error& e) {
    throw Error(ErrorKind::internal, shard.name() + ": " + e.get_description() + after);
  }
}

IndexWriter open_writer(const ShardSpec& shard, unsigned timeout_ms) {
  if (shard.kind == ShardSpec::Kind::remote) return IndexWriter::open_remote(shard.host, shard.port, timeout_ms);
  return IndexWriter::open(shard.path);
}

// What a failure after the shards `committed` leaves, for the error message.
std::string partial_note(const std::vector<std::size_t>& committed, const std::string& command) {
  if (committed.empty()) return "";
  std::string list;
  for (const std::size_t k : committed) list += (list.empty() ? "" : ", ") + std::to_string(k);
  return "\n(shard" + std::string(committed.size() == 1 ? " " : "s ") + list + " committed their part of this " +
         command + " before it failed, the others did not; rerun the same command to complete it)";
}

void add_report(IndexReport& sum, const IndexReport& part) {
  sum.added += part.added;
  sum.replaced += part.replaced;
  sum.deleted += part.deleted;
  sum.without_abstract += part.without_abstract;
  sum.delete_requests += part.delete_requests;
}

}  // namespace

bool is_shard_stub(const std::string& path) {
  std::error_code ec;
  return fs::is_regular_file(path, ec);
}

struct RoutedWriter::Impl {
  ShardSet set;
  unsigned timeout_ms = kShardWriteTimeoutMs;
  std::vector<std::optional<IndexWriter>> writers;
  std::vector<bool> unlabelled;  // empty shards: labelled by their first commit

  std::size_t size() const { return set.shards.size(); }

  // Opens and checks shard k. With `reconnect`, a remote shard's connection
  // is tested first and opened again if it was dropped: xapian-tcpsrv closes
  // connections idle for a minute (--idle-timeout), e.g. while earlier shards
  // were written. (Not reopened blindly: the server's previous child may
  // still hold the database lock for a moment after we hang up.)
  IndexWriter& writer(std::size_t k, bool reconnect, const std::string& after = "") {
    const ShardSpec& shard = set.shards[k];
    if (writers[k] && !(reconnect && shard.kind == ShardSpec::Kind::remote)) return *writers[k];
    if (writers[k]) {
      try {
        writers[k]->metadata(std::string(kMetaShard));
        return *writers[k];
      } catch (const Xapian::NetworkError&) {
      }
    }
    writers[k].reset();
    writers[k] = on_shard(shard, after, [&] { return open_writer(shard, timeout_ms); });
    IndexWriter& w = *writers[k];
    const std::string want = label(k, size());
    const std::string have = on_shard(shard, after, [&] { return w.metadata(std::string(kMetaShard)); });
    const std::size_t count = on_shard(shard, after, [&] { return w.document_count(); });
    if (have.empty() && count > 0)
      throw Error(ErrorKind::index_incompatible,
                  shard.name() + ": holds " + std::to_string(count) +
                      " studies but no shard label (" + std::string(kMetaShard) +
                      "): not made by 'studysearch shard' or a routed write, so its studies may not be on their "
                      "owner shard; split the index with 'studysearch shard' instead");
    if (!have.empty() && have != want)
      throw Error(ErrorKind::index_incompatible,
                  shard.name() + ": is shard " + have + " of its set, but " + set.stub + " lists it as shard " +
                      want + "; studies are routed by FNV-1a(id) mod the number of shards, in stub order, so a "
                      "reordered stub or another shard count would put them on the wrong shards (changing N means "
                      "splitting again with 'studysearch shard')");
    unlabelled[k] = have.empty();
    return w;
  }

  WriterOptions shard_options(std::size_t k, WriterOptions options, const ShardProgress& progress) const {
    options.bulk_min_records = 0;  // remote shards cannot swap folders; one path for every shard
    const std::size_t n = size();
    options.owns = [k, n](std::string_view id) { return owner_shard(id, n) == k; };
    if (unlabelled[k]) options.metadata.emplace_back(std::string(kMetaShard), label(k, n));
    if (progress)
      options.progress = [k, progress](IndexPhase phase, std::size_t done, std::size_t total) {
        progress(k, phase, done, total);
      };
    return options;
  }

  // Runs write(k, writer) on `shards` in order, each its own commit, and sums
  // their reports; a failure says which shards had committed (a rerun
  // completes the rest). The first shard's issues stand for the run: every
  // pass reads every record. `reconnect_first`: test the first shard's
  // connection too (the others always are). `relabelled`: the writes carried
  // shard_options, so an empty shard now has its label.
  template <typename Write>
  IndexReport each_shard(const std::vector<std::size_t>& shards, const std::string& command, bool reconnect_first,
                         bool relabelled, Write&& write) {
    const auto start = std::chrono::steady_clock::now();
    IndexReport sum;
    std::vector<std::size_t> committed;
    for (const std::size_t k : shards) {
      const std::string after = partial_note(committed, command);
      IndexWriter& w = writer(k, reconnect_first || !committed.empty(), after);
      const IndexReport part = on_shard(set.shards[k], after, [&] { return write(k, w); });
      if (relabelled) unlabelled[k] = false;
      add_report(sum, part);
      if (committed.empty()) sum.issues = part.issues;
      committed.push_back(k);
    }
    sum.skipped = sum.issues.size() + sum.without_abstract;
    sum.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    return sum;
  }
};

RoutedWriter::RoutedWriter(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
RoutedWriter::RoutedWriter(RoutedWriter&&) noexcept = default;
RoutedWriter& RoutedWriter::operator=(RoutedWriter&&) noexcept = default;
RoutedWriter::~RoutedWriter() = default;

RoutedWriter RoutedWriter::open(const std::string& stub, unsigned timeout_ms) {
  auto impl = std::make_unique<Impl>();
  impl->set = read_shard_set(stub);
  if (!impl->set.sharded()) throw Error(ErrorKind::invalid_input, stub + ": not a shard-set stub file");
  impl->timeout_ms = timeout_ms;
  impl->writers.resize(impl->size());
  impl->unlabelled.assign(impl->size(), false);
  for (std::size_t k = 0; k < impl->size(); ++k) impl->writer(k, false);
  return RoutedWriter(std::move(impl));
}

std::size_t RoutedWriter::shards() const { return impl_->size(); }

std::string RoutedWriter::shard_name(std::size_t shard) const { return impl_->set.shards.at(shard).name(); }

std::size_t RoutedWriter::document_count() const {
  std::size_t total = 0;
  for (std::size_t k = 0; k < impl_->size(); ++k)
    total += on_shard(impl_->set.shards[k], "", [&] { return impl_->writers[k]->document_count(); });
  return total;
}

IndexReport RoutedWriter::index_files(const std::vector<std::string>& paths, WriterOptions options,
                                      const ShardProgress& progress) {
  // Standard input is read once for every shard: spooled to a .jsonl file.
  StdinSpool spool;
  std::vector<std::string> inputs = paths;
  for (auto& path : inputs)
    if (path == "-") path = spool.spool();
  std::vector<std::size_t> all(impl_->size());
  std::iota(all.begin(), all.end(), std::size_t{0});
  return impl_->each_shard(all, "run", false, true, [&](std::size_t k, IndexWriter& writer) {
    return writer.index_files(inputs, impl_->shard_options(k, options, progress));
  });
}

IndexReport RoutedWriter::index_studies(const std::vector<SourcedStudy>& studies, WriterOptions options) {
  std::vector<std::vector<SourcedStudy>> routed(impl_->size());
  for (const auto& s : studies) routed[owner_shard(s.study.id, impl_->size())].push_back(s);
  std::vector<std::size_t> shards;
  for (std::size_t k = 0; k < routed.size(); ++k)
    if (!routed[k].empty()) shards.push_back(k);
  return impl_->each_shard(shards, "write", false, true, [&](std::size_t k, IndexWriter& writer) {
    return writer.index_studies(routed[k], impl_->shard_options(k, options, {}));
  });
}

IndexReport RoutedWriter::delete_ids(const std::vector<std::string>& ids, bool ignore_missing) {
  std::vector<std::vector<std::string>> routed(impl_->size());
  std::string missing;
  for (const auto& id : ids) {
    const std::size_t k = owner_shard(id, impl_->size());
    const bool present = on_shard(impl_->set.shards[k], "", [&] { return impl_->writers[k]->contains(id); });
    if (present) routed[k].push_back(id);
    else if (!ignore_missing) missing += (missing.empty() ? "'" : ", '") + id + "' (" + shard_name(k) + ")";
  }
  if (!missing.empty())
    throw Error(ErrorKind::not_found, "no study with id " + missing +
                                          "; nothing was deleted (after an interrupted delete, rerun it with "
                                          "--ignore-missing)");
  std::vector<std::size_t> shards;
  for (std::size_t k = 0; k < routed.size(); ++k)
    if (!routed[k].empty()) shards.push_back(k);
  return impl_->each_shard(shards, "delete", true, false,
                           [&](std::size_t k, IndexWriter& writer) { return writer.delete_ids(routed[k]); });
}

RoutedSyncPlan RoutedWriter::plan_sync(const std::string& folder) const {
  std::map<std::string, RoutedSyncFile> pending;  // by name: name order
  std::size_t files = 0;
  for (std::size_t k = 0; k < impl_->size(); ++k) {
    const SyncPlan plan =
        on_shard(impl_->set.shards[k], "", [&] { return studysearch::plan_sync(*impl_->writers[k], folder); });
    files = plan.already_applied + plan.pending.size();
    for (const auto& file : plan.pending) {
      auto [it, inserted] = pending.try_emplace(file.entry.name, RoutedSyncFile{file, {}});
      it->second.shards.push_back(k);
    }
  }
  RoutedSyncPlan out;
  out.already_applied = files - pending.size();
  for (auto& [name, file] : pending) {
    out.pending_bytes += file.file.entry.size;
    out.pending.push_back(std::move(file));
  }
  return out;
}

IndexReport RoutedWriter::apply_file(const RoutedSyncFile& file, WriterOptions options, const ShardProgress& progress) {
  return impl_->each_shard(file.shards, "file", true, true, [&](std::size_t k, IndexWriter& writer) {
    return writer.apply_file(file.file.path, file.file.entry, impl_->shard_options(k, options, progress));
  });
}

}  // namespace studysearch
