// SPDX-License-Identifier: GPL-3.0-or-later
// `astropack master --type bias|dark|flat|darkflat -o OUT.fit FILES...|DIR`
#include <CLI/CLI.hpp>

#include <cstdio>
#include <map>
#include <memory>

#include "astropack/error.hpp"
#include "astropack/fits.hpp"
#include "astropack/master_frame.hpp"
#include "astropack/output_file.hpp"
#include "commands.hpp"
#include "input_files.hpp"
#include "integration_args.hpp"
#include "terminal_progress.hpp"

namespace astropack::cli {

namespace {

struct MasterArgs {
  std::string type;
  std::filesystem::path output;
  std::vector<std::filesystem::path> inputs;
  IntegrationArgs integration;
  std::string weights = "none";
  std::filesystem::path bias, darkflat;
  std::optional<double> offset_adu;
  bool strict = false;
};

const std::map<std::string, Weighting> kWeightings = {
    {"none", Weighting::None}, {"exposure", Weighting::Exposure}, {"noise", Weighting::Noise}};

MasterOptions options_from(const MasterArgs& a) {
  MasterOptions o = default_master_options(parse_master_type(a.type));
  apply_integration_args(a.integration, o.integration, o.auto_rejection);
  o.integration.weighting = kWeightings.at(a.weights);
  o.bias = a.bias;
  o.darkflat = a.darkflat;
  if (a.offset_adu) o.offset = *a.offset_adu / 65535.0;
  o.strict = a.strict;
  return o;
}

}  // namespace

void add_master_command(CLI::App& app, const GlobalOptions& global) {
  auto a = std::make_shared<MasterArgs>();
  CLI::App* sub = app.add_subcommand(
      "master", "Integrate bias, dark, flat or dark-flat frames into a master calibration frame");
  sub->add_option("--type", a->type, "bias, dark, flat or darkflat")
      ->required()
      ->check(CLI::IsMember({"bias", "dark", "flat", "darkflat"}));
  sub->add_option("-o,--output", a->output, "Master FITS file to write (32-bit float)")->required();
  // Not required() here: with no frames the error is the one-line `astropack: ...` of the
  // library (exit status 2), not CLI11's two-line message and status 106.
  sub->add_option("inputs", a->inputs, "Frames (FITS or TIFF), or folders of frames");
  add_integration_options(sub, a->integration, "none; multiplicative for flats");
  sub->add_option("--weights", a->weights, "none, exposure or noise")
      ->capture_default_str()
      ->check(CLI::IsMember(keys_of(kWeightings)));
  sub->add_option("--bias", a->bias, "Flats: master bias to subtract first");
  sub->add_option("--darkflat", a->darkflat, "Flats: master dark-flat to subtract first");
  sub->add_option("--offset", a->offset_adu, "Flats: constant offset in ADU to subtract first");
  sub->add_flag("--strict", a->strict, "Refuse frames whose exposure, gain, temperature... differ");
  sub->callback([a, &global] {
    const MasterOptions options = options_from(*a);
    std::vector<std::filesystem::path> files = expand_inputs(a->inputs);
    refuse_output_over_input(a->output, files);
    OutputFile check_folder(a->output);  // fail early, before an hour of work, if it cannot be written
    TerminalProgress progress(!global.quiet);
    const MasterResult result = make_master(files, options, progress);
    for (const InputMismatch& m : result.mismatches)
      std::fprintf(stderr, "astropack: warning: %s\n", describe(m).c_str());
    write_fits(a->output, result.integration.image, SampleFormat::Float32);
    if (options.integration.rejection_maps && options.integration.combination == Combination::Mean)
      write_rejection_maps(a->output, result.integration);
    if (!global.quiet) {
      std::printf("%s: master %s of %zu frames%s\n", a->output.string().c_str(), a->type.c_str(),
                  files.size(),
                  rejection_summary(options.integration, result.rejection, result.integration).c_str());
    }
  });
}

}  // namespace astropack::cli
