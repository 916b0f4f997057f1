// SPDX-License-Identifier: GPL-3.0-or-later
// `astropack stars FILE [--csv|--json] [--mask OUT.fit]`: the stars
// astropack detects in a frame with their PSF fits, as a table, CSV or JSON,
// and optionally a star mask (1 on the stars, 0 elsewhere).
#include <CLI/CLI.hpp>

#include <nlohmann/json.hpp>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <memory>
#include <string>
#include <vector>

#include "astropack/error.hpp"
#include "astropack/frame_quality.hpp"
#include "astropack/statistics.hpp"
#include "commands.hpp"
#include "process_io.hpp"

namespace astropack::cli {

namespace fs = std::filesystem;

namespace {

struct StarsArgs {
  fs::path input, mask;
  bool csv = false, json = false;
  double threshold = 5.0;
  double fwhm = 3.0;
  std::string colour = "green";
};

struct Row {
  double x, y, flux, snr, peak, background;
  bool saturated, fitted;
  PsfFit fit;
};

std::vector<Row> rows_of(const FrameStars& found) {
  std::vector<Row> rows;
  for (std::size_t i = 0; i < found.detection.stars.size(); ++i) {
    const DetectedStar& s = found.detection.stars[i];
    const PsfFit& f = found.fits[i];
    rows.push_back({f.ok ? f.x : s.x, f.ok ? f.y : s.y, s.flux, found.snr[i], s.peak,
                    s.background, s.saturated, f.ok, f});
  }
  return rows;
}

std::string csv_text(const std::vector<Row>& rows) {
  std::string text =
      "id,x,y,flux,snr,peak,background,saturated,fitted,fwhm,fwhm_major,fwhm_minor,"
      "angle_deg,eccentricity,beta,fit_flux,fit_snr\n";
  for (std::size_t i = 0; i < rows.size(); ++i) {
    const Row& r = rows[i];
    char line[400];
    std::snprintf(line, sizeof line,
                  "%zu,%.3f,%.3f,%.6g,%.2f,%.6g,%.6g,%d,%d,%.3f,%.3f,%.3f,%.1f,%.3f,%.2f,%.6g,"
                  "%.2f\n",
                  i + 1, r.x, r.y, r.flux, r.snr, r.peak, r.background, r.saturated ? 1 : 0,
                  r.fitted ? 1 : 0, r.fit.fwhm, r.fit.fwhm_major, r.fit.fwhm_minor,
                  r.fit.angle_deg, r.fit.eccentricity, r.fit.beta, r.fit.flux, r.fit.snr);
    text.append(line);
  }
  return text;
}

std::string json_text(const fs::path& input, const std::vector<Row>& rows, bool cfa) {
  nlohmann::ordered_json root;
  root["file"] = input.string();
  root["cfa"] = cfa;
  root["stars"] = nlohmann::ordered_json::array();
  for (std::size_t i = 0; i < rows.size(); ++i) {
    const Row& r = rows[i];
    nlohmann::ordered_json o;
    o["id"] = i + 1;
    o["x"] = r.x;
    o["y"] = r.y;
    o["flux"] = r.flux;
    o["snr"] = r.snr;
    o["peak"] = r.peak;
    o["background"] = r.background;
    o["saturated"] = r.saturated;
    if (r.fitted) {
      o["fwhm"] = r.fit.fwhm;
      o["fwhm_major"] = r.fit.fwhm_major;
      o["fwhm_minor"] = r.fit.fwhm_minor;
      o["angle_deg"] = r.fit.angle_deg;
      o["eccentricity"] = r.fit.eccentricity;
      o["beta"] = r.fit.beta;
      o["fit_flux"] = r.fit.flux;
      o["fit_snr"] = r.fit.snr;
    }
    root["stars"].push_back(std::move(o));
  }
  return root.dump(2).append("\n");
}

std::string table_text(const std::vector<Row>& rows) {
  std::string text = "    #        x        y       flux     SNR  FWHM px    ecc  angle  note\n";
  for (std::size_t i = 0; i < rows.size(); ++i) {
    const Row& r = rows[i];
    char line[200];
    if (r.fitted)
      std::snprintf(line, sizeof line, "%5zu %8.2f %8.2f %10.4g %7.1f %8.2f %6.2f %6.1f\n",
                    i + 1, r.x, r.y, r.flux, r.snr, r.fit.fwhm, r.fit.eccentricity,
                    r.fit.angle_deg);
    else
      std::snprintf(line, sizeof line, "%5zu %8.2f %8.2f %10.4g %7.1f %8s %6s %6s  %s\n", i + 1,
                    r.x, r.y, r.flux, r.snr, "-", "-", "-",
                    r.saturated ? "saturated" : "not fitted");
    text.append(line);
  }
  return text;
}

// 1 where a star's Moffat profile stands above 3 noise sigmas, from the frame's
// median profile scaled by each star's own size and peak.
Image star_mask(const Image& image, const FrameStars& found) {
  std::vector<float> alpha2, beta;
  for (const PsfFit& f : found.fits)
    if (f.ok) {
      // FWHM = 2 alpha sqrt(2^(1/beta) - 1).
      alpha2.push_back(float(std::pow(f.fwhm / (2 * std::sqrt(std::pow(2.0, 1 / f.beta) - 1)), 2)));
      beta.push_back(float(f.beta));
    }
  const double b = beta.empty() ? 3.0 : median_in_place(beta);
  const double a = beta.empty() ? 3.0 / (2 * std::sqrt(std::pow(2.0, 1 / b) - 1))
                                : std::sqrt(median_in_place(alpha2));
  Image mask(image.width(), image.height(), 1, 0.0f);
  const long w = long(image.width()), h = long(image.height());
  for (std::size_t i = 0; i < found.detection.stars.size(); ++i) {
    const DetectedStar& s = found.detection.stars[i];
    const PsfFit& f = found.fits[i];
    // Clipped cores hide the true peak: a saturated star is taken as three times brighter.
    const double peak = f.ok ? f.amplitude : s.saturated ? 3 * s.peak : s.peak;
    const double ratio = peak / (3 * std::max(s.noise, 1e-12));
    const double stretch = f.ok ? f.fwhm_major / std::max(f.fwhm, 1e-6) : 1.0;
    const double fwhm = 2 * a * std::sqrt(std::pow(2.0, 1 / b) - 1);
    const double r = std::clamp(ratio > 1 ? a * std::sqrt(std::pow(ratio, 1 / b) - 1) : 0.0,
                                fwhm, 100.0) * stretch;
    const double cx = f.ok ? f.x : s.x, cy = f.ok ? f.y : s.y;
    for (long y = std::max(0L, long(std::floor(cy - r))); y <= std::min(h - 1, long(cy + r)); ++y)
      for (long x = std::max(0L, long(std::floor(cx - r))); x <= std::min(w - 1, long(cx + r));
           ++x)
        if (std::hypot(double(x) - cx, double(y) - cy) <= r)
          mask.at(0, std::size_t(y), std::size_t(x)) = 1.0f;
  }
  mask.header() = image.header();
  mask.header().bayer_pattern.clear();  // a mask is no mosaic
  mask.header().bayer_offset_x = mask.header().bayer_offset_y = 0;
  return mask;
}

void run_stars(const StarsArgs& a, const GlobalOptions& global) {
  if (a.csv && a.json)
    throw Error(ErrorKind::InvalidArgument, "give --csv or --json, not both.");
  const fs::path inputs[] = {a.input};
  if (!a.mask.empty()) check_output(a.mask, inputs);
  const Image image = read_input(a.input);
  FrameQualityOptions options;
  options.detection.threshold_sigma = a.threshold;
  options.detection.fwhm_guess = a.fwhm;
  options.psf.fwhm_guess = a.fwhm;
  options.colour = a.colour == "luminance" ? ColourChannel::Luminance : ColourChannel::Green;
  options.max_fitted = options.detection.max_stars;  // every star gets its fit here
  options.min_star_snr = 0;
  const FrameStars found = about_file(a.input, [&] { return find_frame_stars(image, options); });
  const std::vector<Row> rows = rows_of(found);
  const std::string text = a.csv    ? csv_text(rows)
                           : a.json ? json_text(a.input, rows, found.cfa)
                                    : table_text(rows);
  std::fputs(text.c_str(), stdout);
  if (!a.mask.empty()) {
    Image mask = star_mask(image, found);
    write_output(a.mask, mask, "stars: star mask", inputs);
  }
  if (rows.empty())
    std::fprintf(stderr, "astropack: warning: %s: no stars found; is it a light frame?\n",
                 a.input.string().c_str());
  else if (!global.quiet && !a.csv && !a.json) {
    std::size_t fitted = 0, saturated = 0;
    for (const Row& r : rows) {
      fitted += r.fitted;
      saturated += r.saturated;
    }
    std::printf("%s: %zu stars (%zu fitted, %zu saturated)%s\n", a.input.string().c_str(),
                rows.size(), fitted, saturated,
                found.cfa ? ", measured on the green superpixels" : "");
  }
}

}  // namespace

void add_stars_command(CLI::App& app, const GlobalOptions& global) {
  auto a = std::make_shared<StarsArgs>();
  CLI::App* sub = app.add_subcommand(
      "stars",
      "List the stars of a frame (position in 0-based stored pixels, flux, SNR, PSF fit: "
      "FWHM, eccentricity, angle) as a table, CSV or JSON, and write a star mask");
  sub->add_option("input", a->input, "Frame (FITS, TIFF or camera raw)")->required();
  sub->add_flag("--csv", a->csv, "CSV instead of a table");
  sub->add_flag("--json", a->json, "JSON instead of a table");
  sub->add_option("--mask", a->mask, "Also write a star mask (FITS, or .tif/.tiff)");
  sub->add_option("--threshold", a->threshold, "Detection threshold, sigmas of the noise")
      ->capture_default_str()
      ->check(CLI::Range(1.0, 100.0));
  sub->add_option("--fwhm", a->fwhm, "Expected star FWHM in pixels (the matched filter)")
      ->capture_default_str()
      ->check(CLI::Range(0.5, 50.0));
  sub->add_option("--colour", a->colour, "RGB frames: measure on green or luminance")
      ->capture_default_str()
      ->check(CLI::IsMember({"green", "luminance"}));
  sub->callback([a, &global] { run_stars(*a, global); });
}

}  // namespace astropack::cli
