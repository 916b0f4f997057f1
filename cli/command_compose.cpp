// SPDX-License-Identifier: GPL-3.0-or-later
// `astropack compose --stars S --ha H --oiii O --nebula N -o OUT [options]`: the
// workflow's GIMP layer stack (nebula_composite.hpp) in one command.
#include <CLI/CLI.hpp>
#include <cstdio>
#include <memory>
#include <vector>

#include "astropack/nebula_composite.hpp"
#include "commands.hpp"
#include "process_io.hpp"
#include "terminal_progress.hpp"

namespace astropack::cli {

namespace {

struct ComposeArgs {
  std::filesystem::path stars, ha, oiii, nebula, output;
  NebulaCompositeParams params;
  bool no_unsharp = false;
  std::string trc = "perceptual";
};

void add_layer_options(CLI::App* sub, const char* name, const char* label,
                       CompositeLayerParams& layer) {
  const std::string prefix = std::string("--") + name;
  sub->add_option(prefix + "-black", layer.black_point,
                  std::string(label) + " black point (Levels input low), 0 to below 1")
      ->capture_default_str();
  sub->add_option(prefix + "-blur", layer.blur,
                  std::string(label) + " Gaussian blur, standard deviation in pixels (0: none)")
      ->capture_default_str();
  sub->add_option(prefix + "-opacity", layer.opacity, std::string(label) + " layer opacity, 0 to 1")
      ->capture_default_str();
}

}  // namespace

void add_compose_command(CLI::App& app, const GlobalOptions& global) {
  auto a = std::make_shared<ComposeArgs>();
  CLI::App* sub = app.add_subcommand(
      "compose",
      "Build the nebula composite as GIMP 2.10 would: stars (unsharp-masked) in lighten only on "
      "top, Ha red and OIII cyan in screen beneath, nebula normal at the bottom");
  sub->add_option("--stars", a->stars, "Stars layer (FITS or TIFF)");
  sub->add_option("--ha", a->ha, "Ha layer, grey or RGB; colourised red");
  sub->add_option("--oiii", a->oiii, "OIII layer, grey or RGB; colourised cyan");
  sub->add_option("--nebula", a->nebula, "Bottom layer (black when absent)");
  sub->add_option("-o,--output", a->output, "Output file: FITS (32-bit float) or .tif/.tiff")
      ->required();
  add_layer_options(sub, "stars", "Stars", a->params.stars);
  add_layer_options(sub, "ha", "Ha", a->params.ha);
  add_layer_options(sub, "oiii", "OIII", a->params.oiii);
  add_layer_options(sub, "nebula", "Nebula", a->params.nebula);
  sub->add_option("--ha-hue", a->params.ha_hue, "Hue of the Ha layer, degrees")
      ->capture_default_str();
  sub->add_option("--oiii-hue", a->params.oiii_hue, "Hue of the OIII layer, degrees")
      ->capture_default_str();
  sub->add_option("--saturation", a->params.saturation,
                  "Colourise saturation of Ha and OIII, 0 to 100")
      ->capture_default_str();
  sub->add_option("--lightness", a->params.lightness,
                  "Colourise lightness of Ha and OIII, -100 to 100")
      ->capture_default_str();
  sub->add_option("--unsharp-radius", a->params.stars_sharpening.radius,
                  "Unsharp mask of the stars: radius (standard deviation, pixels)")
      ->capture_default_str();
  sub->add_option("--unsharp-amount", a->params.stars_sharpening.amount,
                  "Unsharp mask of the stars: amount, 0 to 300")
      ->capture_default_str();
  sub->add_option("--unsharp-threshold", a->params.stars_sharpening.threshold,
                  "Unsharp mask of the stars: threshold, 0 to 1 (GIMP's 0-255 / 255)")
      ->capture_default_str();
  sub->add_flag("--no-unsharp", a->no_unsharp, "Do not sharpen the stars layer");
  sub->add_option("--trc", a->trc,
                  "How GIMP holds the numbers: perceptual (a float TIFF opened in GIMP) or linear")
      ->capture_default_str()
      ->check(CLI::IsMember({"perceptual", "linear"}));
  sub->callback([a, &global] {
    a->params.sharpen_stars = !a->no_unsharp;
    a->params.storage = parse_trc(a->trc);
    std::vector<std::filesystem::path> inputs;
    for (const auto* file : {&a->nebula, &a->ha, &a->oiii, &a->stars})
      if (!file->empty()) inputs.push_back(*file);
    if (inputs.empty())
      throw Error(ErrorKind::InvalidArgument, a->output,
                  "give at least one layer: --nebula, --ha, --oiii or --stars.");
    about_file(inputs.front(), [&] { a->params.validate(); });
    check_output(a->output, inputs);

    std::vector<Image> images;
    images.reserve(inputs.size());
    for (const auto& file : inputs) {
      images.push_back(read_input(file));
      const Image& image = images.back();
      if (image.channels() != 1 && image.channels() != 3)
        throw Error(ErrorKind::InvalidInput, file, "a layer must be a grey or an RGB image.");
      const Image& first = images.front();
      if (image.width() != first.width() || image.height() != first.height()) {
        std::string sentence = "this layer is ";
        sentence.append(std::to_string(image.width())).append(" x ");
        sentence.append(std::to_string(image.height())).append(" but ");
        sentence.append(inputs.front().string()).append(" is ");
        sentence.append(std::to_string(first.width())).append(" x ");
        sentence.append(std::to_string(first.height()));
        sentence.append("; all layers must have the same size (crop or register them first).");
        throw Error(ErrorKind::InvalidInput, file, sentence);
      }
    }
    NebulaLayers layers;
    std::size_t next = 0;
    auto take = [&](const std::filesystem::path& file, std::optional<ConstImageView>& slot) {
      if (!file.empty()) slot = ConstImageView(images[next++].view());
    };
    take(a->nebula, layers.nebula);
    take(a->ha, layers.ha);
    take(a->oiii, layers.oiii);
    take(a->stars, layers.stars);

    TerminalProgress progress(!global.quiet);
    Image result =
        about_file(inputs.front(), [&] { return compose_nebula(layers, a->params, progress); });
    result.header() = images.front().header();
    write_output(a->output, result, describe(a->params), inputs);
    if (!global.quiet)
      std::printf("%s: composite of %zu layer%s\n", a->output.string().c_str(), inputs.size(),
                  inputs.size() == 1 ? "" : "s");
  });
}

}  // namespace astropack::cli
