// SPDX-License-Identifier: GPL-3.0-or-later
// The sample-session simulator, judged by what it writes: the random streams
// against an independent reference, determinism, folder layout and headers,
// and the camera and sky physics measured back from the FITS files and
// compared with the truth the simulator writes beside them.
#include <algorithm>
#include <cmath>
#include <cstdint>
#include <fstream>
#include <iterator>
#include <map>
#include <numbers>
#include <sstream>
#include <string>
#include <vector>

#ifdef _OPENMP
#include <omp.h>
#endif

#include "../../common/simulate/random.hpp"
#include "astropack/cfa.hpp"
#include "astropack/error.hpp"
#include "astropack/fits.hpp"
#include "astropack/simulate.hpp"
#include "check_main.hpp"

using namespace astropack;
namespace fs = std::filesystem;

namespace {

// ---- Sessions shared by the cases (made once, before the cases fork) ----

fs::path g_small, g_osc;
bool g_made = false;
std::string g_failure;

void make_sessions() {
  // The cases fork from this process: an OpenMP thread pool made here would not
  // exist in the children, so the shared sessions are made on one thread.
#ifdef _OPENMP
  omp_set_num_threads(1);
#endif
  try {
    NoProgress quiet;
    g_small = test::scratch_folder("simulate-small");
    simulate_session(g_small, {SimulationPreset::Small, 1}, quiet);
    g_osc = test::scratch_folder("simulate-osc");
    simulate_session(g_osc, {SimulationPreset::Osc, 3}, quiet);
    g_made = true;
  } catch (const std::exception& e) {
    g_failure = e.what();
  }
}

void remove_sessions() {
  std::error_code ignored;
  fs::remove_all(g_small, ignored);
  fs::remove_all(g_osc, ignored);
}

void require_sessions() { ck_assert_msg(g_made, "simulation failed: %s", g_failure.c_str()); }

// ---- Reading what was written ----

std::vector<fs::path> files_in(const fs::path& folder) {
  std::vector<fs::path> files;
  for (const auto& entry : fs::directory_iterator(folder))
    if (entry.is_regular_file()) files.push_back(entry.path());
  std::sort(files.begin(), files.end());
  return files;
}

std::vector<fs::path> all_files(const fs::path& folder) {
  std::vector<fs::path> files;
  for (const auto& entry : fs::recursive_directory_iterator(folder))
    if (entry.is_regular_file()) files.push_back(fs::relative(entry.path(), folder));
  std::sort(files.begin(), files.end());
  return files;
}

std::string bytes_of(const fs::path& file) {
  std::ifstream in(file, std::ios::binary);
  return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

using Row = std::map<std::string, std::string>;

std::vector<Row> read_csv(const fs::path& file) {
  std::ifstream in(file);
  std::string line;
  std::vector<std::string> names;
  std::vector<Row> rows;
  auto split = [](const std::string& text) {
    std::vector<std::string> parts;
    std::stringstream stream(text);
    std::string part;
    while (std::getline(stream, part, ',')) parts.push_back(part);
    if (!text.empty() && text.back() == ',') parts.emplace_back();
    return parts;
  };
  if (!std::getline(in, line)) return rows;
  names = split(line);
  while (std::getline(in, line)) {
    const auto parts = split(line);
    Row row;
    for (std::size_t i = 0; i < names.size() && i < parts.size(); ++i) row[names[i]] = parts[i];
    rows.push_back(row);
  }
  return rows;
}

double num(const Row& row, const std::string& key) { return std::stod(row.at(key)); }

// A frame as ADU (16-bit files) or as stored (float truth).
struct Plane {
  std::size_t width = 0, height = 0;
  std::vector<double> v;
  double at(std::size_t x, std::size_t y) const { return v[y * width + x]; }
};

Plane read_plane(const fs::path& file, double scale = 65535.0, std::size_t channel = 0) {
  const Image image = read_fits(file);
  Plane plane;
  plane.width = image.width();
  plane.height = image.height();
  plane.v.resize(image.pixel_count());
  const float* data = image.plane(channel);
  for (std::size_t i = 0; i < plane.v.size(); ++i) plane.v[i] = double(data[i]) * scale;
  return plane;
}

Plane average(const std::vector<fs::path>& files) {
  Plane sum = read_plane(files.at(0));
  for (std::size_t i = 1; i < files.size(); ++i) {
    const Plane next = read_plane(files[i]);
    for (std::size_t k = 0; k < sum.v.size(); ++k) sum.v[k] += next.v[k];
  }
  for (double& value : sum.v) value /= double(files.size());
  return sum;
}

double mean_of(const std::vector<double>& v) {
  double sum = 0.0;
  for (double x : v) sum += x;
  return sum / double(v.size());
}

double sd_of(const std::vector<double>& v) {
  const double m = mean_of(v);
  double sum = 0.0;
  for (double x : v) sum += (x - m) * (x - m);
  return std::sqrt(sum / double(v.size()));
}

double box_mean(const Plane& p, std::size_t x0, std::size_t y0, std::size_t size) {
  double sum = 0.0;
  for (std::size_t y = y0; y < y0 + size; ++y)
    for (std::size_t x = x0; x < x0 + size; ++x) sum += p.at(x, y);
  return sum / double(size * size);
}

double median_of(std::vector<double> v) {
  std::nth_element(v.begin(), v.begin() + long(v.size() / 2), v.end());
  return v[v.size() / 2];
}

fs::path light_file(const fs::path& session, int number) {
  return session / "lights" / files_in(session / "lights").at(std::size_t(number - 1)).filename();
}

struct Affine {
  double a, b, c, d, e, f;
  void apply(double x, double y, double& ox, double& oy) const {
    ox = a * x + b * y + c;
    oy = d * x + e * y + f;
  }
};

Affine affine_of(const Row& light) {
  return {num(light, "a"), num(light, "b"), num(light, "c"),
          num(light, "d"), num(light, "e"), num(light, "f")};
}

// Stars bright enough to measure, unsaturated, with no comparable neighbour.
std::vector<Row> isolated_stars(const std::vector<Row>& stars, double min_flux, std::size_t width,
                                std::size_t height, double border) {
  std::vector<Row> chosen;
  for (const Row& star : stars) {
    const double x = num(star, "x"), y = num(star, "y"), flux = num(star, "flux");
    if (num(star, "saturated") != 0.0 || flux < min_flux || flux > 250000.0) continue;
    if (x < border || y < border || x > double(width) - border || y > double(height) - border)
      continue;
    bool alone = true;
    for (const Row& other : stars) {
      if (&other == &star) continue;
      const double distance = std::hypot(num(other, "x") - x, num(other, "y") - y);
      if (distance < 10.0 && num(other, "flux") > 0.05 * flux) alone = false;
    }
    if (alone) chosen.push_back(star);
  }
  return chosen;
}

// Gaussian-windowed centroid and second moments of a star near (cx, cy): the
// window follows the centroid until it settles, so it is unbiased for a
// symmetric star and little affected by the noise of the sky around it.
struct Moments {
  double x = 0, y = 0, xx = 0, yy = 0, xy = 0;
};

double local_background(const Plane& p, double cx, double cy, int inner, int outer) {
  const auto x0 = long(std::lround(cx)), y0 = long(std::lround(cy));
  std::vector<double> ring;
  for (long y = y0 - outer; y <= y0 + outer; ++y)
    for (long x = x0 - outer; x <= x0 + outer; ++x)
      if (std::max(std::labs(x - x0), std::labs(y - y0)) > inner)
        ring.push_back(p.at(std::size_t(x), std::size_t(y)));
  return median_of(ring);
}

Moments measure(const Plane& p, double cx, double cy, double window) {
  const double background = local_background(p, cx, cy, 10, 13);
  const int r = int(std::ceil(3.0 * window));
  Moments m;
  m.x = cx;
  m.y = cy;
  for (int iteration = 0; iteration < 20; ++iteration) {
    const auto x0 = long(std::lround(m.x)), y0 = long(std::lround(m.y));
    double sum = 0, sx = 0, sy = 0, sxx = 0, syy = 0, sxy = 0;
    for (long y = y0 - r; y <= y0 + r; ++y)
      for (long x = x0 - r; x <= x0 + r; ++x) {
        const double dx = double(x) - m.x, dy = double(y) - m.y;
        const double w = std::exp(-(dx * dx + dy * dy) / (2.0 * window * window)) *
                         (p.at(std::size_t(x), std::size_t(y)) - background);
        sum += w;
        sx += w * dx;
        sy += w * dy;
        sxx += w * dx * dx;
        syy += w * dy * dy;
        sxy += w * dx * dy;
      }
    m.x += sx / sum;
    m.y += sy / sum;
    m.xx = sxx / sum;
    m.yy = syy / sum;
    m.xy = sxy / sum;
  }
  return m;
}

// Brightest pixel near (cx, cy) above the local background.
double peak_above_background(const Plane& p, double cx, double cy) {
  const auto x0 = long(std::lround(cx)), y0 = long(std::lround(cy));
  double best = -1e30;
  for (long y = y0 - 1; y <= y0 + 1; ++y)
    for (long x = x0 - 1; x <= x0 + 1; ++x)
      best = std::max(best, p.at(std::size_t(x), std::size_t(y)));
  return best - local_background(p, cx, cy, 10, 13);
}

}  // namespace

// ---- The random streams ----

START_TEST(random_streams_match_reference) {
  // Reference values from an independent implementation of splitmix64 seeding
  // and xoshiro256** (Blackman and Vigna), and of the stream key mixing.
  simulate::Rng rng(12345);
  ck_assert_uint_eq(rng.next(), 0xbe6a36374160d49bULL);
  ck_assert_uint_eq(rng.next(), 0x214aaa0637a688c6ULL);
  ck_assert_uint_eq(rng.next(), 0xf69d16de9954d388ULL);
  ck_assert_uint_eq(simulate::stream_key(7, simulate::Stream::Stars, 1, 2, 0),
                    0x91f8562f9dc912c6ULL);
}
END_TEST

START_TEST(random_distributions_have_their_moments) {
  simulate::Rng rng(99);
  const int n = 200000;
  // Normal: mean 0, variance 1.
  std::vector<double> normal(n);
  for (double& x : normal) x = rng.normal();
  ck_assert_double_eq_tol(mean_of(normal), 0.0, 0.01);
  ck_assert_double_eq_tol(sd_of(normal), 1.0, 0.01);
  // Poisson: mean = variance, on both sides of the sampler switch and far above it.
  for (double lambda : {0.3, 4.0, 9.99, 10.0, 37.5, 15000.0}) {
    std::vector<double> counts(n);
    int bad = 0;  // counted, not asserted one by one: Check's assertions are slow in bulk
    for (double& k : counts) {
      k = rng.poisson(lambda);
      bad += k >= 0.0 && k == std::floor(k) ? 0 : 1;
    }
    ck_assert_int_eq(bad, 0);
    const double m = mean_of(counts), sd = sd_of(counts);
    ck_assert_msg(std::fabs(m - lambda) < 5.0 * std::sqrt(lambda / n), "Poisson(%g) mean %g",
                  lambda, m);
    ck_assert_msg(std::fabs(sd * sd / lambda - 1.0) < 0.02, "Poisson(%g) variance %g", lambda,
                  sd * sd);
  }
  // P(0) of a small mean is exp(-mean).
  int zeros = 0;
  for (int i = 0; i < n; ++i) zeros += rng.poisson(1.5) == 0.0 ? 1 : 0;
  ck_assert_double_eq_tol(double(zeros) / n, std::exp(-1.5), 0.004);
}
END_TEST

// ---- Presets, layout, headers ----

START_TEST(presets_are_as_documented) {
  ck_assert(parse_simulation_preset("small") == SimulationPreset::Small);
  ck_assert(parse_simulation_preset("osc") == SimulationPreset::Osc);
  ck_assert(parse_simulation_preset("large") == SimulationPreset::Large);
  bool thrown = false;
  try {
    parse_simulation_preset("huge");
  } catch (const Error& e) {
    thrown = e.kind() == ErrorKind::InvalidArgument;
  }
  ck_assert(thrown);
  for (auto preset : {SimulationPreset::Small, SimulationPreset::Osc, SimulationPreset::Large})
    ck_assert(parse_simulation_preset(to_string(preset)) == preset);

  const SimulationPlan small = simulation_plan({SimulationPreset::Small, 5});
  ck_assert_uint_eq(small.width, 320);
  ck_assert_uint_eq(small.height, 240);
  ck_assert(!small.cfa);
  ck_assert_int_eq(small.biases + small.darks + small.flats + small.darkflats, 36);
  ck_assert_int_eq(small.lights, 10);
  ck_assert(simulation_plan({SimulationPreset::Osc, 5}).cfa);
  const SimulationPlan large = simulation_plan({SimulationPreset::Large, 5});
  ck_assert(large.width >= 2000 && large.height >= 1500 && !large.cfa);
  for (const SimulationPlan* plan : {&small, &large}) {
    // Three distinct defective lights, never the reference.
    ck_assert(plan->blurred_light > 1 && plan->trailed_light > 1 && plan->satellite_light > 1);
    ck_assert(plan->blurred_light != plan->trailed_light);
    ck_assert(plan->blurred_light != plan->satellite_light);
    ck_assert(plan->trailed_light != plan->satellite_light);
    ck_assert(plan->trailed_light <= plan->lights && plan->satellite_light <= plan->lights);
  }
  ck_assert_double_eq_tol(small.camera.dark_current_at(-4.0) / small.camera.dark_current_at(-10.0),
                          2.0, 1e-12);
}
END_TEST

START_TEST(layout_and_headers) {
  require_sessions();
  const SimulationPlan plan = simulation_plan({SimulationPreset::Small, 1});
  const std::map<std::string, std::pair<int, std::string>> expected = {
      {"biases", {12, "Bias Frame"}},
      {"darks", {8, "Dark Frame"}},
      {"flats", {8, "Flat Field"}},
      {"darkflats", {8, "Dark Frame"}},
      {"lights", {10, "Light Frame"}}};
  const std::map<std::string, double> exposures = {
      {"biases", 0.001}, {"darks", 120.0}, {"flats", 2.0}, {"darkflats", 2.0}, {"lights", 120.0}};
  for (const auto& [folder, count_type] : expected) {
    const auto files = files_in(g_small / folder);
    ck_assert_int_eq(int(files.size()), count_type.first);
    for (const fs::path& file : files) {
      ck_assert_str_eq(file.extension().c_str(), ".fit");
      const FitsInfo info = read_fits_info(file);
      ck_assert_int_eq(info.layout.bitpix, 16);
      ck_assert_uint_eq(info.layout.width, 320);
      ck_assert_uint_eq(info.layout.height, 240);
      ck_assert_uint_eq(info.layout.channels, 1);
      const Header& h = info.header;
      ck_assert_str_eq(h.image_type.c_str(), count_type.second.c_str());
      ck_assert_double_eq_tol(*h.exposure, exposures.at(folder), 1e-9);
      ck_assert_double_eq(*h.temperature, -10.0);
      ck_assert_double_eq(*h.gain, 100.0);
      ck_assert_double_eq(*h.offset, 50.0);
      ck_assert_double_eq(*h.electrons_per_adu, 0.5);
      ck_assert_double_eq(*h.pixel_size_x, 3.76);
      ck_assert_double_eq(*h.pixel_size_y, 3.76);
      ck_assert_double_eq(*h.focal_length, 480.0);
      ck_assert_int_eq(h.binning_x, 1);
      ck_assert(!h.instrument.empty() && !h.telescope.empty());
      ck_assert(h.bayer_pattern.empty());
      ck_assert_str_eq(h.row_order.c_str(), "TOP-DOWN");
      const bool filtered = folder == "flats" || folder == "lights";
      ck_assert_str_eq(h.filter.c_str(), filtered ? "L" : "");
      ck_assert_str_eq(h.object.c_str(), folder == "lights" ? "SimNebula" : "");
    }
  }
  const std::string first_light = files_in(g_small / "lights")[0].filename().string();
  ck_assert_str_eq(first_light.c_str(), "Light_SimNebula_120s_Bin1_L_gain100_-10C_0001.fit");
  const std::string last_bias = files_in(g_small / "biases")[11].filename().string();
  ck_assert_str_eq(last_bias.c_str(), "Bias_0.001s_Bin1_gain100_-10C_0012.fit");
  // Lights are 120 s apart plus the dead time, in order.
  const auto lights = files_in(g_small / "lights");
  const std::string dates[3] = {read_fits_info(lights[0]).header.date_obs,
                                read_fits_info(lights[1]).header.date_obs,
                                read_fits_info(lights[9]).header.date_obs};
  ck_assert_str_eq(dates[0].c_str(), "2025-01-15T20:30:00.000");
  ck_assert_str_eq(dates[1].c_str(), "2025-01-15T20:32:07.500");
  ck_assert_str_eq(dates[2].c_str(), "2025-01-15T20:49:07.500");

  for (const char* name : {"README.txt", "master_bias.fit", "master_dark_120s.fit",
                           "master_dark_2s.fit", "master_flat.fit", "sky.fit", "stars.csv",
                           "lights.csv", "cosmic_rays.csv", "hot_pixels.csv", "dust.csv"})
    ck_assert_msg(fs::is_regular_file(g_small / "truth" / name), "truth/%s missing", name);
  ck_assert_int_eq(read_fits_info(g_small / "truth" / "sky.fit").layout.bitpix, -32);
  ck_assert_int_eq(int(read_csv(g_small / "truth" / "lights.csv").size()), plan.lights);

  // Colour: Bayer keywords, no filter, an RGB sky as well.
  for (const fs::path& file : files_in(g_osc / "lights")) {
    const Header h = read_fits_info(file).header;
    ck_assert_str_eq(h.bayer_pattern.c_str(), "RGGB");
    ck_assert_str_eq(h.row_order.c_str(), "TOP-DOWN");
    ck_assert(h.filter.empty());
    ck_assert(phase_at_origin(h, 240) == CfaPattern::RGGB);
  }
  ck_assert_uint_eq(read_fits_info(g_osc / "truth" / "sky_rgb.fit").layout.channels, 3);
}
END_TEST

START_TEST(same_seed_same_bytes_other_seed_other_sky) {
  require_sessions();
  NoProgress quiet;
  const fs::path again = test::scratch_folder("simulate-again");
#ifdef _OPENMP
  omp_set_num_threads(3);  // a different thread count from the shared session
#endif
  simulate_session(again, {SimulationPreset::Small, 1}, quiet);
  const auto names = all_files(g_small);
  ck_assert(names == all_files(again));
  ck_assert_int_eq(int(names.size()), 46 + 11);
  for (const fs::path& name : names)
    ck_assert_msg(bytes_of(g_small / name) == bytes_of(again / name), "%s differs", name.c_str());

  const fs::path other = test::scratch_folder("simulate-other");
  simulate_session(other, {SimulationPreset::Small, 2}, quiet);
  for (const char* name : {"truth/stars.csv", "truth/lights.csv", "truth/sky.fit",
                           "biases/Bias_0.001s_Bin1_gain100_-10C_0001.fit",
                           "lights/Light_SimNebula_120s_Bin1_L_gain100_-10C_0003.fit"})
    ck_assert_msg(bytes_of(g_small / name) != bytes_of(other / name), "%s unchanged", name);
  fs::remove_all(again);
  fs::remove_all(other);
}
END_TEST

// ---- Camera physics, measured from the files ----

START_TEST(biases_have_offset_read_noise_and_fixed_pattern) {
  require_sessions();
  const SimulatedCamera camera = simulation_plan({SimulationPreset::Small, 1}).camera;
  const auto files = files_in(g_small / "biases");
  const Plane first = read_plane(files[0]), second = read_plane(files[1]);
  const double read_noise_adu = camera.read_noise_e / camera.electrons_per_adu;  // 7 ADU
  ck_assert_double_eq_tol(mean_of(first.v), camera.bias_adu, 0.1 * camera.bias_adu);
  // The fixed pattern cancels in a difference; what is left is read noise.
  std::vector<double> difference(first.v.size());
  for (std::size_t i = 0; i < difference.size(); ++i)
    difference[i] = (first.v[i] - second.v[i]) / std::sqrt(2.0);
  ck_assert_double_eq_tol(sd_of(difference), read_noise_adu, 0.1 * read_noise_adu);
  ck_assert_double_eq_tol(sd_of(difference), read_noise_adu, 0.02 * read_noise_adu);

  // The mean of all biases approaches the noise-free master, pattern included.
  const Plane mean = average(files);
  const Plane truth = read_plane(g_small / "truth" / "master_bias.fit");
  std::vector<double> residual(mean.v.size());
  for (std::size_t i = 0; i < residual.size(); ++i) residual[i] = mean.v[i] - truth.v[i];
  ck_assert_double_eq_tol(mean_of(residual), 0.0, 0.05);
  const double expected = read_noise_adu / std::sqrt(double(files.size()));
  ck_assert_double_eq_tol(sd_of(residual), expected, 0.05 * expected);

  // Row and column offsets are there, with the documented sizes.
  std::vector<double> rows(mean.height, 0.0), columns(mean.width, 0.0);
  for (std::size_t y = 0; y < mean.height; ++y)
    for (std::size_t x = 0; x < mean.width; ++x) {
      rows[y] += mean.at(x, y) / double(mean.width);
      columns[x] += mean.at(x, y) / double(mean.height);
    }
  ck_assert_double_eq_tol(sd_of(rows), camera.row_pattern_adu, 0.25 * camera.row_pattern_adu);
  ck_assert_double_eq_tol(sd_of(columns), camera.column_pattern_adu,
                          0.25 * camera.column_pattern_adu);
}
END_TEST

START_TEST(darks_grow_with_exposure_and_show_hot_pixels) {
  require_sessions();
  const SimulatedCamera camera = simulation_plan({SimulationPreset::Small, 1}).camera;
  const Plane bias = average(files_in(g_small / "biases"));
  const Plane darkflat = average(files_in(g_small / "darkflats"));
  const auto dark_files = files_in(g_small / "darks");
  const Plane dark = average(dark_files);
  const double b = mean_of(bias.v), df = mean_of(darkflat.v), d = mean_of(dark.v);
  ck_assert_msg(b < df && df < d, "bias %g, 2 s dark %g, 120 s dark %g", b, df, d);
  // At least the uniform dark current; matches the truth master within 3 %.
  const double uniform = 120.0 * camera.dark_current_at(-10.0) / camera.electrons_per_adu;
  ck_assert_msg(d - b > uniform, "dark signal %g below %g", d - b, uniform);
  const Plane truth_dark = read_plane(g_small / "truth" / "master_dark_120s.fit");
  const Plane truth_bias = read_plane(g_small / "truth" / "master_bias.fit");
  const double truth_signal = mean_of(truth_dark.v) - mean_of(truth_bias.v);
  ck_assert_double_eq_tol(d - b, truth_signal, 0.03 * truth_signal);

  // Amplifier glow: the corner at x = width - 1, y = 0 is brighter than the opposite one.
  ck_assert(box_mean(dark, 310, 0, 10) - box_mean(dark, 0, 230, 10) > 100.0);

  // Hot pixels from the truth list stand out in every dark at the listed level.
  int hot = 0;
  std::vector<Plane> darks;
  for (const fs::path& file : dark_files) darks.push_back(read_plane(file));
  for (const Row& row : read_csv(g_small / "truth" / "hot_pixels.csv")) {
    if (row.at("kind") != "hot") continue;
    ++hot;
    const auto x = std::size_t(num(row, "x")), y = std::size_t(num(row, "y"));
    // The listed dark current, plus whatever amp glow reaches the pixel.
    const double signal = truth_dark.at(x, y) - truth_bias.at(x, y);
    ck_assert(signal >= num(row, "dark_adu") - 0.1);
    const double sigma = std::sqrt(signal / camera.electrons_per_adu + 49.0);
    std::vector<double> values;
    for (const Plane& frame : darks) {
      const double v = frame.at(x, y) - truth_bias.at(x, y);
      ck_assert_msg(v > 20.0 * 7.0, "hot pixel (%zu, %zu) only %g ADU", x, y, v);
      values.push_back(v);
    }
    ck_assert_msg(std::fabs(median_of(values) - signal) < 4.0 * sigma + 0.02 * signal,
                  "hot pixel (%zu, %zu): %g ADU, truth %g", x, y, median_of(values), signal);
  }
  ck_assert_int_eq(hot, int(std::lround(camera.hot_pixel_fraction * 320 * 240)));
}
END_TEST

START_TEST(flats_show_vignetting_dust_and_prnu) {
  require_sessions();
  const SimulatedCamera camera = simulation_plan({SimulationPreset::Small, 1}).camera;
  const Plane flat = average(files_in(g_small / "flats"));
  const Plane darkflat = average(files_in(g_small / "darkflats"));
  const Plane truth = read_plane(g_small / "truth" / "master_flat.fit", 1.0);
  ck_assert_double_eq_tol(mean_of(flat.v) / 65535.0, camera.flat_level, 0.01);
  ck_assert_double_eq_tol(mean_of(truth.v), 1.0, 1e-4);

  Plane signal = flat;
  for (std::size_t i = 0; i < signal.v.size(); ++i) signal.v[i] -= darkflat.v[i];
  const double level = mean_of(signal.v);
  // Corner / centre ratios as the truth has them, and darker than the centre.
  const double centre = box_mean(signal, 152, 112, 16),
               truth_centre = box_mean(truth, 152, 112, 16);
  const std::size_t corners[4][2] = {{0, 0}, {304, 0}, {0, 224}, {304, 224}};
  for (const auto& corner : corners) {
    const double ratio = box_mean(signal, corner[0], corner[1], 16) / centre;
    const double truth_ratio = box_mean(truth, corner[0], corner[1], 16) / truth_centre;
    ck_assert_msg(ratio < 0.9, "corner (%zu, %zu) not vignetted: %g", corner[0], corner[1], ratio);
    ck_assert_msg(std::fabs(ratio / truth_ratio - 1.0) < 0.02, "corner ratio %g, truth %g", ratio,
                  truth_ratio);
  }
  // Each dust mote darkens its ring as in the truth flat, by about its depth.
  auto dip_of = [](const Plane& p, double mx, double my, double r) {
    double ring = 0, outside = 0;
    int n_ring = 0, n_out = 0;
    for (std::size_t y = 0; y < p.height; ++y)
      for (std::size_t x = 0; x < p.width; ++x) {
        const double distance = std::hypot(double(x) - mx, double(y) - my);
        if (distance > 0.6 * r && distance < 0.85 * r) ring += p.at(x, y), ++n_ring;
        if (distance > 1.8 * r && distance < 2.3 * r) outside += p.at(x, y), ++n_out;
      }
    return 1.0 - (ring / n_ring) / (outside / n_out);
  };
  const auto motes = read_csv(g_small / "truth" / "dust.csv");
  ck_assert_int_eq(int(motes.size()), camera.dust_motes);
  for (const Row& mote : motes) {
    const double mx = num(mote, "x"), my = num(mote, "y"), r = num(mote, "radius");
    const double depth = num(mote, "depth");
    const double measured = dip_of(signal, mx, my, r), expected = dip_of(truth, mx, my, r);
    ck_assert_msg(std::fabs(measured - expected) < 0.005, "dust dip %g, truth %g", measured,
                  expected);
    ck_assert_msg(expected > 0.5 * depth && expected < 1.2 * depth, "dip %g, depth %g", expected,
                  depth);
  }
  // Pixel to pixel, the measured flat follows the truth's PRNU: the residual is
  // the shot noise of 8 flats, well below the 1 % PRNU.
  std::vector<double> residual(signal.v.size());
  for (std::size_t i = 0; i < residual.size(); ++i) residual[i] = signal.v[i] / level - truth.v[i];
  const double expected_noise =
      std::sqrt(level / camera.electrons_per_adu) / level / std::sqrt(8.0);
  ck_assert_double_eq_tol(sd_of(residual), expected_noise, 0.15 * expected_noise);
  ck_assert(sd_of(residual) < 0.5 * camera.prnu);
}
END_TEST

// ---- The sky in the lights ----

START_TEST(calibrated_light_is_the_truth_sky_plus_shot_noise) {
  require_sessions();
  const SimulatedCamera camera = simulation_plan({SimulationPreset::Small, 1}).camera;
  const double g = camera.electrons_per_adu;
  const Plane light = read_plane(light_file(g_small, 1));
  const Plane dark = read_plane(g_small / "truth" / "master_dark_120s.fit");
  const Plane flat = read_plane(g_small / "truth" / "master_flat.fit", 1.0);
  const Plane sky = read_plane(g_small / "truth" / "sky.fit");
  const Plane bias = read_plane(g_small / "truth" / "master_bias.fit");
  const double sky_median = median_of(sky.v);
  std::vector<double> pulls, residuals;
  for (std::size_t i = 0; i < light.v.size(); ++i) {
    if (sky.v[i] > 1.3 * sky_median || light.v[i] >= 65535.0) continue;  // stars, clipping
    const double residual = (light.v[i] - dark.v[i]) / flat.v[i] - sky.v[i];
    // Poisson on sky and dark electrons, read noise, quantisation.
    const double electrons = sky.v[i] * flat.v[i] * g + (dark.v[i] - bias.v[i]) * g;
    const double variance = electrons / (g * g) + std::pow(camera.read_noise_e / g, 2) + 1.0 / 12;
    residuals.push_back(residual);
    pulls.push_back(residual * flat.v[i] / std::sqrt(variance));
  }
  ck_assert(pulls.size() > 50000);
  ck_assert_double_eq_tol(median_of(residuals), 0.0, 1.0);
  // Cosmic rays are the only outliers; clip them before the spread.
  std::vector<double> core;
  for (double p : pulls)
    if (std::fabs(p) < 6.0) core.push_back(p);
  ck_assert(pulls.size() - core.size() < 60);
  ck_assert_double_eq_tol(mean_of(core), 0.0, 0.02);
  ck_assert_double_eq_tol(sd_of(core), 1.0, 0.03);
  // The sky has a light-pollution gradient and the nebula: not flat.
  const double corner_a = box_mean(sky, 0, 0, 20), corner_b = box_mean(sky, 300, 220, 20);
  ck_assert(std::fabs(corner_a - corner_b) > 0.05 * sky_median);
}
END_TEST

START_TEST(stars_sit_where_the_truth_and_transforms_put_them) {
  require_sessions();
  const auto lights = read_csv(g_small / "truth" / "lights.csv");
  const auto stars = read_csv(g_small / "truth" / "stars.csv");
  const auto cosmic_rays = read_csv(g_small / "truth" / "cosmic_rays.csv");
  const Plane dark = read_plane(g_small / "truth" / "master_dark_120s.fit");
  ck_assert(stars.size() > 100);
  int saturated = 0;
  for (const Row& s : stars) saturated += num(s, "saturated") != 0.0 ? 1 : 0;
  ck_assert(saturated >= 3);
  const auto chosen = isolated_stars(stars, 8000.0, 320, 240, 16.0);
  ck_assert_msg(chosen.size() >= 10, "only %zu measurable stars", chosen.size());
  // What the centroid measures in the noise-free sky: faint neighbours and the
  // nebula pull it a little, and they move with the star from frame to frame.
  const Plane sky = read_plane(g_small / "truth" / "sky.fit");
  std::vector<std::pair<double, double>> truth_centroids;
  for (const Row& star : chosen) {
    const Moments mo = measure(sky, num(star, "x"), num(star, "y"), 2.0);
    ck_assert(std::hypot(mo.x - num(star, "x"), mo.y - num(star, "y")) < 0.3);
    truth_centroids.emplace_back(mo.x, mo.y);
  }

  for (const Row& light : lights) {
    const int number = int(num(light, "number"));
    // The affine is the documented rotation about the centre plus the shift.
    const double theta = num(light, "rotation_deg") * std::numbers::pi / 180.0;
    ck_assert(std::fabs(num(light, "rotation_deg")) < 0.5);
    const Affine m = affine_of(light);
    ck_assert_double_eq_tol(m.a, std::cos(theta), 1e-8);
    ck_assert_double_eq_tol(m.d, std::sin(theta), 1e-8);
    double cx, cy;
    m.apply(159.5, 119.5, cx, cy);
    ck_assert_double_eq_tol(cx - 159.5, num(light, "dx"), 1e-5);
    ck_assert_double_eq_tol(cy - 119.5, num(light, "dy"), 1e-5);
    if (num(light, "trailed") != 0.0) continue;

    // Dark-subtracted, so that hot pixels do not pass for stars.
    Plane frame = read_plane(light_file(g_small, number));
    for (std::size_t i = 0; i < frame.v.size(); ++i) frame.v[i] -= dark.v[i];
    std::vector<std::pair<double, double>> hits;  // cosmic rays would pull a centroid
    for (const Row& hit : cosmic_rays)
      if (hit.at("file") == light.at("file")) hits.emplace_back(num(hit, "x"), num(hit, "y"));
    double worst = 0.0, sum2 = 0.0;
    int measured = 0;
    for (std::size_t k = 0; k < chosen.size(); ++k) {
      const Row& star = chosen[k];
      double x, y;
      m.apply(num(star, "x"), num(star, "y"), x, y);
      if (x < 16 || y < 16 || x > 303 || y > 223) continue;
      if (std::any_of(hits.begin(), hits.end(), [&](const auto& hit) {
            return std::hypot(hit.first - x, hit.second - y) < 10.0;
          }))
        continue;
      if (num(light, "satellite") != 0.0) {  // nor would the satellite trail
        const double x0 = num(light, "satellite_x0"), y0 = num(light, "satellite_y0");
        const double ux = num(light, "satellite_x1") - x0, uy = num(light, "satellite_y1") - y0;
        if (std::fabs((x - x0) * uy - (y - y0) * ux) / std::hypot(ux, uy) < 10.0) continue;
      }
      // A local maximum at the expected place: climbing from the nearest pixel
      // to ever brighter neighbours stops close by...
      std::size_t bx = std::size_t(std::lround(x)), by = std::size_t(std::lround(y));
      for (bool moved = true; moved;) {
        moved = false;
        const std::size_t cx = bx, cy = by;
        for (std::size_t yy = cy - 1; yy <= cy + 1; ++yy)
          for (std::size_t xx = cx - 1; xx <= cx + 1; ++xx)
            if (frame.at(xx, yy) > frame.at(bx, by)) bx = xx, by = yy, moved = true;
      }
      ck_assert_msg(std::hypot(double(bx) - x, double(by) - y) < 1.5,
                    "light %d: peak at (%zu, %zu), expected (%g, %g)", number, bx, by, x, y);
      // ... whose centroid is within a fraction of a pixel.
      const Moments mo = measure(frame, x, y, 2.0);
      double tx, ty;
      m.apply(truth_centroids[k].first, truth_centroids[k].second, tx, ty);
      const double error = std::hypot(mo.x - tx, mo.y - ty);
      worst = std::max(worst, error);
      sum2 += error * error;
      ++measured;
    }
    ck_assert(measured >= 8);
    // Photon noise allows about 0.1 px for the faintest; a half-pixel slip or a
    // rotation the wrong way would be several times that. (The blurred light's
    // wide stars are noisier and feel their neighbours more: peaks only.)
    if (num(light, "blurred") != 0.0) continue;
    const double rms = std::sqrt(sum2 / measured);
    ck_assert_msg(rms < 0.15 && worst < 0.4, "light %d: centroids off by %g px rms, %g worst",
                  number, rms, worst);
  }
}
END_TEST

START_TEST(defective_lights_are_blurred_trailed_and_crossed) {
  require_sessions();
  const SimulationPlan plan = simulation_plan({SimulationPreset::Small, 1});
  const auto lights = read_csv(g_small / "truth" / "lights.csv");
  const auto stars = read_csv(g_small / "truth" / "stars.csv");
  int blurred = 0, trailed = 0, satellites = 0;
  for (const Row& light : lights) {
    const int number = int(num(light, "number"));
    blurred += num(light, "blurred") != 0.0 ? 1 : 0;
    trailed += num(light, "trailed") != 0.0 ? 1 : 0;
    satellites += num(light, "satellite") != 0.0 ? 1 : 0;
    ck_assert_int_eq(num(light, "blurred") != 0.0, number == plan.blurred_light);
    ck_assert_int_eq(num(light, "trailed") != 0.0, number == plan.trailed_light);
    ck_assert_int_eq(num(light, "satellite") != 0.0, number == plan.satellite_light);
  }
  ck_assert_int_eq(blurred + trailed + satellites, 3);

  // Star sizes: windowed second moments and peaks of the same stars in three
  // lights; bright stars only, on which faint neighbours and nebula weigh little.
  const auto chosen = isolated_stars(stars, 20000.0, 320, 240, 16.0);
  const Plane dark = read_plane(g_small / "truth" / "master_dark_120s.fit");
  auto sizes = [&](int number, double& along_x, double& along_y, double& cross, double& peaks) {
    const Row& light = lights.at(std::size_t(number - 1));
    const Affine m = affine_of(light);
    Plane frame = read_plane(light_file(g_small, number));
    for (std::size_t i = 0; i < frame.v.size(); ++i) frame.v[i] -= dark.v[i];
    along_x = along_y = cross = peaks = 0.0;
    int n = 0;
    for (const Row& star : chosen) {
      double x, y;
      m.apply(num(star, "x"), num(star, "y"), x, y);
      if (x < 16 || y < 16 || x > 303 || y > 223) continue;
      const Moments mo = measure(frame, x, y, 4.0);
      along_x += mo.xx;
      along_y += mo.yy;
      cross += mo.xy;
      peaks += peak_above_background(frame, x, y) / num(light, "transparency");
      ++n;
    }
    ck_assert(n >= 4);
    along_x /= n;
    along_y /= n;
    cross /= n;
  };
  double rx, ry, rxy, rp, bx, by, bxy, bp, tx, ty, txy, tp;
  sizes(1, rx, ry, rxy, rp);
  sizes(plan.blurred_light, bx, by, bxy, bp);
  sizes(plan.trailed_light, tx, ty, txy, tp);
  const double reference = std::sqrt(rx + ry), blur = std::sqrt(bx + by);
  // Seeing 1.9 times wider: wider in the window (which damps the wings) and a
  // peak about 1.9^2 times lower for the same flux.
  ck_assert_msg(blur > 1.25 * reference, "blurred size %g vs %g", blur, reference);
  ck_assert_msg(rp > 2.2 * bp, "peaks: reference %g, blurred %g", rp, bp);
  ck_assert_msg(std::fabs(rx / ry - 1.0) < 0.1, "reference stars not round: %g, %g", rx, ry);
  // Trailed: stretched along the recorded trail direction.
  const Row& trail = lights.at(std::size_t(plan.trailed_light - 1));
  const double ux = num(trail, "trail_dx"), uy = num(trail, "trail_dy");
  const double length = std::hypot(ux, uy);
  ck_assert(length > 3.0);
  const double along = (tx * ux * ux + 2 * txy * ux * uy + ty * uy * uy) / (length * length);
  const double across = (tx * uy * uy - 2 * txy * ux * uy + ty * ux * ux) / (length * length);
  ck_assert_msg(along > 2.0 * across, "trail moments along %g, across %g", along, across);

  // The satellite frame has a bright line where the truth says; the frame
  // before it has nothing there.
  const Row& crossed = lights.at(std::size_t(plan.satellite_light - 1));
  const double x0 = num(crossed, "satellite_x0"), y0 = num(crossed, "satellite_y0");
  const double x1 = num(crossed, "satellite_x1"), y1 = num(crossed, "satellite_y1");
  ck_assert(std::hypot(x1 - x0, y1 - y0) > 150.0);
  const double nx = -(y1 - y0) / std::hypot(x1 - x0, y1 - y0);
  const double ny = (x1 - x0) / std::hypot(x1 - x0, y1 - y0);
  auto line_excess = [&](const Plane& frame) {
    std::vector<double> on, off;
    for (int k = 10; k <= 90; ++k) {
      const double x = x0 + (x1 - x0) * k / 100.0, y = y0 + (y1 - y0) * k / 100.0;
      on.push_back(frame.at(std::size_t(std::lround(x)), std::size_t(std::lround(y))));
      for (double side : {-12.0, 12.0}) {
        const double ox = x + side * nx, oy = y + side * ny;
        if (ox >= 0 && oy >= 0 && ox <= 319 && oy <= 239)
          off.push_back(frame.at(std::size_t(std::lround(ox)), std::size_t(std::lround(oy))));
      }
    }
    return median_of(on) - median_of(off);
  };
  const double peak = num(crossed, "satellite_peak");
  const double excess = line_excess(read_plane(light_file(g_small, plan.satellite_light)));
  ck_assert_msg(excess > 0.4 * peak, "satellite line %g ADU, peak %g", excess, peak);
  ck_assert(std::fabs(line_excess(read_plane(light_file(g_small, plan.satellite_light - 1)))) <
            0.1 * peak);
}
END_TEST

START_TEST(cosmic_rays_are_sharp_hits_where_listed) {
  require_sessions();
  const Plane light = read_plane(light_file(g_small, 1));
  const Plane dark = read_plane(g_small / "truth" / "master_dark_120s.fit");
  const Plane flat = read_plane(g_small / "truth" / "master_flat.fit", 1.0);
  const Plane sky = read_plane(g_small / "truth" / "sky.fit");
  const std::string name = "lights/" + light_file(g_small, 1).filename().string();
  int hits = 0;
  for (const Row& row : read_csv(g_small / "truth" / "cosmic_rays.csv")) {
    if (row.at("file") != name) continue;
    hits = std::max(hits, int(num(row, "hit")));
    const auto x = std::size_t(num(row, "x")), y = std::size_t(num(row, "y"));
    const std::size_t i = y * light.width + x;
    const double expected = dark.v[i] + sky.v[i] * flat.v[i];
    const double excess = light.v[i] - expected;
    const double charge = num(row, "adu");
    // Shot noise of what the pixel would hold anyway (bias 500 ADU, 0.5 e-/ADU), read noise.
    const double noise = 5.0 * std::sqrt((expected - 500.0) / 0.5 + 49.0);
    if (light.v[i] < 65535.0)
      ck_assert_msg(std::fabs(excess - charge) < noise,
                    "cosmic ray at (%zu, %zu): %g ADU, %g listed", x, y, excess, charge);
  }
  const auto lights = read_csv(g_small / "truth" / "lights.csv");
  ck_assert_int_eq(hits, int(num(lights.at(0), "cosmic_rays")));
  ck_assert(hits >= 2);
  // Every 120 s frame has some; biases have none.
  for (const Row& light : lights) ck_assert(num(light, "cosmic_rays") >= 2.0);
  for (const Row& row : read_csv(g_small / "truth" / "cosmic_rays.csv"))
    ck_assert(row.at("file").rfind("biases/", 0) != 0);
}
END_TEST

START_TEST(colour_sites_see_their_colour) {
  require_sessions();
  const SimulatedCamera camera = simulation_plan({SimulationPreset::Osc, 3}).camera;
  // The CFA sky is the RGB sky sampled at each site's colour.
  const Plane mosaic = read_plane(g_osc / "truth" / "sky.fit");
  Plane rgb[3];
  for (std::size_t c = 0; c < 3; ++c)
    rgb[c] = read_plane(g_osc / "truth" / "sky_rgb.fit", 65535.0, c);
  int different = 0;
  for (std::size_t y = 0; y < mosaic.height; ++y)
    for (std::size_t x = 0; x < mosaic.width; ++x) {
      const auto c = std::size_t(cfa_color(CfaPattern::RGGB, y, x));
      different += mosaic.at(x, y) == rgb[c].at(x, y) ? 0 : 1;
    }
  ck_assert_int_eq(different, 0);
  // The nebula is Ha-red: block medians (which ignore stars) vary much more in
  // red, relative to the background, than in blue.
  auto relative_range = [](const Plane& p) {
    std::vector<double> medians;
    for (std::size_t by = 0; by + 16 <= p.height; by += 16)
      for (std::size_t bx = 0; bx + 16 <= p.width; bx += 16) {
        std::vector<double> block;
        for (std::size_t y = by; y < by + 16; ++y)
          for (std::size_t x = bx; x < bx + 16; ++x) block.push_back(p.at(x, y));
        medians.push_back(median_of(block));
      }
    const auto [low, high] = std::minmax_element(medians.begin(), medians.end());
    return (*high - *low) / median_of(medians);
  };
  const double red_range = relative_range(rgb[0]), blue_range = relative_range(rgb[2]);
  ck_assert_msg(red_range > 1.2 * blue_range, "red %g, blue %g", red_range, blue_range);

  // Flats: each site gets its share of the panel light, as the truth flat says.
  const Plane flat = average(files_in(g_osc / "flats"));
  const Plane truth = read_plane(g_osc / "truth" / "master_flat.fit", 1.0);
  double measured[3] = {0, 0, 0}, expected[3] = {0, 0, 0};
  for (std::size_t y = 0; y < flat.height; ++y)
    for (std::size_t x = 0; x < flat.width; ++x) {
      const auto c = std::size_t(cfa_color(CfaPattern::RGGB, y, x));
      measured[c] += flat.at(x, y) - camera.bias_adu;
      expected[c] += truth.at(x, y);
    }
  ck_assert_double_eq_tol(measured[0] / measured[1], expected[0] / expected[1], 0.01);
  ck_assert_double_eq_tol(measured[2] / measured[1], expected[2] / expected[1], 0.01);
  ck_assert(expected[0] < expected[1] && expected[2] < expected[1]);

  // A calibrated colour light matches the truth per site colour on average.
  const Plane light = read_plane(light_file(g_osc, 1));
  const Plane dark = read_plane(g_osc / "truth" / "master_dark_120s.fit");
  double got[3] = {0, 0, 0}, want[3] = {0, 0, 0};
  for (std::size_t y = 0; y < light.height; ++y)
    for (std::size_t x = 0; x < light.width; ++x) {
      if (light.at(x, y) >= 65535.0 || mosaic.at(x, y) > 0.5 * 65535.0) continue;  // saturated
      const auto c = std::size_t(cfa_color(CfaPattern::RGGB, y, x));
      got[c] += (light.at(x, y) - dark.at(x, y)) / truth.at(x, y);
      want[c] += mosaic.at(x, y);
    }
  for (int c = 0; c < 3; ++c)
    ck_assert_msg(std::fabs(got[c] / want[c] - 1.0) < 0.01, "channel %d: %g vs %g", c, got[c],
                  want[c]);
}
END_TEST

// ---- Progress, cancellation, errors ----

namespace {
class Recorder final : public Progress {
 public:
  explicit Recorder(int cancel_after = -1) : m_cancel_after(cancel_after) {}
  void report(double fraction, std::string_view stage) override {
    fractions.push_back(fraction);
    stages_ok = stages_ok && stage == "Simulating session";
  }
  bool cancelled() const override {
    return m_cancel_after >= 0 && int(fractions.size()) > m_cancel_after;
  }
  std::vector<double> fractions;
  bool stages_ok = true;

 private:
  int m_cancel_after;
};
}  // namespace

START_TEST(progress_cancellation_and_errors) {
  const fs::path folder = test::scratch_folder("simulate-progress");
  Recorder recorder;
  const SimulationSummary summary =
      simulate_session(folder / "session", {SimulationPreset::Small, 4}, recorder);
  ck_assert_int_eq(summary.lights, 10);
  ck_assert_uint_eq(summary.width, 320);
  ck_assert(recorder.fractions.size() >= 46);
  ck_assert(std::is_sorted(recorder.fractions.begin(), recorder.fractions.end()));
  ck_assert_double_eq(recorder.fractions.back(), 1.0);
  ck_assert(recorder.stages_ok);

  Recorder stopper(5);
  bool cancelled = false;
  try {
    simulate_session(folder / "cancelled", {SimulationPreset::Small, 4}, stopper);
  } catch (const Error& e) {
    cancelled = e.kind() == ErrorKind::Cancelled;
  }
  ck_assert(cancelled);
  ck_assert_uint_le(all_files(folder / "cancelled").size(), 5);
  ck_assert(!fs::exists(folder / "cancelled" / "truth" / "README.txt"));

  // A folder that cannot exist: below a regular file.
  std::ofstream(folder / "a-file") << "x";
  const fs::path impossible = folder / "a-file" / "session";
  NoProgress quiet;
  bool named = false;
  try {
    simulate_session(impossible, {SimulationPreset::Small, 1}, quiet);
  } catch (const Error& e) {
    named = e.kind() == ErrorKind::Unwritable && e.file() == impossible;
  }
  ck_assert(named);
  fs::remove_all(folder);
}
END_TEST

int main() {
  Suite* suite = suite_create("simulate");
  TCase* random = tcase_create("random");
  ADD_TEST(random, random_streams_match_reference);
  ADD_TEST(random, random_distributions_have_their_moments);
  suite_add_tcase(suite, random);

  TCase* session = tcase_create("session");
  tcase_add_unchecked_fixture(session, make_sessions, remove_sessions);
  ADD_TEST(session, presets_are_as_documented);
  ADD_TEST(session, layout_and_headers);
  ADD_TEST(session, same_seed_same_bytes_other_seed_other_sky);
  ADD_TEST(session, biases_have_offset_read_noise_and_fixed_pattern);
  ADD_TEST(session, darks_grow_with_exposure_and_show_hot_pixels);
  ADD_TEST(session, flats_show_vignetting_dust_and_prnu);
  ADD_TEST(session, calibrated_light_is_the_truth_sky_plus_shot_noise);
  ADD_TEST(session, stars_sit_where_the_truth_and_transforms_put_them);
  ADD_TEST(session, defective_lights_are_blurred_trailed_and_crossed);
  ADD_TEST(session, cosmic_rays_are_sharp_hits_where_listed);
  ADD_TEST(session, colour_sites_see_their_colour);
  ADD_TEST(session, progress_cancellation_and_errors);
  suite_add_tcase(suite, session);
  return test::run_suite(suite);
}
