#pragma once
#include <CLI/CLI.hpp>

#include <functional>

namespace studysearch::app {

/// `studysearch sync --db DIR FOLDER [--dry-run]`: applies the folder's new
/// PubMed files in name order, one transaction and one ledger entry each.
void add_sync_command(CLI::App& app, std::function<void(std::function<int()>)> set_action);

}  // namespace studysearch::app
