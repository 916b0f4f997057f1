// SPDX-License-Identifier: GPL-3.0-or-later
// `astropack starless IN -o STARLESS [--stars STARS] [--mask MASK] [--screen] ...`
#include <CLI/CLI.hpp>
#include <cstdio>
#include <memory>
#include <vector>

#include "astropack/star_separation.hpp"
#include "commands.hpp"
#include "process_io.hpp"
#include "terminal_progress.hpp"

namespace astropack::cli {

namespace {
struct StarlessArgs {
  std::filesystem::path input, output, stars, mask;
  StarSeparationParams params;
  bool screen = false;
};

void require_distinct(const std::vector<std::filesystem::path>& outputs) {
  for (std::size_t i = 0; i < outputs.size(); ++i)
    for (std::size_t j = i + 1; j < outputs.size(); ++j)
      if (!outputs[i].empty() && !outputs[j].empty() &&
          std::filesystem::absolute(outputs[i]).lexically_normal() ==
              std::filesystem::absolute(outputs[j]).lexically_normal())
        throw Error(ErrorKind::InvalidArgument, outputs[j],
                    "the starless, stars and mask outputs need different file names.");
}
}  // namespace

void add_starless_command(CLI::App& app, const GlobalOptions& global) {
  auto a = std::make_shared<StarlessArgs>();
  CLI::App* sub = app.add_subcommand(
      "starless",
      "Separate the stars from the nebula without a neural network: detect, mask by size, "
      "fill from the surroundings");
  sub->add_option("input", a->input, "Image (FITS or TIFF), grey or RGB")->required();
  sub->add_option("-o,--output", a->output, "Starless image: FITS (32-bit float) or .tif/.tiff")
      ->required();
  sub->add_option("--stars", a->stars, "Also write the stars layer (image - starless)");
  sub->add_option("--mask", a->mask, "Also write the star mask (1 where stars were removed)");
  sub->add_flag("--screen", a->screen,
                "Stars layer for a screen blend: 1 - (1 - image) / (1 - starless)");
  sub->add_option("--threshold", a->params.threshold, "Detection threshold, sigmas, 1 to 100")
      ->capture_default_str();
  sub->add_option("--min-peak", a->params.min_peak,
                  "Weakest star peak, sigmas, from the threshold to 1000")
      ->capture_default_str();
  sub->add_option("--max-fwhm", a->params.max_fwhm,
                  "Broadest star core in pixels, 1 to 100; broader peaks are nebula")
      ->capture_default_str();
  sub->add_option("--tile", a->params.tile, "Background mesh tile in pixels, 8 to 1024")
      ->capture_default_str();
  sub->add_option("--mask-level", a->params.mask_level,
                  "Masks reach down to this many noise sigmas of each star's profile, 0.1 to 10")
      ->capture_default_str();
  sub->add_option("--mask-growth", a->params.mask_growth, "Mask radius factor, 1 to 5")
      ->capture_default_str();
  sub->add_option("--mask-margin", a->params.mask_margin, "Pixels added to each mask, 0 to 50")
      ->capture_default_str();
  sub->callback([a, &global] {
    a->params.stars_layer = a->screen ? StarsLayer::ScreenInverse : StarsLayer::Difference;
    about_file(a->input, [&] { a->params.validate(); });
    const std::filesystem::path inputs[] = {a->input};
    require_distinct({a->output, a->stars, a->mask});
    check_output(a->output, inputs);
    if (!a->stars.empty()) check_output(a->stars, inputs);
    if (!a->mask.empty()) check_output(a->mask, inputs);
    const Image image = read_input(a->input);
    TerminalProgress progress(!global.quiet);
    StarSeparationResult r =
        about_file(a->input, [&] { return separate_stars(image.view(), a->params, progress); });
    const std::string what = describe(a->params);
    r.starless.header() = image.header();
    write_output(a->output, r.starless, what, inputs);
    if (!a->stars.empty()) {
      r.stars.header() = image.header();
      write_output(a->stars, r.stars, what + " (stars)", inputs);
    }
    if (!a->mask.empty()) {
      Image mask(image.width(), image.height(), 1);
      for (std::size_t i = 0; i < r.mask.size(); ++i) mask.samples()[i] = r.mask[i] ? 1.0f : 0.0f;
      mask.header() = image.header();
      write_output(a->mask, mask, what + " (mask)", inputs);
    }
    if (!global.quiet) {
      std::size_t masked = 0;
      for (std::uint8_t m : r.mask) masked += m;
      std::printf("%s: %zu stars removed (%.1f %% of the pixels masked)",
                  a->output.string().c_str(), r.found.size(),
                  100.0 * double(masked) / double(r.mask.size()));
      if (r.nebula_components > 0)
        std::printf(", %zu broad peaks kept as nebula", r.nebula_components);
      std::printf("\n");
    }
  });
}

}  // namespace astropack::cli
