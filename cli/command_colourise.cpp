// SPDX-License-Identifier: GPL-3.0-or-later
// `astropack colourise IN -o OUT --hue H [--saturation S] [--lightness L]`
#include <CLI/CLI.hpp>
#include <cstdio>
#include <memory>

#include "astropack/colourise.hpp"
#include "commands.hpp"
#include "process_io.hpp"

namespace astropack::cli {

namespace {
struct ColouriseArgs {
  std::filesystem::path input, output;
  ColouriseParams params;
  std::string trc = "perceptual";
};
}  // namespace

void add_colourise_command(CLI::App& app, const GlobalOptions& global) {
  auto a = std::make_shared<ColouriseArgs>();
  a->params.saturation = 100.0;
  CLI::App* sub = app.add_subcommand(
      "colourise",
      "Tint an image as GIMP 2.10's Colors > Colorize (Ha red: hue 0, OIII cyan: 180)");
  sub->alias("colorize");
  sub->add_option("input", a->input, "Grey or RGB image (FITS or TIFF)")->required();
  sub->add_option("-o,--output", a->output, "Output file: FITS (32-bit float) or .tif/.tiff")
      ->required();
  sub->add_option("--hue", a->params.hue, "Hue, 0 to 360 degrees")->required();
  sub->add_option("--saturation", a->params.saturation, "Saturation, 0 to 100")
      ->capture_default_str();
  sub->add_option("--lightness", a->params.lightness, "Lightness, -100 to 100")
      ->capture_default_str();
  sub->add_option("--trc", a->trc,
                  "How GIMP holds the numbers: perceptual (a float TIFF opened in GIMP) or linear")
      ->capture_default_str()
      ->check(CLI::IsMember({"perceptual", "linear"}));
  sub->callback([a, &global] {
    a->params.storage = parse_trc(a->trc);
    about_file(a->input, [&] { a->params.validate(); });
    const std::filesystem::path inputs[] = {a->input};
    check_output(a->output, inputs);
    const Image image = read_input(a->input);
    Image out = colourise(image.view(), a->params);
    out.header() = image.header();
    write_output(a->output, out, describe(a->params), inputs);
    if (!global.quiet)
      std::printf("%s: %s\n", a->output.string().c_str(), describe(a->params).c_str());
  });
}

}  // namespace astropack::cli
