#include "reader_pool.hpp"

#include "index_meta.hpp"

namespace studysearch {

ReaderPool::ReaderPool(std::string path) : path_(std::move(path)) { idle_.push_back(open_handle()); }

ReaderPool::Lease::~Lease() {
  if (!handle) return;
  std::lock_guard lock(owner->mutex_);
  owner->idle_.push_back(std::move(handle));
}

std::unique_ptr<Handle> ReaderPool::open_handle() const {
  auto h = std::make_unique<Handle>();
  try {
    h->db = Xapian::Database(path_, Xapian::DB_BACKEND_GLASS);
  } catch (const Xapian::DatabaseNotFoundError&) {
    throw Error(ErrorKind::index_missing, path_ + ": no index here; create one with 'studysearch index --db " + path_ + "'");
  } catch (const Xapian::DatabaseOpeningError& e) {
    throw Error(ErrorKind::index_missing, path_ + ": no usable index here (" + e.get_msg() + ")");
  } catch (const Xapian::DatabaseError& e) {
    throw Error(ErrorKind::index_incompatible, path_ + ": index is corrupt or unreadable: " + e.get_msg());
  }
  meta::check(h->db, h->analyzer.settings(), path_);
  return h;
}

ReaderPool::Lease ReaderPool::lease() {
  {
    std::lock_guard lock(mutex_);
    if (!idle_.empty()) {
      auto h = std::move(idle_.back());
      idle_.pop_back();
      return Lease(this, std::move(h));
    }
  }
  return Lease(this, open_handle());
}

std::shared_ptr<const Snapshot> ReaderPool::snapshot_for(const Xapian::Database& db) {
  {
    std::lock_guard lock(mutex_);
    if (snapshot_ && snapshot_->describes(db)) return snapshot_;
  }
  std::lock_guard load_lock(snapshot_load_);
  {
    std::lock_guard lock(mutex_);
    if (snapshot_ && snapshot_->describes(db)) return snapshot_;
  }
  auto fresh = Snapshot::load(db);
  std::lock_guard lock(mutex_);
  if (!snapshot_ || snapshot_->revision < fresh->revision || snapshot_->uuid != fresh->uuid) snapshot_ = fresh;
  return fresh;
}

}  // namespace studysearch
