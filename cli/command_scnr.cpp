// SPDX-License-Identifier: GPL-3.0-or-later
// `astropack scnr IN -o OUT [--method M] [--amount A] [--no-preserve-lightness]`
#include <CLI/CLI.hpp>

#include <cstdio>
#include <memory>

#include "astropack/scnr.hpp"
#include "commands.hpp"
#include "process_io.hpp"

namespace astropack::cli {

namespace {
struct ScnrArgs {
  std::filesystem::path input, output;
  std::string method = "average-neutral";
  double amount = 1.0;
  bool no_preserve = false;
};
}  // namespace

void add_scnr_command(CLI::App& app, const GlobalOptions& global) {
  auto a = std::make_shared<ScnrArgs>();
  CLI::App* sub = app.add_subcommand(
      "scnr", "Remove green noise (SCNR) from an RGB image, as Siril's rmgreen");
  sub->add_option("input", a->input, "RGB image (FITS or TIFF)")->required();
  sub->add_option("-o,--output", a->output, "Output file: FITS (32-bit float) or .tif/.tiff")
      ->required();
  sub->add_option("--method", a->method,
                  "average-neutral: G = min(G, (R+B)/2); maximum-neutral: G = min(G, max(R,B)); "
                  "maximum-mask and additive-mask: G scaled by a mask of R and B and --amount")
      ->capture_default_str()
      ->check(CLI::IsMember({"average-neutral", "maximum-neutral", "maximum-mask",
                             "additive-mask"}));
  sub->add_option("--amount", a->amount,
                  "Strength of the mask methods, 0 to 1 (Siril 1.0's rmgreen uses 0, which "
                  "changes nothing)")
      ->capture_default_str();
  sub->add_flag("--no-preserve-lightness", a->no_preserve,
                "Do not restore the CIE L* lightness of each pixel afterwards");
  sub->callback([a, &global] {
    ScnrParams params;
    params.method = *parse_scnr_method(a->method);
    params.amount = a->amount;
    params.preserve_lightness = !a->no_preserve;
    about_file(a->input, [&] { params.validate(); });
    const std::filesystem::path inputs[] = {a->input};
    check_output(a->output, inputs);
    Image image = read_input(a->input);
    const ScnrResult result =
        about_file(a->input, [&] { return scnr(image.view(), image.view(), params); });
    write_output(a->output, image, describe(params), inputs);
    if (!global.quiet) {
      std::printf("%s: SCNR %s", a->output.string().c_str(), a->method.c_str());
      if (result.above_one > 0) std::printf(", %zu pixels above 1 (kept)", result.above_one);
      std::printf("\n");
    }
  });
}

}  // namespace astropack::cli
