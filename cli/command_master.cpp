// SPDX-License-Identifier: GPL-3.0-or-later
// `astropack master --type bias|dark|flat|darkflat -o OUT.fit FILES...|DIR`
#include <CLI/CLI.hpp>

#include <cstdio>
#include <map>
#include <memory>

#include "astropack/band_plan.hpp"
#include "astropack/error.hpp"
#include "astropack/fits.hpp"
#include "astropack/master_frame.hpp"
#include "astropack/output_file.hpp"
#include "commands.hpp"
#include "input_files.hpp"
#include "terminal_progress.hpp"

namespace astropack::cli {

namespace {

struct MasterArgs {
  std::string type;
  std::filesystem::path output;
  std::vector<std::filesystem::path> inputs;
  std::string combine = "average";
  std::string rejection = "auto";
  std::optional<double> low, high;
  std::string normalisation = "auto";
  std::string estimator = "ikss";
  std::string weights = "none";
  std::filesystem::path bias, darkflat;
  std::optional<double> offset_adu;
  std::optional<double> gain;
  std::string memory;
  int threads = 0;
  bool strict = false;
  bool rejection_maps = false;
};

const std::map<std::string, Combination> kCombinations = {
    {"average", Combination::Mean}, {"median", Combination::Median}, {"sum", Combination::Sum},
    {"min", Combination::Minimum},  {"max", Combination::Maximum}};
const std::map<std::string, RejectionMethod> kRejections = {
    {"none", RejectionMethod::None},
    {"percentile", RejectionMethod::Percentile},
    {"sigma", RejectionMethod::Sigma},
    {"mad", RejectionMethod::Mad},
    {"sigma-median", RejectionMethod::SigmaMedian},
    {"averaged-sigma", RejectionMethod::AveragedSigma},
    {"winsorized", RejectionMethod::Winsorized},
    {"linear-fit", RejectionMethod::LinearFit},
    {"gesdt", RejectionMethod::Gesdt}};
const std::map<std::string, Normalisation> kNormalisations = {
    {"none", Normalisation::None},
    {"additive", Normalisation::Additive},
    {"multiplicative", Normalisation::Multiplicative},
    {"additive-scale", Normalisation::AdditiveScale},
    {"multiplicative-scale", Normalisation::MultiplicativeScale}};
const std::map<std::string, Weighting> kWeightings = {
    {"none", Weighting::None}, {"exposure", Weighting::Exposure}, {"noise", Weighting::Noise}};

template <typename Map>
std::vector<std::string> keys_of(const Map& map, std::vector<std::string> extra = {}) {
  for (const auto& [key, value] : map) extra.push_back(key);
  return extra;
}

MasterOptions options_from(const MasterArgs& a) {
  MasterOptions o = default_master_options(parse_master_type(a.type));
  o.integration.combination = kCombinations.at(a.combine);
  if (a.rejection != "auto") {
    o.auto_rejection = false;
    o.integration.rejection = default_rejection_params(kRejections.at(a.rejection));
  }
  if (a.low) o.integration.rejection.low = *a.low;
  if (a.high) o.integration.rejection.high = *a.high;
  if ((a.low || a.high) && o.auto_rejection) {
    throw Error(ErrorKind::InvalidArgument,
                "--low and --high need a rejection method chosen with --rejection.");
  }
  if (a.gain) o.integration.rejection.poisson_factor = poisson_factor_from_gain(*a.gain);
  if (a.normalisation != "auto") o.integration.normalisation = kNormalisations.at(a.normalisation);
  o.integration.estimator = a.estimator == "ikss" ? ScaleEstimator::Ikss : ScaleEstimator::MedianMad;
  o.integration.weighting = kWeightings.at(a.weights);
  o.integration.memory_budget = a.memory.empty() ? 0 : parse_memory_size(a.memory);
  o.integration.rejection_maps = a.rejection_maps;
  o.integration.threads = a.threads;
  o.bias = a.bias;
  o.darkflat = a.darkflat;
  if (a.offset_adu) o.offset = *a.offset_adu / 65535.0;
  o.strict = a.strict;
  return o;
}

std::filesystem::path map_path(const std::filesystem::path& output, const char* suffix) {
  std::filesystem::path p = output;
  p.replace_filename(output.stem().string() + suffix + output.extension().string());
  return p;
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
  sub->add_option("--combine", a->combine, "average, median, sum, min or max")
      ->capture_default_str()
      ->check(CLI::IsMember(keys_of(kCombinations)));
  sub->add_option("--rejection", a->rejection,
                  "auto (by frame count: <7 percentile, 7-14 averaged-sigma, 15-24 winsorized, "
                  ">=25 linear-fit), none, percentile, sigma, mad, sigma-median, averaged-sigma, "
                  "winsorized, linear-fit or gesdt")
      ->capture_default_str()
      ->check(CLI::IsMember(keys_of(kRejections, {"auto"})));
  sub->add_option("--low", a->low, "Low threshold (sigma units; fraction for percentile and gesdt)");
  sub->add_option("--high", a->high, "High threshold (sigma units; fraction for percentile, alpha for gesdt)");
  sub->add_option("--normalisation", a->normalisation,
                  "auto (none; multiplicative for flats), none, additive, multiplicative, "
                  "additive-scale or multiplicative-scale")
      ->capture_default_str()
      ->check(CLI::IsMember(keys_of(kNormalisations, {"auto"})));
  sub->add_option("--estimator", a->estimator, "Location/scale estimator: ikss or median-mad")
      ->capture_default_str()
      ->check(CLI::IsMember({"ikss", "median-mad"}));
  sub->add_option("--weights", a->weights, "none, exposure or noise")
      ->capture_default_str()
      ->check(CLI::IsMember(keys_of(kWeightings)));
  sub->add_option("--bias", a->bias, "Flats: master bias to subtract first");
  sub->add_option("--darkflat", a->darkflat, "Flats: master dark-flat to subtract first");
  sub->add_option("--offset", a->offset_adu, "Flats: constant offset in ADU to subtract first");
  sub->add_option("--gain", a->gain, "Sensor gain in e-/ADU for averaged-sigma (default: estimated)");
  sub->add_option("--memory", a->memory, "Memory budget for the whole integration, e.g. 2G (default: a quarter of RAM)");
  sub->add_option("--threads", a->threads, "Worker threads (default: all cores)");
  sub->add_flag("--strict", a->strict, "Refuse frames whose exposure, gain, temperature... differ");
  sub->add_flag("--rejection-maps", a->rejection_maps,
                "Also write OUT_low.fit and OUT_high.fit: the fraction of frames rejected per pixel");
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
    if (options.integration.rejection_maps && options.integration.combination == Combination::Mean) {
      write_fits(map_path(a->output, "_low"), result.integration.low_map.view(), Header{},
                 SampleFormat::Float32);
      write_fits(map_path(a->output, "_high"), result.integration.high_map.view(), Header{},
                 SampleFormat::Float32);
    }
    if (!global.quiet) {
      std::printf("%s: master %s of %zu frames", a->output.string().c_str(), a->type.c_str(),
                  files.size());
      if (options.integration.combination == Combination::Mean)
        std::printf(", %s, rejected %llu low / %llu high samples",
                    std::string(rejection_method_name(result.rejection.method)).c_str(),
                    static_cast<unsigned long long>(result.integration.rejected_low),
                    static_cast<unsigned long long>(result.integration.rejected_high));
      std::printf("\n");
    }
  });
}

}  // namespace astropack::cli
