// SPDX-License-Identifier: GPL-3.0-or-later
// `astropack blur IN -o OUT --std-dev S [--std-dev-y SY] [--filter F] [--edges E]`
#include <CLI/CLI.hpp>
#include <cstdio>
#include <memory>
#include <optional>

#include "astropack/gaussian_blur.hpp"
#include "commands.hpp"
#include "process_io.hpp"

namespace astropack::cli {

namespace {
struct BlurArgs {
  std::filesystem::path input, output;
  double std_dev = 1.5;
  std::optional<double> std_dev_y;
  std::string filter = "auto";
  std::string edges = "clamp";
  bool linear_light = false;
  std::string trc = "perceptual";
};
}  // namespace

void add_blur_command(CLI::App& app, const GlobalOptions& global) {
  auto a = std::make_shared<BlurArgs>();
  CLI::App* sub = app.add_subcommand(
      "blur", "Gaussian blur as GEGL computes it for GIMP 2.10 (gegl:gaussian-blur)");
  sub->add_option("input", a->input, "Image (FITS or TIFF)")->required();
  sub->add_option("-o,--output", a->output, "Output file: FITS (32-bit float) or .tif/.tiff")
      ->required();
  sub->add_option("--std-dev", a->std_dev,
                  "Standard deviation in pixels, 0 to 1500 (GIMP's plug-in-gauss radius x 0.32)")
      ->capture_default_str();
  sub->add_option("--std-dev-y", a->std_dev_y, "Vertical standard deviation (default: --std-dev)");
  sub->add_option("--filter", a->filter,
                  "auto (sampled kernel below 1 pixel, recursive filter from 1), fir or iir")
      ->capture_default_str()
      ->check(CLI::IsMember({"auto", "fir", "iir"}));
  sub->add_option("--edges", a->edges, "clamp (repeat the edge pixels) or black")
      ->capture_default_str()
      ->check(CLI::IsMember({"clamp", "black"}));
  sub->add_flag("--linear-light", a->linear_light,
                "Blur linear light as GIMP's Gaussian Blur dialog does, not the stored numbers");
  sub->add_option("--trc", a->trc,
                  "How GIMP holds the numbers: perceptual (a float TIFF opened in GIMP) or linear")
      ->capture_default_str()
      ->check(CLI::IsMember({"perceptual", "linear"}));
  sub->callback([a, &global] {
    GaussianBlurParams params;
    params.std_dev_x = a->std_dev;
    params.std_dev_y = a->std_dev_y.value_or(a->std_dev);
    params.filter = a->filter == "fir"   ? BlurFilter::Fir
                    : a->filter == "iir" ? BlurFilter::Iir
                                         : BlurFilter::Auto;
    params.edges = a->edges == "black" ? BlurEdges::Black : BlurEdges::Clamp;
    params.storage = parse_trc(a->trc);
    params.working = a->linear_light ? Trc::Linear : params.storage;
    about_file(a->input, [&] { params.validate(); });
    const std::filesystem::path inputs[] = {a->input};
    check_output(a->output, inputs);
    Image image = read_input(a->input);
    gaussian_blur(image.view(), params);
    write_output(a->output, image, describe(params), inputs);
    if (!global.quiet)
      std::printf("%s: %s\n", a->output.string().c_str(), describe(params).c_str());
  });
}

}  // namespace astropack::cli
