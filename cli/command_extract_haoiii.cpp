// SPDX-License-Identifier: GPL-3.0-or-later
// `astropack extract-haoiii IN... -o OUTDIR`: Ha_<name>.fit and OIII_<name>.fit
// per input, from CFA frames as Siril's extract_HaOIII or from RGB images.
#include <CLI/CLI.hpp>

#include <cstdio>
#include <memory>
#include <system_error>

#include "astropack/haoiii.hpp"
#include "commands.hpp"
#include "process_io.hpp"

namespace astropack::cli {

namespace {
struct ExtractArgs {
  std::vector<std::filesystem::path> inputs;
  std::filesystem::path folder;
};
}  // namespace

void add_extract_haoiii_command(CLI::App& app, const GlobalOptions& global) {
  auto a = std::make_shared<ExtractArgs>();
  CLI::App* sub = app.add_subcommand(
      "extract-haoiii",
      "Split Ha and OIII from colour data: CFA frames as Siril's extract_HaOIII (half size), "
      "RGB images as Ha = R, OIII = (G+B)/2");
  sub->add_option("inputs", a->inputs, "CFA frames (with BAYERPAT) or RGB images")->required();
  sub->add_option("-o,--output", a->folder,
                  "Folder for Ha_<name>.fit and OIII_<name>.fit (created if missing)")
      ->required();
  sub->callback([a, &global] {
    std::error_code ec;
    std::filesystem::create_directories(a->folder, ec);
    if (ec || !std::filesystem::is_directory(a->folder))
      throw Error(ErrorKind::Unwritable, a->folder, "cannot be created as an output folder.");
    for (const std::filesystem::path& input : a->inputs) {
      const std::string stem = input.stem().string();
      std::string ha_name = "Ha_", oiii_name = "OIII_";
      ha_name.append(stem).append(".fit");
      oiii_name.append(stem).append(".fit");
      const std::filesystem::path ha_path = a->folder / ha_name;
      const std::filesystem::path oiii_path = a->folder / oiii_name;
      check_output(ha_path, a->inputs);
      check_output(oiii_path, a->inputs);
      const Image image = read_input(input);
      HaOiiiImages bands = about_file(input, [&] { return extract_ha_oiii(image); });
      const char* how = image.channels() == 3 ? "from RGB: Ha=R OIII=(G+B)/2"
                                              : "from CFA: Ha=R site OIII=mean(G,G,B sites)";
      std::string what = "extract-haoiii ";
      what.append(how);
      write_output(ha_path, bands.ha, what, a->inputs);
      write_output(oiii_path, bands.oiii, what, a->inputs);
      if (!global.quiet)
        std::printf("%s: %s and %s (%zu x %zu)\n", input.string().c_str(),
                    ha_path.string().c_str(), oiii_path.string().c_str(), bands.ha.width(),
                    bands.ha.height());
    }
  });
}

}  // namespace astropack::cli
