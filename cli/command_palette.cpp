// SPDX-License-Identifier: GPL-3.0-or-later
// `astropack palette hoo|synthetic|blend --ha HA --oiii OIII -o OUT [weights]`
#include <CLI/CLI.hpp>

#include <cstdio>
#include <memory>

#include "astropack/haoiii.hpp"
#include "commands.hpp"
#include "process_io.hpp"

namespace astropack::cli {

namespace {

struct PaletteArgs {
  std::filesystem::path ha, oiii, output;
  double ha_weight = 0.5, oiii_weight = 0.5;
  std::vector<double> red{1.0, 0.0}, green{0.5, 0.5}, blue{0.0, 1.0};
};

void add_files(CLI::App* sub, PaletteArgs& a) {
  sub->add_option("--ha", a.ha, "Ha image (one channel)")->required();
  sub->add_option("--oiii", a.oiii, "OIII image (one channel, same size)")->required();
  sub->add_option("-o,--output", a.output, "RGB output: FITS (32-bit float) or .tif/.tiff")
      ->required();
}

void run(const PaletteArgs& a, const GlobalOptions& global, const BicolourMix& mix) {
  about_file(a.ha, [&] { mix.validate(); });
  const std::filesystem::path inputs[] = {a.ha, a.oiii};
  check_output(a.output, inputs);
  const Image ha = read_input(a.ha);
  const Image oiii = read_input(a.oiii);
  Image out = about_file(a.oiii, [&] { return bicolour_palette(ha, oiii, mix); });
  write_output(a.output, out, describe(mix), inputs);
  if (!global.quiet) std::printf("%s: %s\n", a.output.string().c_str(), describe(mix).c_str());
}

}  // namespace

void add_palette_command(CLI::App& app, const GlobalOptions& global) {
  auto a = std::make_shared<PaletteArgs>();
  CLI::App* palette = app.add_subcommand(
      "palette", "Bicolour RGB from Ha and OIII: hoo, synthetic (green) or blend");
  palette->require_subcommand(1);

  CLI::App* hoo = palette->add_subcommand("hoo", "R = Ha, G = OIII, B = OIII");
  add_files(hoo, *a);
  hoo->callback([a, &global] { run(*a, global, hoo_mix()); });

  CLI::App* synthetic = palette->add_subcommand(
      "synthetic", "R = Ha, G = a*Ha + b*OIII (synthetic green), B = OIII");
  add_files(synthetic, *a);
  synthetic->add_option("-a,--ha-weight", a->ha_weight, "a, 0 to 2")->capture_default_str();
  synthetic->add_option("-b,--oiii-weight", a->oiii_weight, "b, 0 to 2")->capture_default_str();
  synthetic->callback(
      [a, &global] { run(*a, global, synthetic_green_mix(a->ha_weight, a->oiii_weight)); });

  CLI::App* blend = palette->add_subcommand(
      "blend", "Each channel its own blend of Ha and OIII: --red HA,OIII --green HA,OIII ...");
  add_files(blend, *a);
  blend->add_option("--red", a->red, "Ha and OIII weights of red, each 0 to 2")
      ->delimiter(',')
      ->expected(2)
      ->capture_default_str();
  blend->add_option("--green", a->green, "Ha and OIII weights of green, each 0 to 2")
      ->delimiter(',')
      ->expected(2)
      ->capture_default_str();
  blend->add_option("--blue", a->blue, "Ha and OIII weights of blue, each 0 to 2")
      ->delimiter(',')
      ->expected(2)
      ->capture_default_str();
  blend->callback([a, &global] {
    BicolourMix mix;
    mix.red_ha = a->red[0];
    mix.red_oiii = a->red[1];
    mix.green_ha = a->green[0];
    mix.green_oiii = a->green[1];
    mix.blue_ha = a->blue[0];
    mix.blue_oiii = a->blue[1];
    run(*a, global, mix);
  });
}

}  // namespace astropack::cli
