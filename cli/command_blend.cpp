// SPDX-License-Identifier: GPL-3.0-or-later
// `astropack blend BACKDROP LAYER -o OUT --mode M [--opacity O] [--trc T]`
#include <CLI/CLI.hpp>
#include <cstdio>
#include <memory>

#include "astropack/blend.hpp"
#include "commands.hpp"
#include "process_io.hpp"

namespace astropack::cli {

namespace {
struct BlendArgs {
  std::filesystem::path backdrop, layer, output;
  std::string mode = "normal";
  double opacity = 1.0;
  std::string trc = "perceptual";
};
}  // namespace

void add_blend_command(CLI::App& app, const GlobalOptions& global) {
  auto a = std::make_shared<BlendArgs>();
  CLI::App* sub = app.add_subcommand(
      "blend", "Blend a layer onto an image with a GIMP 2.10 layer mode and opacity");
  sub->add_option("backdrop", a->backdrop, "The image below (FITS or TIFF)")->required();
  sub->add_option("layer", a->layer, "The layer on top, same size; grey or like the backdrop")
      ->required();
  sub->add_option("-o,--output", a->output, "Output file: FITS (32-bit float) or .tif/.tiff")
      ->required();
  sub->add_option("--mode", a->mode, "normal, lighten-only, screen, addition or multiply")
      ->capture_default_str()
      ->check(CLI::IsMember(
          {"normal", "lighten-only", "lighten", "screen", "addition", "add", "multiply"}));
  sub->add_option("--opacity", a->opacity, "Layer opacity, 0 to 1")->capture_default_str();
  sub->add_option("--trc", a->trc,
                  "How GIMP holds the numbers: perceptual (a float TIFF opened in GIMP) or linear")
      ->capture_default_str()
      ->check(CLI::IsMember({"perceptual", "linear"}));
  sub->callback([a, &global] {
    BlendParams params;
    params.mode = parse_blend_mode(a->mode);
    params.opacity = a->opacity;
    params.storage = parse_trc(a->trc);
    about_file(a->layer, [&] { params.validate(); });
    const std::filesystem::path inputs[] = {a->backdrop, a->layer};
    check_output(a->output, inputs);
    Image image = read_input(a->backdrop);
    const Image layer = read_input(a->layer);
    if (layer.width() != image.width() || layer.height() != image.height())
      throw Error(ErrorKind::InvalidInput, a->layer,
                  "the layer must have the size of the image it is blended onto.");
    if (image.channels() == 1 && layer.channels() == 3)
      throw Error(ErrorKind::InvalidInput, a->backdrop,
                  "an RGB layer needs an RGB image below it; this one is grey.");
    about_file(a->layer, [&] { blend(image.view(), layer.view(), params); });
    write_output(a->output, image, describe(params), inputs);
    if (!global.quiet)
      std::printf("%s: %s\n", a->output.string().c_str(), describe(params).c_str());
  });
}

}  // namespace astropack::cli
