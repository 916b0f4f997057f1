// SPDX-License-Identifier: GPL-3.0-or-later
#include "astropack/master_inputs.hpp"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <functional>
#include <map>
#include <optional>

#include "astropack/error.hpp"

namespace astropack {

namespace fs = std::filesystem;

MasterType parse_master_type(std::string_view name) {
  if (name == "bias" || name == "offset") return MasterType::Bias;
  if (name == "dark") return MasterType::Dark;
  if (name == "flat") return MasterType::Flat;
  if (name == "darkflat" || name == "dark-flat" || name == "flatdark") return MasterType::DarkFlat;
  throw Error(ErrorKind::InvalidArgument, "unknown master type '" + std::string(name) +
                                              "'; use bias, dark, flat or darkflat.");
}

std::string_view to_string(MasterType type) noexcept {
  switch (type) {
    case MasterType::Bias: return "bias";
    case MasterType::Dark: return "dark";
    case MasterType::Flat: return "flat";
    case MasterType::DarkFlat: return "darkflat";
  }
  return "bias";
}

std::string_view image_type_keyword(MasterType type) noexcept {
  switch (type) {
    case MasterType::Bias: return "Master Bias";
    case MasterType::Dark: return "Master Dark";
    case MasterType::Flat: return "Master Flat";
    case MasterType::DarkFlat: return "Master Dark Flat";
  }
  return "Master Bias";
}

namespace {

std::string number_text(double value) {
  char buffer[32];
  std::snprintf(buffer, sizeof buffer, "%g", value);
  return buffer;
}

fs::path frame_name(const FrameSet& frames, std::size_t i) {
  fs::path file = frames.file(i);
  return file.empty() ? fs::path("frame " + std::to_string(i + 1)) : file;
}

// Frames whose property (as text; empty = unknown) differs from the most common value.
std::optional<InputMismatch> odd_ones(const FrameSet& frames, std::string property,
                                      const std::function<std::string(const Header&)>& key) {
  std::map<std::string, std::size_t> counts;
  for (std::size_t i = 0; i < frames.size(); ++i) ++counts[key(frames.header(i))];
  if (counts.size() <= 1) return std::nullopt;
  const auto most = std::max_element(counts.begin(), counts.end(),
                                     [](const auto& a, const auto& b) { return a.second < b.second; });
  InputMismatch mismatch{std::move(property), most->first.empty() ? "unknown" : most->first, {}};
  for (std::size_t i = 0; i < frames.size(); ++i)
    if (key(frames.header(i)) != most->first) mismatch.odd.push_back(frame_name(frames, i));
  return mismatch;
}

std::string optional_text(const std::optional<double>& value, const char* unit) {
  return value ? number_text(*value) + unit : std::string();
}

}  // namespace

std::vector<InputMismatch> find_input_mismatches(MasterType type, const FrameSet& frames) {
  std::vector<InputMismatch> found;
  auto check = [&](std::string property, const std::function<std::string(const Header&)>& key) {
    if (auto m = odd_ones(frames, std::move(property), key)) found.push_back(std::move(*m));
  };
  if (type != MasterType::Flat) {
    // Flats are often taken with automatic exposure; that is fine.
    check("exposure", [](const Header& h) { return optional_text(h.exposure, " s"); });
  }
  check("gain", [](const Header& h) { return optional_text(h.gain, ""); });
  check("ISO", [](const Header& h) { return h.iso ? std::to_string(*h.iso) : std::string(); });
  check("offset", [](const Header& h) { return optional_text(h.offset, ""); });
  check("binning", [](const Header& h) {
    return std::to_string(h.binning_x) + "x" + std::to_string(h.binning_y);
  });
  if (type == MasterType::Flat) check("filter", [](const Header& h) { return h.filter; });

  if (type == MasterType::Dark || type == MasterType::DarkFlat) {
    std::vector<double> temperatures;
    for (std::size_t i = 0; i < frames.size(); ++i)
      if (frames.header(i).temperature) temperatures.push_back(*frames.header(i).temperature);
    if (!temperatures.empty()) {
      std::nth_element(temperatures.begin(), temperatures.begin() + temperatures.size() / 2,
                       temperatures.end());
      const double median = temperatures[temperatures.size() / 2];
      InputMismatch mismatch{"temperature", number_text(median) + " C", {}};
      for (std::size_t i = 0; i < frames.size(); ++i) {
        const auto& t = frames.header(i).temperature;
        if (t && std::fabs(*t - median) > kDarkTemperatureTolerance)
          mismatch.odd.push_back(frame_name(frames, i));
      }
      if (!mismatch.odd.empty()) found.push_back(std::move(mismatch));
    }
  }
  return found;
}

std::string describe(const InputMismatch& mismatch) {
  std::string text = "frames differ in ";
  text.append(mismatch.property).append(" (most are ").append(mismatch.expected).append("): ");
  for (std::size_t i = 0; i < mismatch.odd.size(); ++i) {
    if (i == 8) {
      text.append(" and ").append(std::to_string(mismatch.odd.size() - 8)).append(" more");
      break;
    }
    if (i > 0) text.append(", ");
    text.append(mismatch.odd[i].string());
  }
  return text;
}

}  // namespace astropack
