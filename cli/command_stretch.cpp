// SPDX-License-Identifier: GPL-3.0-or-later
// `astropack stretch asinh|ghs|inverse-ghs|mtf|auto IN -o OUT [options]`
#include <CLI/CLI.hpp>

#include <cstdio>
#include <functional>
#include <memory>

#include "astropack/asinh_stretch.hpp"
#include "astropack/ghs_stretch.hpp"
#include "astropack/mtf_stretch.hpp"
#include "commands.hpp"
#include "process_io.hpp"

namespace astropack::cli {

namespace {

struct StretchArgs {
  std::filesystem::path input, output;
  AsinhParams asinh;
  GhsParams ghs;
  std::string colour = "independent";
  MtfParams mtf;
  AutostretchParams autostretch;
};

void add_files(CLI::App* sub, StretchArgs& a) {
  sub->add_option("input", a.input, "Image to stretch (FITS or TIFF)")->required();
  sub->add_option("-o,--output", a.output, "Output file: FITS (32-bit float) or .tif/.tiff")
      ->required();
}

// Validates, reads, applies, writes; `apply` returns the HISTORY text.
void run(const StretchArgs& a, const GlobalOptions& global, const std::function<void()>& validate,
         const std::function<std::string(Image&)>& apply) {
  about_file(a.input, validate);
  const std::filesystem::path inputs[] = {a.input};
  check_output(a.output, inputs);
  Image image = read_input(a.input);
  const std::string what = about_file(a.input, [&] { return apply(image); });
  write_output(a.output, image, what, inputs);
  if (!global.quiet) std::printf("%s: %s\n", a.output.string().c_str(), what.c_str());
}

void add_ghs(CLI::App* stretch, const std::shared_ptr<StretchArgs>& a, const GlobalOptions& global,
             bool inverse) {
  CLI::App* sub = stretch->add_subcommand(
      inverse ? "inverse-ghs" : "ghs",
      inverse ? "Undo a generalised hyperbolic stretch made with the same parameters"
              : "Generalised hyperbolic stretch, as Siril 1.2's ght");
  add_files(sub, *a);
  sub->add_option("-D,--stretch", a->ghs.stretch, "Stretch factor D, 0 to 10 (0 = no change)")
      ->required();
  sub->add_option("-b,--local-intensity", a->ghs.local_intensity,
                  "Local intensity b, -5 to 15 (0 exponential, >0 hyperbolic, -1 logarithmic)")
      ->capture_default_str();
  sub->add_option("--sp,--symmetry-point", a->ghs.symmetry_point,
                  "Symmetry point SP, 0 to 1: where the stretch is strongest")
      ->capture_default_str();
  sub->add_option("--lp,--shadow-protection", a->ghs.shadow_protection,
                  "Shadow protection LP, 0 to SP: linear below it")
      ->capture_default_str();
  sub->add_option("--hp,--highlight-protection", a->ghs.highlight_protection,
                  "Highlight protection HP, SP to 1: linear above it")
      ->capture_default_str();
  sub->add_option("--colour", a->colour,
                  "RGB: independent (each channel), even or human (one factor from the "
                  "luminance with weights 1/3 or 0.2126/0.7152/0.0722)")
      ->capture_default_str()
      ->check(CLI::IsMember({"independent", "even", "human"}));
  sub->callback([a, &global, inverse] {
    a->ghs.colour = *parse_ghs_colour_model(a->colour);
    run(*a, global, [&] { a->ghs.validate(); }, [&](Image& image) {
      if (inverse)
        inverse_ghs_stretch(image.view(), image.view(), a->ghs);
      else
        ghs_stretch(image.view(), image.view(), a->ghs);
      return describe(a->ghs, inverse);
    });
  });
}

}  // namespace

void add_stretch_command(CLI::App& app, const GlobalOptions& global) {
  auto a = std::make_shared<StretchArgs>();
  CLI::App* stretch = app.add_subcommand(
      "stretch", "Stretch a linear image: asinh, ghs, inverse-ghs, mtf or auto");
  stretch->require_subcommand(1);

  CLI::App* asinh_sub = stretch->add_subcommand("asinh", "Modified arcsinh stretch, as Siril's asinh");
  add_files(asinh_sub, *a);
  asinh_sub->add_option("-s,--stretch", a->asinh.stretch, "Stretch factor beta, 0 to 10000")
      ->required();
  asinh_sub->add_option("--black-point", a->asinh.black_point, "Black point, 0 to 0.99")
      ->capture_default_str();
  asinh_sub->add_flag("--rgb-space", a->asinh.rgb_working_space,
                  "Luminance weights 0.2126/0.7152/0.0722 instead of 1/3 each (RGB images)");
  asinh_sub->callback([a, &global] {
    run(*a, global, [&] { a->asinh.validate(); }, [&](Image& image) {
      asinh_stretch(image.view(), image.view(), a->asinh);
      return describe(a->asinh);
    });
  });

  add_ghs(stretch, a, global, false);
  add_ghs(stretch, a, global, true);

  CLI::App* mtf_sub = stretch->add_subcommand(
      "mtf", "Midtones transfer function on every channel, as Siril's mtf low mid high");
  add_files(mtf_sub, *a);
  mtf_sub->add_option("--low", a->mtf.shadows, "Shadows point, 0 to below --high")
      ->capture_default_str();
  mtf_sub->add_option("--mid", a->mtf.midtones, "Midtones balance, 0.0001 to 0.9999 (0.5 = linear)")
      ->required();
  mtf_sub->add_option("--high", a->mtf.highlights, "Highlights point, above --low to 1")
      ->capture_default_str();
  mtf_sub->callback([a, &global] {
    run(*a, global, [&] { a->mtf.validate(); }, [&](Image& image) {
      mtf_stretch(image.view(), image.view(), a->mtf);
      return describe(a->mtf);
    });
  });

  CLI::App* auto_sub = stretch->add_subcommand(
      "auto", "Automatic MTF stretch from the median and MAD, as Siril's autostretch");
  add_files(auto_sub, *a);
  auto_sub
      ->add_option("--shadows-clipping", a->autostretch.shadows_clipping,
                   "Shadows clipping in MAD-sigma units below the median, -10 to 0")
      ->capture_default_str();
  auto_sub
      ->add_option("--target-background", a->autostretch.target_background,
                   "Background level after the stretch, 0.001 to 0.999")
      ->capture_default_str();
  auto_sub->add_flag("--linked", a->autostretch.linked,
                        "One MTF for all channels (default: one per channel)");
  auto_sub->callback([a, &global] {
    run(*a, global, [&] { a->autostretch.validate(); }, [&](Image& image) {
      const std::vector<MtfParams> used = autostretch(image.view(), image.view(), a->autostretch);
      std::string what = describe(a->autostretch);
      for (std::size_t c = 0; c < used.size() && (c == 0 || !a->autostretch.linked); ++c)
        what.append("; ").append(describe(used[c]));
      return what;
    });
  });
}

}  // namespace astropack::cli
