// SPDX-License-Identifier: GPL-3.0-or-later
// `astropack info FILES...`: header summary and statistics, for people or (--json) scripts.
#include <CLI/CLI.hpp>
#include <nlohmann/json.hpp>

#include <cstdio>
#include <filesystem>
#include <memory>
#include <string>
#include <vector>

#include "astropack/fits.hpp"
#include "astropack/image_file.hpp"
#include "astropack/raw.hpp"
#include "astropack/statistics.hpp"
#include "commands.hpp"

namespace astropack::cli {

namespace {

struct InfoOptions {
  std::vector<std::filesystem::path> files;
  bool json = false;
  bool no_statistics = false;
};

nlohmann::json header_json(const Header& h) {
  nlohmann::json j = nlohmann::json::object();
  auto put = [&](const char* key, const auto& optional) {
    if (optional) j[key] = *optional;
  };
  auto put_text = [&](const char* key, const std::string& text) {
    if (!text.empty()) j[key] = text;
  };
  put("exposure_s", h.exposure);
  put("temperature_c", h.temperature);
  put("gain", h.gain);
  put("offset", h.offset);
  put("iso", h.iso);
  put("electrons_per_adu", h.electrons_per_adu);
  put("pixel_size_um", h.pixel_size_x);
  put("focal_length_mm", h.focal_length);
  put("stack_count", h.stack_count);
  put("live_time_s", h.live_time);
  j["binning"] = std::to_string(h.binning_x) + "x" + std::to_string(h.binning_y);
  put_text("date_obs", h.date_obs);
  put_text("filter", h.filter);
  put_text("image_type", h.image_type);
  put_text("instrument", h.instrument);
  put_text("telescope", h.telescope);
  put_text("object", h.object);
  put_text("bayer_pattern", h.bayer_pattern);
  put_text("row_order", h.row_order);
  return j;
}

nlohmann::json describe(const std::filesystem::path& file, bool with_statistics) {
  nlohmann::json j;
  j["file"] = file.string();
  const ImageFormat format = guess_image_format(file);
  j["format"] = std::string(to_string(format));
  const Image image = read_image(file);
  j["width"] = image.width();
  j["height"] = image.height();
  j["channels"] = image.channels();
  if (format == ImageFormat::Fits) j["bitpix"] = read_fits_info(file).layout.bitpix;
  if (format == ImageFormat::CameraRaw) j["decoder"] = raw_library_version();
  j["header"] = header_json(image.header());
  if (with_statistics) {
    static const char* names[] = {"red", "green", "blue"};
    nlohmann::json channels = nlohmann::json::array();
    const auto stats = compute_statistics(image.view());
    for (std::size_t c = 0; c < stats.size(); ++c) {
      const ChannelStatistics& s = stats[c];
      channels.push_back({{"channel", image.channels() == 1 ? "mono" : names[c]},
                          {"count", s.count}, {"non_finite", s.non_finite},
                          {"min", s.min}, {"max", s.max}, {"mean", s.mean},
                          {"median", s.median}, {"sigma", s.sigma}, {"mad", s.mad},
                          {"background_noise", s.background_noise}});
    }
    j["statistics"] = channels;
  }
  return j;
}

void print_human(const nlohmann::json& j) {
  std::printf("%s\n", j["file"].get<std::string>().c_str());
  std::printf("  format      %s", j["format"].get<std::string>().c_str());
  if (j.contains("bitpix")) std::printf(" (BITPIX %d)", j["bitpix"].get<int>());
  if (j.contains("decoder")) std::printf(" (%s)", j["decoder"].get<std::string>().c_str());
  std::printf("\n  size        %zu x %zu, %zu channel%s\n", j["width"].get<std::size_t>(),
              j["height"].get<std::size_t>(), j["channels"].get<std::size_t>(),
              j["channels"].get<std::size_t>() == 1 ? "" : "s");
  for (const auto& [key, value] : j["header"].items()) {
    std::string text = value.is_string() ? value.get<std::string>() : value.dump();
    std::printf("  %-18s %s\n", key.c_str(), text.c_str());
  }
  if (j.contains("statistics")) {
    std::printf("  %-6s %12s %12s %12s %12s %12s %12s\n", "", "min", "max", "mean", "median",
                "sigma", "bgnoise");
    for (const auto& s : j["statistics"]) {
      std::printf("  %-6s %12.6g %12.6g %12.6g %12.6g %12.6g %12.6g\n",
                  s["channel"].get<std::string>().c_str(), s["min"].get<double>(),
                  s["max"].get<double>(), s["mean"].get<double>(), s["median"].get<double>(),
                  s["sigma"].get<double>(), s["background_noise"].get<double>());
      if (s["non_finite"].get<std::size_t>() > 0)
        std::printf("         (%zu NaN or infinite samples skipped)\n", s["non_finite"].get<std::size_t>());
    }
  }
}

}  // namespace

void add_info_command(CLI::App& app, const GlobalOptions&) {
  auto options = std::make_shared<InfoOptions>();
  CLI::App* sub = app.add_subcommand(
      "info", "Show the header summary and per-channel statistics of FITS, TIFF or raw files");
  sub->add_option("files", options->files, "Image files")->required();
  sub->add_flag("--json", options->json, "Print one JSON document instead of text");
  sub->add_flag("--no-statistics", options->no_statistics, "Only read the header and geometry");
  sub->callback([options] {
    nlohmann::json all = nlohmann::json::array();
    for (const auto& file : options->files) {
      nlohmann::json j = describe(file, !options->no_statistics);
      if (options->json) all.push_back(std::move(j));
      else print_human(j);
    }
    if (options->json) std::printf("%s\n", all.dump(2).c_str());
  });
}

}  // namespace astropack::cli
