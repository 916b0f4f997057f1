// SPDX-License-Identifier: GPL-3.0-or-later
// The integration options `master` and `stack` share: combination, rejection
// and its thresholds, normalisation, estimator, sensor gain, memory budget,
// threads and rejection maps, added to a subcommand and turned into
// IntegrationOptions the same way for both.
#pragma once

#include <filesystem>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "astropack/integration.hpp"

namespace CLI {
class App;
}

namespace astropack::cli {

struct IntegrationArgs {
  std::string combine = "average";
  std::string rejection = "auto";
  std::optional<double> low, high;
  std::string normalisation = "auto";
  std::string estimator = "ikss";
  std::optional<double> gain;
  std::string memory;
  int threads = 0;
  bool rejection_maps = false;
};

// `normalisation_auto` says what "auto" means for the command, for --help.
void add_integration_options(CLI::App* command, IntegrationArgs& args,
                             const std::string& normalisation_auto);

// Applies the arguments over `options`, which hold the command's defaults.
// auto_rejection stays true unless a method is named. Throws
// Error(InvalidArgument) for thresholds without a method.
void apply_integration_args(const IntegrationArgs& args, IntegrationOptions& options,
                            bool& auto_rejection);

// OUT_low.fit beside OUT.fit, for maps and other companions of an output.
std::filesystem::path companion_path(const std::filesystem::path& output, const char* suffix);

// The low and high rejection maps of an integration, as 32-bit float FITS beside `output`.
void write_rejection_maps(const std::filesystem::path& output, const IntegrationResult& result);

// ", winsorized sigma clipping, rejected 12 low / 340 high samples" for a
// mean with rejection, "" for the other combinations.
std::string rejection_summary(const IntegrationOptions& options, const RejectionParams& used,
                              const IntegrationResult& result);

// Keys of a name table, for CLI11's IsMember checks, after `extra`.
template <typename Map>
std::vector<std::string> keys_of(const Map& map, std::vector<std::string> extra = {}) {
  for (const auto& [key, value] : map) extra.push_back(key);
  return extra;
}

}  // namespace astropack::cli
