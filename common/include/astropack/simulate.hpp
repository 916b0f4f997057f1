// SPDX-License-Identifier: GPL-3.0-or-later
// Deterministic synthetic observing sessions: camera-style 16-bit FITS frames
// in the folder layout people use, with the physics of a real camera and sky,
// plus the ground truth tests score results against. Same preset and seed,
// same bytes (the simulator has its own random generator and never reads the
// clock; rows draw from their own streams, so the thread count does not matter).
//
// Presets (counts of biases / darks / flats / dark-flats / lights):
//
//   preset        size         camera            frames                 lights: blurred,
//                                                                           trailed, satellite
//   small         320 x 240    mono, FILTER 'L'  12 / 8 / 8 / 8 / 10    4, 8, 6
//   osc           320 x 240    colour, RGGB      12 / 8 / 8 / 8 / 10    4, 8, 6
//   large         2400 x 1600  mono, FILTER 'L'  16 / 12 / 12 / 12 / 24 10, 19, 14
//   undersampled  320 x 240    mono, FILTER 'L'  12 / 8 / 8 / 8 / 20    8, 16, 12
//
// undersampled is small with seeing of 1.2 px FWHM (stars narrower than two pixels, as
// with a short focal length) and twice the lights: the session drizzle is for.
// small, osc and undersampled take about a second and 9 MB; large about 20 s of processor
// time and 630 MB. Every light has a few cosmic-ray hits (large: about 12), darks too.
//
// Exposures: biases 0.001 s, darks and lights 120 s, flats and dark-flats 2 s.
// DATE-OBS of consecutive frames are spaced by the exposure plus a dead time
// (download, and dither settling for lights).
//
// Folder layout written into DIR:
//   biases/    Bias_0.001s_Bin1_gain100_-10C_0001.fit ...
//   darks/     Dark_120s_Bin1_gain100_-10C_0001.fit ...
//   flats/     Flat_2s_Bin1_L_gain100_-10C_0001.fit ...  (mono; no filter part for osc)
//   darkflats/ DarkFlat_2s_Bin1_gain100_-10C_0001.fit ...
//   lights/    Light_SimNebula_120s_Bin1_L_gain100_-10C_0001.fit ...
//   truth/     README.txt (files and camera parameters), master_bias.fit,
//              master_dark_120s.fit, master_dark_2s.fit, master_flat.fit, sky.fit
//              (osc: also sky_rgb.fit), stars.csv, lights.csv, cosmic_rays.csv,
//              hot_pixels.csv, dust.csv
// IMAGETYP is 'Bias Frame', 'Dark Frame' (darks and dark-flats), 'Flat Field' or
// 'Light Frame'; headers also carry EXPTIME, DATE-OBS, CCD-TEMP, SET-TEMP, GAIN,
// OFFSET, CVF, XPIXSZ, YPIXSZ, XBINNING, YBINNING, FOCALLEN, INSTRUME, TELESCOP,
// FILTER (mono flats and lights), OBJECT (lights), SWCREATE and SIMSEED.
// Frames are 16-bit (BITPIX 16, BZERO 32768), rows in sensor readout order
// (ROWORDER 'TOP-DOWN'); colour frames carry BAYERPAT 'RGGB', so stored pixel
// (row 0, column 0) is red. Truth images are 32-bit float, normalised like the
// frames (ADU / 65535), not clipped at 1; the sky is capped at 1.99 (Siril reads
// float data with a maximum above 2 as ADU).
//
// Signal chain of every pixel (sensor coordinates x = column, y = stored row):
//   electrons = Poisson(exposure * (sky + stars) * response + exposure * dark_rate)
//               + cosmic-ray electrons
//   ADU       = round(electrons / gain + bias + Normal(0, read_noise / gain)), clipped 0..65535
// `response` is the normalised flat (vignetting x dust x PRNU, x the flat panel's
// colour on an osc camera; mean 1), `dark_rate` holds dark current (with its
// non-uniformity, hot and warm pixels) and amplifier glow, `bias` the offset plus a
// fixed row and column pattern. Sky and star fluxes are given in these
// "calibrated" units: (light - dark) / response recovers them exactly.
#pragma once

#include <cstdint>
#include <filesystem>
#include <string>
#include <string_view>
#include <vector>

#include "astropack/progress.hpp"

namespace astropack {

enum class SimulationPreset {
  Small,  // mono, small frames: fast enough for unit tests
  Osc,    // one-shot colour (RGGB Bayer) camera
  Large,  // mono, full-size frames for benchmarks
  Undersampled,  // mono, small frames, stars under two pixels wide, many dithered lights
};

struct SimulationOptions {
  SimulationPreset preset = SimulationPreset::Small;
  std::uint64_t seed = 1;
};

struct SimulationSummary {
  std::filesystem::path folder;
  int biases = 0, darks = 0, flats = 0, darkflats = 0, lights = 0;
  std::size_t width = 0, height = 0;
  bool cfa = false;
};

// The simulated camera and optics, identical for every preset.
struct SimulatedCamera {
  std::string instrument;             // INSTRUME
  std::string telescope;              // TELESCOP
  double pixel_size_um = 3.76;        // XPIXSZ, YPIXSZ
  double focal_length_mm = 480.0;     // FOCALLEN
  int gain_setting = 100;             // GAIN (driver setting)
  int offset_setting = 50;            // OFFSET (driver setting)
  double electrons_per_adu = 0.5;     // CVF, in 16-bit ADU
  double read_noise_e = 3.5;          // e- rms (7 ADU)
  double bias_adu = 500.0;            // mean offset level
  double row_pattern_adu = 1.5;       // rms of the fixed per-row offsets
  double column_pattern_adu = 1.0;    // rms of the fixed per-column offsets
  double set_temperature_c = -10.0;   // SET-TEMP and CCD-TEMP of every frame
  double dark_current_at_0c = 0.2;    // e-/s/pixel at 0 C ...
  double dark_doubling_c = 6.0;       // ... doubling every this many degrees
  double dark_non_uniformity = 0.2;   // relative rms of the per-pixel dark current
  double hot_pixel_fraction = 3e-4;   // hot pixels: 20..150 e-/s at the set temperature
  double warm_pixel_fraction = 2e-3;  // warm pixels: 0.5..4 e-/s at the set temperature
  double amp_glow_e_per_s = 2.5;      // at the corner x = width - 1, y = 0 ...
  double amp_glow_scale = 0.06;       // ... falling by e every this fraction of the diagonal
  double prnu = 0.01;                 // rms per-pixel gain variation
  double vignetting_corner = 0.72;    // illumination at the frame corners / optical centre
  int dust_motes = 3;                 // soft dust donuts on flats and lights
  double flat_level = 0.45;           // mean flat level, fraction of 65535 ADU
  // Dark current in e-/s at a sensor temperature.
  double dark_current_at(double temperature_c) const noexcept;
};

// Everything a preset fixes. Frame numbers are 1-based, as in the file names.
struct SimulationPlan {
  SimulationPreset preset = SimulationPreset::Small;
  std::uint64_t seed = 1;
  std::size_t width = 0, height = 0;
  bool cfa = false;                  // RGGB Bayer mosaic (osc)
  std::string filter;                // FILTER of mono frames ("L"); empty for osc
  std::string object = "SimNebula";  // OBJECT of the lights
  int biases = 0, darks = 0, flats = 0, darkflats = 0, lights = 0;
  double bias_exposure_s = 0.001, dark_exposure_s = 120.0;
  double flat_exposure_s = 2.0, light_exposure_s = 120.0;
  int blurred_light = 0;        // seeing 1.9 x wider
  int trailed_light = 0;        // stars drawn out by a tracking error
  int satellite_light = 0;      // one satellite trail across the frame
  double seeing_fwhm_px = 2.8;  // Moffat FWHM of the reference frame
  double moffat_beta = 3.0;
  double max_dither_px = 0.0;  // per axis
  double max_rotation_deg = 0.3;
  double cosmic_rays_per_frame = 4.0;  // mean over 120 s lights and darks
  double stars_per_megapixel = 0.0;
  double sky_e_per_s = 6.0;          // mean sky background, e-/s/pixel (mono L)
  double sky_gradient = 0.15;        // linear light pollution: +- this fraction
  double nebula_peak_e_per_s = 2.0;  // brightest Ha emission, e-/s/pixel
  SimulatedCamera camera;
};

SimulationPreset parse_simulation_preset(std::string_view name);  // throws on unknown
std::string_view to_string(SimulationPreset preset) noexcept;

// The plan of a preset with a seed (the seed changes noise, stars, nebula, dithers
// and defects, never sizes or counts).
SimulationPlan simulation_plan(const SimulationOptions& options);

// Writes biases/, darks/, flats/, darkflats/, lights/ and truth/ into `folder`
// (created if needed; files of an earlier run with the same names are replaced).
// Reports progress per frame and stops between frames when cancelled. Throws
// Error naming the folder if it cannot be created or written.
SimulationSummary simulate_session(const std::filesystem::path& folder,
                                   const SimulationOptions& options, Progress& progress);

}  // namespace astropack
