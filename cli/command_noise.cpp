// SPDX-License-Identifier: GPL-3.0-or-later
// `astropack noise IN [--reference SRC] [--json]`: background noise per channel
// (Siril's bgnoise) and, against the image it was made from, the noise ratio.
#include <CLI/CLI.hpp>
#include <nlohmann/json.hpp>

#include <cstdio>
#include <memory>

#include "astropack/noise_ratio.hpp"
#include "commands.hpp"
#include "process_io.hpp"

namespace astropack::cli {

namespace {
struct NoiseArgs {
  std::filesystem::path input, reference;
  bool json = false;
};

const char* channel_name(std::size_t channels, std::size_t c) {
  static const char* names[] = {"red", "green", "blue"};
  return channels == 1 ? "mono" : names[c];
}
}  // namespace

void add_noise_command(CLI::App& app, const GlobalOptions&) {
  auto a = std::make_shared<NoiseArgs>();
  CLI::App* sub = app.add_subcommand(
      "noise", "Background noise per channel as Siril's bgnoise, and the ratio to a source image");
  sub->add_option("input", a->input, "Image to measure (FITS or TIFF)")->required();
  sub->add_option("--reference", a->reference,
                  "The image INPUT was made from: print noise(INPUT) / noise(REFERENCE) per "
                  "channel (close to 1 means the processing kept the noise in check)");
  sub->add_flag("--json", a->json, "Machine-readable output");
  sub->callback([a] {
    const Image image = read_input(a->input);
    const std::size_t channels = image.channels();
    nlohmann::json j;
    j["file"] = a->input.string();
    nlohmann::json rows = nlohmann::json::array();
    if (a->reference.empty()) {
      const std::vector<double> noise = background_noise_per_channel(image.view());
      double sum = 0;
      for (std::size_t c = 0; c < channels; ++c) {
        sum += noise[c];
        rows.push_back({{"channel", channel_name(channels, c)}, {"noise", noise[c]}});
      }
      j["channels"] = rows;
      j["mean"] = sum / double(channels);
      if (a->json) {
        std::printf("%s\n", j.dump(2).c_str());
        return;
      }
      std::printf("%s: background noise (normalised, and x65535 ADU)\n", a->input.string().c_str());
      for (std::size_t c = 0; c < channels; ++c)
        std::printf("  %-6s %.6e  (%.3f)\n", channel_name(channels, c), noise[c], noise[c] * 65535.0);
      if (channels > 1)
        std::printf("  %-6s %.6e  (%.3f)\n", "mean", sum / double(channels),
                    sum / double(channels) * 65535.0);
      return;
    }
    const Image source = read_input(a->reference);
    const std::vector<ChannelNoiseRatio> ratios =
        about_file(a->input, [&] { return noise_ratio(image.view(), source.view()); });
    j["reference"] = a->reference.string();
    for (std::size_t c = 0; c < channels; ++c)
      rows.push_back({{"channel", channel_name(channels, c)}, {"noise", ratios[c].processed},
                      {"reference_noise", ratios[c].source}, {"ratio", ratios[c].ratio}});
    j["channels"] = rows;
    if (a->json) {
      std::printf("%s\n", j.dump(2).c_str());
      return;
    }
    std::printf("%s against %s: background noise and ratio\n", a->input.string().c_str(),
                a->reference.string().c_str());
    std::printf("  %-6s %-13s %-13s %s\n", "", "this image", "reference", "ratio");
    for (std::size_t c = 0; c < channels; ++c)
      std::printf("  %-6s %.6e  %.6e  %.4f\n", channel_name(channels, c), ratios[c].processed,
                  ratios[c].source, ratios[c].ratio);
  });
}

}  // namespace astropack::cli
