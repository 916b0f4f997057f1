// SPDX-License-Identifier: GPL-3.0-or-later
// `astropack crop IN -o OUT --x X --y Y --width W --height H`
#include <CLI/CLI.hpp>
#include <cstdio>
#include <memory>

#include "astropack/crop.hpp"
#include "commands.hpp"
#include "process_io.hpp"

namespace astropack::cli {

namespace {
struct CropArgs {
  std::filesystem::path input, output;
  CropParams params;
};
}  // namespace

void add_crop_command(CLI::App& app, const GlobalOptions& global) {
  auto a = std::make_shared<CropArgs>();
  CLI::App* sub = app.add_subcommand(
      "crop", "Cut a rectangle out of an image; x and y from the top left as GIMP shows it");
  sub->add_option("input", a->input, "Image (FITS or TIFF)")->required();
  sub->add_option("-o,--output", a->output, "Output file: FITS (32-bit float) or .tif/.tiff")
      ->required();
  sub->add_option("--x", a->params.x, "Left edge, pixels from the left")->required();
  sub->add_option("--y", a->params.y, "Top edge, pixels from the top of the picture")->required();
  sub->add_option("--width", a->params.width, "Width in pixels")->required();
  sub->add_option("--height", a->params.height, "Height in pixels")->required();
  sub->callback([a, &global] {
    const std::filesystem::path inputs[] = {a->input};
    check_output(a->output, inputs);
    const Image image = read_input(a->input);
    Image out = about_file(a->input, [&] { return crop(image, a->params); });
    write_output(a->output, out, describe(a->params), inputs);
    if (!global.quiet)
      std::printf("%s: %s\n", a->output.string().c_str(), describe(a->params).c_str());
  });
}

}  // namespace astropack::cli
