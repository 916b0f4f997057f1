// SPDX-License-Identifier: GPL-3.0-or-later
#include "integration_args.hpp"

#include <CLI/CLI.hpp>

#include "astropack/band_plan.hpp"
#include "astropack/error.hpp"
#include "astropack/fits.hpp"

namespace astropack::cli {

namespace {

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

}  // namespace

void add_integration_options(CLI::App* sub, IntegrationArgs& a, const std::string& normalisation_auto) {
  sub->add_option("--combine", a.combine, "average, median, sum, min or max")
      ->capture_default_str()
      ->check(CLI::IsMember(keys_of(kCombinations)));
  sub->add_option("--rejection", a.rejection,
                  "auto (by frame count: <7 percentile, 7-14 averaged-sigma, 15-24 winsorized, "
                  ">=25 linear-fit), none, percentile, sigma, mad, sigma-median, averaged-sigma, "
                  "winsorized, linear-fit or gesdt")
      ->capture_default_str()
      ->check(CLI::IsMember(keys_of(kRejections, {"auto"})));
  sub->add_option("--low", a.low, "Low threshold (sigma units; fraction for percentile and gesdt)");
  sub->add_option("--high", a.high, "High threshold (sigma units; fraction for percentile, alpha for gesdt)");
  sub->add_option("--normalisation", a.normalisation,
                  "auto (" + normalisation_auto +
                      "), none, additive, multiplicative, additive-scale or multiplicative-scale")
      ->capture_default_str()
      ->check(CLI::IsMember(keys_of(kNormalisations, {"auto"})));
  sub->add_option("--estimator", a.estimator, "Location/scale estimator: ikss or median-mad")
      ->capture_default_str()
      ->check(CLI::IsMember({"ikss", "median-mad"}));
  sub->add_option("--gain", a.gain, "Sensor gain in e-/ADU for averaged-sigma (default: estimated)");
  sub->add_option("--memory", a.memory, "Memory budget for the whole integration, e.g. 2G (default: a quarter of RAM)");
  sub->add_option("--threads", a.threads, "Worker threads (default: all cores)");
  sub->add_flag("--rejection-maps", a.rejection_maps,
                "Also write OUT_low.fit and OUT_high.fit: the fraction of frames rejected per pixel");
}

void apply_integration_args(const IntegrationArgs& a, IntegrationOptions& o, bool& auto_rejection) {
  o.combination = kCombinations.at(a.combine);
  if (a.rejection != "auto") {
    auto_rejection = false;
    o.rejection = default_rejection_params(kRejections.at(a.rejection));
  }
  if (a.low) o.rejection.low = *a.low;
  if (a.high) o.rejection.high = *a.high;
  if ((a.low || a.high) && auto_rejection) {
    throw Error(ErrorKind::InvalidArgument,
                "--low and --high need a rejection method chosen with --rejection.");
  }
  if (a.gain) o.rejection.poisson_factor = poisson_factor_from_gain(*a.gain);
  if (a.normalisation != "auto") o.normalisation = kNormalisations.at(a.normalisation);
  o.estimator = a.estimator == "ikss" ? ScaleEstimator::Ikss : ScaleEstimator::MedianMad;
  o.memory_budget = a.memory.empty() ? 0 : parse_memory_size(a.memory);
  o.rejection_maps = a.rejection_maps;
  o.threads = a.threads;
}

std::filesystem::path companion_path(const std::filesystem::path& output, const char* suffix) {
  std::filesystem::path p = output;
  p.replace_filename(output.stem().string() + suffix + output.extension().string());
  return p;
}

void write_rejection_maps(const std::filesystem::path& output, const IntegrationResult& result) {
  write_fits(companion_path(output, "_low"), result.low_map.view(), Header{}, SampleFormat::Float32);
  write_fits(companion_path(output, "_high"), result.high_map.view(), Header{}, SampleFormat::Float32);
}

std::string rejection_summary(const IntegrationOptions& options, const RejectionParams& used,
                              const IntegrationResult& result) {
  if (options.combination != Combination::Mean) return {};
  std::string text = ", ";
  text.append(rejection_method_name(used.method)).append(", rejected ");
  text.append(std::to_string(result.rejected_low)).append(" low / ");
  text.append(std::to_string(result.rejected_high)).append(" high samples");
  return text;
}

}  // namespace astropack::cli
