// SPDX-License-Identifier: GPL-3.0-or-later
// `astropack background IN -o OUT [--model MODEL] [--degree N] [--divide] [--samples FILE]`
#include <CLI/CLI.hpp>
#include <cstdio>
#include <fstream>
#include <memory>
#include <sstream>
#include <vector>

#include "astropack/background_extraction.hpp"
#include "commands.hpp"
#include "process_io.hpp"
#include "terminal_progress.hpp"

namespace astropack::cli {

namespace {

struct BackgroundArgs {
  std::filesystem::path input, output, model, samples;
  BackgroundParams params;
  bool divide = false;
  bool no_keep_level = false;
};

std::vector<SamplePoint> read_sample_points(const std::filesystem::path& file) {
  std::ifstream in(file);
  if (!in)
    throw Error(std::filesystem::exists(file) ? ErrorKind::Unreadable : ErrorKind::NotFound, file,
                "cannot read the sample points; check the name and permissions.");
  std::ostringstream text;
  text << in.rdbuf();
  return about_file(file, [&] { return parse_sample_points(text.str()); });
}

}  // namespace

void add_background_command(CLI::App& app, const GlobalOptions& global) {
  auto a = std::make_shared<BackgroundArgs>();
  CLI::App* sub = app.add_subcommand(
      "background",
      "Remove a light-pollution gradient: a polynomial fitted to background samples, per channel");
  sub->add_option("input", a->input, "Image (FITS or TIFF)")->required();
  sub->add_option("-o,--output", a->output, "Output file: FITS (32-bit float) or .tif/.tiff")
      ->required();
  sub->add_option("--model", a->model, "Also write the fitted background to this file");
  sub->add_option("--degree", a->params.degree,
                  "Polynomial degree, 1 to 4 (1 for a simple gradient)")
      ->capture_default_str();
  sub->add_flag("--divide", a->divide,
                "Divide by the background (vignetting-like falloff) instead of subtracting it");
  sub->add_option("--samples", a->samples,
                  "Text file of sample points, one 'x y' per line, x from the left and y from "
                  "the top of the picture; replaces the automatic grid");
  sub->add_option("--grid", a->params.samples_per_row, "Automatic grid: samples per row, 4 to 200")
      ->capture_default_str();
  sub->add_option("--box", a->params.box_size,
                  "Sample box size in pixels, odd, 3 to 201 (default: up to 25, by the grid)");
  sub->add_option("--rejection", a->params.high_rejection,
                  "Drop samples more than this many sigmas above the fitted surface, 1 to 10")
      ->capture_default_str();
  sub->add_flag("--no-keep-level", a->no_keep_level,
                "Do not add back the mean background level (subtract: result near 0)");
  sub->callback([a, &global] {
    a->params.correction =
        a->divide ? BackgroundCorrection::Divide : BackgroundCorrection::Subtract;
    a->params.keep_level = !a->no_keep_level;
    about_file(a->input, [&] { a->params.validate(); });
    std::vector<std::filesystem::path> inputs = {a->input};
    if (!a->samples.empty()) {
      a->params.user_samples = read_sample_points(a->samples);
      inputs.push_back(a->samples);
    }
    check_output(a->output, inputs);
    if (!a->model.empty()) {
      check_output(a->model, inputs);
      if (std::filesystem::absolute(a->model).lexically_normal() ==
          std::filesystem::absolute(a->output).lexically_normal())
        throw Error(ErrorKind::InvalidArgument, a->model,
                    "the model and the corrected image need different file names.");
    }
    const Image image = read_input(a->input);
    TerminalProgress progress(!global.quiet);
    BackgroundResult result =
        about_file(a->input, [&] { return extract_background(image.view(), a->params, progress); });
    const std::string what = describe(a->params);
    result.corrected.header() = image.header();
    write_output(a->output, result.corrected, what, inputs);
    if (!a->model.empty()) {
      result.model.header() = image.header();
      write_output(a->model, result.model, what + " (model)", inputs);
    }
    if (!global.quiet) {
      std::printf("%s: %s, %zu of %zu samples used, residual rms", a->output.string().c_str(),
                  what.c_str(), result.samples_used, result.samples.size());
      for (double rms : result.residual_rms) std::printf(" %.3g", rms);
      std::printf("\n");
    }
  });
}

}  // namespace astropack::cli
