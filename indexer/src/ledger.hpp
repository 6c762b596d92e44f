#pragma once
// The ledger of applied files (PubMed sync), kept in the index metadata.
#include <xapian.h>

#include <vector>

#include "studysearch/index_writer.hpp"

namespace studysearch::meta {

/// The ledger of applied files: one metadata key per file
/// ("studysearch.applied/<name>" = "<size> <sha256> <modified_ns>"), written in the
/// transaction of the file's changes. Names longer than 200 bytes or holding
/// '/' or control characters are refused (Error{invalid_input}).
void record_applied(Xapian::WritableDatabase& db, const AppliedFile& entry);
std::vector<AppliedFile> applied_files(const Xapian::Database& db);

}  // namespace studysearch::meta
