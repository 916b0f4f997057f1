// SPDX-License-Identifier: GPL-3.0-or-later
// Selection files: JSON through nlohmann::json (keys in a fixed order, so the
// files diff well), CSV by hand.
#include "astropack/selection_file.hpp"

#include <cmath>
#include <cstdio>
#include <fstream>
#include <sstream>
#include <string>

#include <nlohmann/json.hpp>

#include "astropack/error.hpp"
#include "astropack/output_file.hpp"

namespace astropack {

namespace fs = std::filesystem;

namespace {

constexpr const char* kFormat = "astropack-selection";
constexpr int kVersion = 1;

fs::path folder_of(const fs::path& file) {
  return fs::absolute(file).lexically_normal().parent_path();
}

std::string stored_name(const fs::path& frame, const fs::path& folder) {
  const fs::path absolute = fs::absolute(frame).lexically_normal();
  const fs::path relative = absolute.lexically_relative(folder);
  return relative.empty() ? absolute.generic_string() : relative.generic_string();
}

void write_text(const fs::path& file, const std::string& text) {
  OutputFile out(file);
  {
    std::ofstream stream(out.temporary(), std::ios::binary | std::ios::trunc);
    stream.write(text.data(), std::streamsize(text.size()));
    stream.close();
    if (!stream) throw Error(ErrorKind::Unwritable, file, "could not be written (disk full?).");
  }
  out.commit();
}

// JSON has no NaN or infinity: they are written as null and read back as 0.
nlohmann::ordered_json number(double v) {
  return std::isfinite(v) ? nlohmann::ordered_json(v) : nlohmann::ordered_json(nullptr);
}

double roundness(const FrameQuality& q) {
  return q.fitted > 0 ? std::sqrt(std::max(0.0, 1 - q.eccentricity * q.eccentricity)) : 0.0;
}

}  // namespace

void write_selection_json(const fs::path& file, const FrameSelection& selection) {
  const fs::path folder = folder_of(file);
  nlohmann::ordered_json root;
  root["format"] = kFormat;
  root["version"] = kVersion;
  root["expression"] = selection.expression;
  root["weighting"] = std::string(to_string(selection.weight_mode));
  if (selection.reference >= 0) {
    root["reference"] = stored_name(selection.frames[std::size_t(selection.reference)].file,
                                    folder);
  } else {
    root["reference"] = nullptr;
  }
  root["reference_index"] = selection.reference;
  nlohmann::ordered_json frames = nlohmann::ordered_json::array();
  for (const SelectedFrame& f : selection.frames) {
    const FrameQuality& q = f.quality;
    nlohmann::ordered_json o;
    o["file"] = stored_name(f.file, folder);
    o["kept"] = f.kept;
    o["reason"] = f.reason;
    o["weight"] = number(f.weight);
    o["relative_weight"] = number(f.metrics.weight);
    o["stars"] = q.stars;
    o["detected"] = q.detected;
    o["fitted"] = q.fitted;
    o["fwhm"] = number(q.fwhm);
    o["fwhm_arcsec"] = number(q.fwhm_arcsec);
    o["arcsec_per_px"] = number(q.arcsec_per_px);
    o["eccentricity"] = number(q.eccentricity);
    o["star_eccentricity"] = number(q.star_eccentricity);
    o["roundness"] = number(roundness(q));
    o["background"] = number(q.background);
    o["noise"] = number(q.noise);
    o["snr"] = number(q.snr);
    o["snr_weight"] = number(q.snr_weight);
    o["psf_weight"] = number(q.psf_weight);
    o["cfa"] = q.cfa;
    frames.push_back(std::move(o));
  }
  root["frames"] = std::move(frames);
  write_text(file, root.dump(2).append("\n"));
}

void write_selection_csv(const fs::path& file, const FrameSelection& selection) {
  const fs::path folder = folder_of(file);
  std::string text =
      "index,file,kept,weight,relative_weight,stars,detected,fitted,fwhm,fwhm_arcsec,"
      "eccentricity,star_eccentricity,roundness,background,noise,snr,snr_weight,psf_weight,"
      "reason\n";
  auto quoted = [](const std::string& s) {
    std::string out = "\"";
    for (char c : s) out.append(c == '"' ? "\"\"" : std::string(1, c));
    return out.append("\"");
  };
  for (std::size_t i = 0; i < selection.frames.size(); ++i) {
    const SelectedFrame& f = selection.frames[i];
    const FrameQuality& q = f.quality;
    char numbers[512];
    std::snprintf(numbers, sizeof numbers,
                  "%zu,%s,%d,%.6g,%.6g,%zu,%zu,%zu,%.4f,%.4f,%.4f,%.4f,%.4f,%.6g,%.6g,%.5g,%.5g,"
                  "%.6g,",
                  i + 1, quoted(stored_name(f.file, folder)).c_str(), f.kept ? 1 : 0, f.weight,
                  f.metrics.weight, q.stars, q.detected, q.fitted, q.fwhm, q.fwhm_arcsec,
                  q.eccentricity, q.star_eccentricity, roundness(q), q.background, q.noise, q.snr,
                  q.snr_weight, q.psf_weight);
    text.append(numbers).append(quoted(f.reason)).append("\n");
  }
  write_text(file, text);
}

namespace {

template <typename Bad>
FrameSelection selection_from(const nlohmann::json& root, const fs::path& folder, Bad& bad) {
  if (!root.is_object() || root.value("format", std::string()) != kFormat)
    throw bad("its \"format\" is not \"" + std::string(kFormat) + "\"");
  if (!root.contains("version") || !root["version"].is_number_integer() ||
      root["version"].get<int>() > kVersion)
    throw bad("its \"version\" is missing or newer than this astropack reads (" +
              std::to_string(kVersion) + ")");
  if (!root.contains("frames") || !root["frames"].is_array()) throw bad("\"frames\" is not a list");
  FrameSelection selection;
  selection.expression = root.value("expression", std::string());
  const auto mode = parse_weight_mode(root.value("weighting", std::string("snr")));
  if (!mode) throw bad("\"weighting\" is not snr, psf or none");
  selection.weight_mode = *mode;
  for (std::size_t i = 0; i < root["frames"].size(); ++i) {
    const nlohmann::json& o = root["frames"][i];
    const std::string where = "frame " + std::to_string(i + 1);
    if (!o.is_object() || !o.contains("file") || !o["file"].is_string() ||
        !o.contains("kept") || !o["kept"].is_boolean())
      throw bad(where + " lacks its \"file\" or \"kept\"");
    auto real = [&](const char* key) {
      if (!o.contains(key) || o[key].is_null()) return 0.0;
      if (!o[key].is_number()) throw bad(where + ": \"" + key + "\" is not a number");
      return o[key].get<double>();
    };
    auto count = [&](const char* key) {
      const double v = real(key);
      if (v < 0 || v != std::floor(v)) throw bad(where + ": \"" + key + "\" is not a count");
      return std::size_t(v);
    };
    SelectedFrame f;
    const fs::path stored = fs::path(o["file"].get<std::string>());
    f.file = stored.is_absolute() ? stored : (folder / stored).lexically_normal();
    f.kept = o["kept"].get<bool>();
    f.reason = o.value("reason", std::string());
    f.weight = real("weight");
    if (f.weight < 0) throw bad(where + ": \"weight\" is negative");
    FrameQuality& q = f.quality;
    q.stars = count("stars");
    q.detected = count("detected");
    q.fitted = count("fitted");
    q.fwhm = real("fwhm");
    q.fwhm_arcsec = real("fwhm_arcsec");
    q.arcsec_per_px = real("arcsec_per_px");
    q.eccentricity = real("eccentricity");
    q.star_eccentricity = real("star_eccentricity");
    q.background = real("background");
    q.noise = real("noise");
    q.snr = real("snr");
    q.snr_weight = real("snr_weight");
    q.psf_weight = real("psf_weight");
    q.cfa = o.value("cfa", false);
    f.metrics = selection_metrics(std::span<const FrameQuality>(&q, 1), selection.weight_mode)[0];
    f.metrics.weight = real("relative_weight");
    f.metrics.frame = double(i + 1);
    selection.frames.push_back(std::move(f));
  }
  const int reference = root.value("reference_index", -1);
  if (reference < -1 || reference >= int(selection.frames.size()))
    throw bad("\"reference_index\" is not one of the frames");
  selection.reference = reference;
  return selection;
}

}  // namespace

FrameSelection read_selection_json(const fs::path& file) {
  std::error_code ec;
  if (!fs::exists(file, ec))
    throw Error(ErrorKind::NotFound, file, "does not exist; run 'astropack select' to make it.");
  std::ifstream in(file, std::ios::binary);
  if (!in) throw Error(ErrorKind::Unreadable, file, "cannot be opened for reading.");
  std::stringstream buffer;
  buffer << in.rdbuf();
  nlohmann::json root;
  try {
    root = nlohmann::json::parse(buffer.str());
  } catch (const nlohmann::json::parse_error& e) {
    throw Error(ErrorKind::InvalidInput, file,
                "is not valid JSON (at byte " + std::to_string(e.byte) +
                    "); write it again with 'astropack select'.");
  }
  auto bad = [&](const std::string& what) {
    return Error(ErrorKind::InvalidInput, file,
                 "is not a usable selection file: " + what +
                     "; write it again with 'astropack select'.");
  };
  try {
    return selection_from(root, folder_of(file), bad);
  } catch (const nlohmann::json::exception&) {
    throw bad("a field has the wrong type");
  }
}


const SelectedFrame* find_selected(const FrameSelection& selection, const fs::path& file) {
  const fs::path wanted = fs::absolute(file).lexically_normal();
  const SelectedFrame* by_name = nullptr;
  std::size_t same_name = 0;
  for (const SelectedFrame& f : selection.frames) {
    if (fs::absolute(f.file).lexically_normal() == wanted) return &f;
    if (f.file.filename() == file.filename()) {
      by_name = &f;
      ++same_name;
    }
  }
  return same_name == 1 ? by_name : nullptr;
}

}  // namespace astropack
