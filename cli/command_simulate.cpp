// SPDX-License-Identifier: GPL-3.0-or-later
// `astropack simulate --preset small|osc|large DIR`: the built-in sample session.
#include <CLI/CLI.hpp>

#include <cstdio>
#include <memory>

#include "astropack/simulate.hpp"
#include "commands.hpp"
#include "terminal_progress.hpp"

namespace astropack::cli {

namespace {
struct SimulateOptions {
  std::string preset = "small";
  std::uint64_t seed = 1;
  std::filesystem::path folder;
};
}  // namespace

void add_simulate_command(CLI::App& app, const GlobalOptions& global) {
  auto options = std::make_shared<SimulateOptions>();
  CLI::App* sub = app.add_subcommand(
      "simulate", "Write a synthetic observing session (biases, darks, flats, lights) with its ground truth");
  sub->add_option("--preset", options->preset,
                  "small (mono), osc (colour Bayer), large (benchmarks) or undersampled (for "
                  "drizzle)")
      ->capture_default_str()
      ->check(CLI::IsMember({"small", "osc", "large", "undersampled"}));
  sub->add_option("--seed", options->seed, "Random seed; the same seed gives the same files")
      ->capture_default_str();
  sub->add_option("folder", options->folder, "Folder to write the session into")->required();
  sub->callback([options, &global] {
    SimulationOptions simulation;
    simulation.preset = parse_simulation_preset(options->preset);
    simulation.seed = options->seed;
    TerminalProgress progress(!global.quiet);
    const SimulationSummary summary = simulate_session(options->folder, simulation, progress);
    if (!global.quiet) {
      std::printf("%s: %d biases, %d darks, %d flats, %d dark-flats, %d lights of %zu x %zu%s\n",
                  summary.folder.string().c_str(), summary.biases, summary.darks, summary.flats,
                  summary.darkflats, summary.lights, summary.width, summary.height,
                  summary.cfa ? " (colour, Bayer)" : " (mono)");
    }
  });
}

}  // namespace astropack::cli
