#pragma once
// Shard sets on the command line (issue 17): `studysearch shard`, and index,
// delete and sync with --db naming a stub file (routed writes,
// studysearch/shards.hpp). Translation only, as the rest of the CLI.
#include <CLI/CLI.hpp>

#include <functional>
#include <string>
#include <vector>

#include "studysearch/index_writer.hpp"

namespace studysearch::app {

/// `studysearch shard --db SRC --shards N --out DIR [--quiet]`.
void add_shard_command(CLI::App& app, std::function<void(std::function<int()>)> set_action);

/// True when --db names a stub file: the write commands route (below).
bool routed(const std::string& db);

/// `index --db STUB`: as run_index, each record to its owner shard.
int run_routed_index(const std::string& stub, const std::vector<std::string>& files, bool skip_invalid, bool quiet,
                     WriterOptions options);
/// `delete --db STUB ID...`.
int run_routed_delete(const std::string& stub, const std::vector<std::string>& ids, bool ignore_missing);
/// `sync --db STUB FOLDER`: each file applied to the shards that lack it.
int run_routed_sync(const std::string& stub, const std::string& folder, bool dry_run);

}  // namespace studysearch::app
