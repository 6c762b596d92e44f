#pragma once
#include <CLI/CLI.hpp>

#include <functional>

namespace studysearch::app {

/// Registers every subcommand on `app`. A parsed subcommand hands its work to
/// `set_action`; main() runs it inside the one error-to-exit-code table.
void add_commands(CLI::App& app, std::function<void(std::function<int()>)> set_action);

}  // namespace studysearch::app
