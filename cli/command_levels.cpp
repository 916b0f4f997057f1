// SPDX-License-Identifier: GPL-3.0-or-later
// `astropack levels IN -o OUT [--black B] [--white W] [--gamma G] ...`
#include <CLI/CLI.hpp>
#include <cstdio>
#include <memory>

#include "astropack/levels.hpp"
#include "commands.hpp"
#include "process_io.hpp"

namespace astropack::cli {

namespace {
struct LevelsArgs {
  std::filesystem::path input, output;
  LevelsParams params;
  std::string working = "perceptual";
  std::string trc = "perceptual";
};
}  // namespace

void add_levels_command(CLI::App& app, const GlobalOptions& global) {
  auto a = std::make_shared<LevelsArgs>();
  CLI::App* sub = app.add_subcommand(
      "levels", "Black point, white point and gamma as GIMP 2.10's Levels on the Value channel");
  sub->add_option("input", a->input, "Image (FITS or TIFF)")->required();
  sub->add_option("-o,--output", a->output, "Output file: FITS (32-bit float) or .tif/.tiff")
      ->required();
  sub->add_option("--black", a->params.black_point, "Input black point, 0 to 1")
      ->capture_default_str();
  sub->add_option("--white", a->params.white_point, "Input white point, 0 to 1")
      ->capture_default_str();
  sub->add_option("--gamma", a->params.gamma, "Gamma, 0.1 to 10 (above 1 brightens)")
      ->capture_default_str();
  sub->add_option("--output-black", a->params.output_black, "Output black, 0 to 1")
      ->capture_default_str();
  sub->add_option("--output-white", a->params.output_white, "Output white, 0 to 1")
      ->capture_default_str();
  sub->add_flag("--clamp-input", a->params.clamp_input, "Clamp to 0..1 after the input levels");
  sub->add_flag("--clamp-output", a->params.clamp_output, "Clamp the result to 0..1");
  sub->add_option("--working", a->working,
                  "Where the formula applies: perceptual (GIMP's default) or linear light")
      ->capture_default_str()
      ->check(CLI::IsMember({"perceptual", "linear"}));
  sub->add_option("--trc", a->trc,
                  "How GIMP holds the numbers: perceptual (a float TIFF opened in GIMP) or linear")
      ->capture_default_str()
      ->check(CLI::IsMember({"perceptual", "linear"}));
  sub->callback([a, &global] {
    a->params.working = parse_trc(a->working);
    a->params.storage = parse_trc(a->trc);
    about_file(a->input, [&] { a->params.validate(); });
    const std::filesystem::path inputs[] = {a->input};
    check_output(a->output, inputs);
    Image image = read_input(a->input);
    levels(image.view(), a->params);
    write_output(a->output, image, describe(a->params), inputs);
    if (!global.quiet)
      std::printf("%s: %s\n", a->output.string().c_str(), describe(a->params).c_str());
  });
}

}  // namespace astropack::cli
