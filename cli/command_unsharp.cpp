// SPDX-License-Identifier: GPL-3.0-or-later
// `astropack unsharp IN -o OUT [--radius R] [--amount A] [--threshold T]`
#include <CLI/CLI.hpp>
#include <cstdio>
#include <memory>

#include "astropack/unsharp_mask.hpp"
#include "commands.hpp"
#include "process_io.hpp"

namespace astropack::cli {

namespace {
struct UnsharpArgs {
  std::filesystem::path input, output;
  UnsharpMaskParams params;
  std::string trc = "perceptual";
};
}  // namespace

void add_unsharp_command(CLI::App& app, const GlobalOptions& global) {
  auto a = std::make_shared<UnsharpArgs>();
  CLI::App* sub =
      app.add_subcommand("unsharp", "Sharpen with GIMP 2.10's unsharp mask (gegl:unsharp-mask)");
  sub->add_option("input", a->input, "Image (FITS or TIFF)")->required();
  sub->add_option("-o,--output", a->output, "Output file: FITS (32-bit float) or .tif/.tiff")
      ->required();
  sub->add_option("--radius", a->params.radius,
                  "Radius: standard deviation of the blur in pixels, 0 to 1500")
      ->capture_default_str();
  sub->add_option("--amount", a->params.amount, "Amount, 0 to 300")->capture_default_str();
  sub->add_option("--threshold", a->params.threshold,
                  "Threshold, 0 to 1 (GIMP's 0-255 divided by 255)")
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
    Image image = read_input(a->input);
    unsharp_mask(image.view(), a->params);
    write_output(a->output, image, describe(a->params), inputs);
    if (!global.quiet)
      std::printf("%s: %s\n", a->output.string().c_str(), describe(a->params).c_str());
  });
}

}  // namespace astropack::cli
