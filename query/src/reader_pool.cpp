#include "reader_pool.hpp"

#include <sys/stat.h>

#include <filesystem>

#include "index_meta.hpp"

namespace studysearch {

ReaderPool::ReaderPool(std::string path, unsigned timeout_ms)
    : path_(std::move(path)), set_(read_shard_set(path_)), timeout_ms_(timeout_ms) {
  if (set_.sharded()) stubs_watched_.push_back(set_.stub);
  for (const auto& shard : set_.shards) {  // replica folders: xapian-replicate switches copies by their stub
    const std::string stub = (std::filesystem::path(shard.path) / "XAPIANDB").string();
    std::error_code ec;
    if (shard.kind == ShardSpec::Kind::local && std::filesystem::is_regular_file(stub, ec)) stubs_watched_.push_back(stub);
  }
  stubs_ = stub_stamps();
  // Every shard that answers is checked now; one that is down fails (or,
  // allow_partial, is left out of) each request until it is back.
  auto h = set_.sharded() ? open_handle(true) : open_handle();
  if (h->missing.empty()) {
    h->remote = set_.any_remote();
    idle_.push_back(std::move(h));
  }
}

ReaderPool::Lease::~Lease() {
  if (!handle) return;
  std::lock_guard lock(owner->mutex_);
  if (handle->generation == owner->generation_) owner->idle_.push_back(std::move(handle));
}

std::string ReaderPool::stub_stamps() const {
  std::string stamps;
  for (const auto& file : stubs_watched_) {  // rewritten in place or renamed over: either changes the stamp
    struct stat st {};
    if (::stat(file.c_str(), &st) == 0)
      stamps += std::to_string(st.st_ino) + ":" + std::to_string(st.st_size) + ":" + std::to_string(st.st_mtim.tv_sec) +
                "." + std::to_string(st.st_mtim.tv_nsec);
    stamps += ";";
  }
  return stamps;
}

std::unique_ptr<Handle> ReaderPool::open_handle(bool partial) const {
  auto h = std::make_unique<Handle>();
  for (const auto& spec : set_.shards) {
    try {
      Xapian::Database shard = open_shard(spec, timeout_ms_);
      meta::check(shard, h->analyzer.settings(), set_.sharded() ? spec.name() : spec.path);
      h->db.add_database(shard);
      h->shards.push_back(shard);
      h->remote = h->remote || spec.kind == ShardSpec::Kind::remote;
    } catch (const Xapian::NetworkError& e) {
      if (!partial) throw Error(ErrorKind::shard_unavailable, spec.name() + " is unavailable: " + e.get_msg());
      h->missing.push_back(spec.name());
    } catch (const Error& e) {
      if (!partial || e.kind() != ErrorKind::shard_unavailable) throw;
      h->missing.push_back(spec.name());
    }
  }
  if (partial) {
    if (h->shards.empty()) throw Error(ErrorKind::shard_unavailable, "no shard of " + set_.stub + " answers");
    h->remote = true;  // docids of a partial set differ from the snapshot's
  }
  return h;
}

void ReaderPool::refresh(Handle& h) const {
  for (std::size_t i = 0; i < h.shards.size(); ++i) {
    try {
      h.shards[i].reopen();
    } catch (const Xapian::NetworkError& e) {
      throw Error(ErrorKind::shard_unavailable, set_.shards[i].name() + " is unavailable: " + e.get_msg());
    }
  }
}

ReaderPool::Lease ReaderPool::lease() {
  std::string stubs = stub_stamps();
  std::size_t generation;
  {
    std::lock_guard lock(mutex_);
    if (stubs != stubs_) {  // a replica switched copies, or the stub changed: start afresh
      stubs_ = std::move(stubs);
      ++generation_;
      idle_.clear();
    }
    generation = generation_;
    if (!idle_.empty()) {
      auto h = std::move(idle_.back());
      idle_.pop_back();
      return Lease(this, std::move(h));
    }
  }
  auto h = open_handle();
  h->generation = generation;
  return Lease(this, std::move(h));
}

std::shared_ptr<const Snapshot> ReaderPool::snapshot_for(const Handle& h) {
  if (h.remote) {  // nothing to cache: the engine asks the shards for every request
    auto s = std::make_shared<Snapshot>();
    s->documents = h.db.get_doccount();
    return s;
  }
  std::string state;
  Xapian::rev revision = 0;
  for (const auto& shard : h.shards) {
    state += std::to_string(shard.get_revision()) + ":" + shard.get_uuid() + ";";
    revision += shard.get_revision();
  }
  {
    std::lock_guard lock(mutex_);
    if (snapshot_ && snapshot_->state == state) return snapshot_;
  }
  std::lock_guard load_lock(snapshot_load_);
  {
    std::lock_guard lock(mutex_);
    if (snapshot_ && snapshot_->state == state) return snapshot_;
  }
  auto fresh = Snapshot::load(h.db, state, revision, h.shards.size());
  std::lock_guard lock(mutex_);
  if (!snapshot_ || snapshot_->revision <= fresh->revision) snapshot_ = fresh;
  return fresh;
}

}  // namespace studysearch
