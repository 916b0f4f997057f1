// SPDX-License-Identifier: GPL-3.0-or-later
#include "truth.hpp"

#include <algorithm>
#include <cerrno>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <set>

#include "astropack/error.hpp"
#include "astropack/fits.hpp"
#include "astropack/output_file.hpp"
#include "capture_program.hpp"

namespace astropack::simulate {

namespace fs = std::filesystem;

namespace {

// printf-style formatting into a std::string (numbers are formatted the same
// way everywhere, so the files are byte-identical for a seed).
template <typename... Args>
std::string format(const char* pattern, Args... args) {
  char buffer[512];
  std::snprintf(buffer, sizeof buffer, pattern, args...);
  return buffer;
}

void write_text(const fs::path& file, const std::string& text) {
  OutputFile output(file);
  {
    std::ofstream stream(output.temporary(), std::ios::binary);
    stream.write(text.data(), static_cast<std::streamsize>(text.size()));
    stream.flush();
    if (!stream) {
      throw Error(ErrorKind::Unwritable, file,
                  "could not be written (" + std::string(std::strerror(errno)) +
                      "); check the free space and permissions of the folder.");
    }
  }
  output.commit();
}

Header truth_header(const SessionTruth& truth, FrameKind kind, std::string_view type,
                    std::string_view note) {
  Header header = frame_header(*truth.plan, kind, 1);
  header.image_type = std::string(type);
  header.date_obs.clear();
  header.history.push_back(std::string(note));
  return header;
}

void write_image(const fs::path& file, std::vector<float> pixels, std::size_t width,
                 std::size_t height, std::size_t channels, Header header) {
  Image image(width, height, channels);
  std::copy(pixels.begin(), pixels.end(), image.samples().begin());
  image.header() = std::move(header);
  write_fits(file, image, SampleFormat::Float32);
}

std::vector<float> to_normalised(const std::vector<double>& adu) {
  std::vector<float> out(adu.size());
  for (std::size_t i = 0; i < adu.size(); ++i) out[i] = static_cast<float>(adu[i] / 65535.0);
  return out;
}

// Normalised ADU, capped just below 2: readers that follow Siril take a float
// file whose maximum exceeds 2 to be in ADU and would divide it all by 65535.
constexpr double kTruthCap = 1.99;

std::vector<float> electrons_to_normalised(std::vector<float> electrons, double gain) {
  for (float& v : electrons)
    v = static_cast<float>(std::min(double(v) / gain / 65535.0, kTruthCap));
  return electrons;
}

// `sky` is the reference light's noise-free sky in calibrated photo-electrons.
void write_masters(const fs::path& folder, const SessionTruth& truth,
                   const std::vector<float>& sky) {
  const SimulationPlan& plan = *truth.plan;
  const CameraModel& camera = *truth.camera;
  const std::size_t w = plan.width, h = plan.height;

  std::vector<double> bias(camera.bias_adu().begin(), camera.bias_adu().end());
  write_image(folder / "master_bias.fit", to_normalised(bias), w, h, 1,
              truth_header(truth, FrameKind::Bias, "Master Bias",
                           "Noise-free bias: offset plus fixed row and column pattern"));

  std::set<double> exposures;
  if (plan.darks > 0) exposures.insert(plan.dark_exposure_s);
  if (plan.darkflats > 0) exposures.insert(plan.flat_exposure_s);
  for (double exposure : exposures) {
    Header header = truth_header(truth, FrameKind::Dark, "Master Dark",
                                 "Noise-free dark: bias, dark current, hot pixels, amp glow");
    header.exposure = exposure;
    write_image(folder / ("master_dark_" + short_number(exposure) + "s.fit"),
                to_normalised(camera.mean_dark_adu(exposure)), w, h, 1, std::move(header));
  }

  write_image(folder / "master_flat.fit", camera.response(), w, h, 1,
              truth_header(truth, FrameKind::Flat, "Master Flat",
                           "Normalised response (mean 1): vignetting x dust x PRNU"));

  const double gain = camera.gain();
  write_image(folder / "sky.fit", electrons_to_normalised(sky, gain), w, h, 1,
              truth_header(truth, FrameKind::Light, "Sky",
                           "Noise-free calibrated sky of light 1 (background, nebula, stars)"));
  if (plan.cfa) {
    std::vector<float> rgb;
    for (int c = 0; c < 3; ++c) {
      const auto plane = electrons_to_normalised(
          truth.sky->render(reference_view(truth, ChannelLayout{false, c}), w, h), gain);
      rgb.insert(rgb.end(), plane.begin(), plane.end());
    }
    Header header = truth_header(truth, FrameKind::Light, "Sky",
                                 "Noise-free calibrated sky of light 1 in R, G, B planes");
    header.bayer_pattern.clear();
    write_image(folder / "sky_rgb.fit", std::move(rgb), w, h, 3, std::move(header));
  }
}

std::string stars_csv(const SessionTruth& truth, const std::vector<float>& sky) {
  const SimulationPlan& plan = *truth.plan;
  const CameraModel& camera = *truth.camera;
  const double to_adu = plan.light_exposure_s / camera.gain();
  const Psf psf = truth.lights.front().psf;
  // The reference light without noise, in ADU: where it reaches 65535 it clips.
  std::vector<double> light = camera.mean_dark_adu(plan.light_exposure_s);
  for (std::size_t i = 0; i < light.size(); ++i)
    light[i] += double(sky[i]) * camera.response()[i] / camera.gain();
  const auto clips = [&](const Star& star, double fallback) {
    const double x = std::round(star.x), y = std::round(star.y);
    if (x < 1.0 || y < 1.0 || x > double(plan.width) - 2.0 || y > double(plan.height) - 2.0)
      return fallback >= 65535.0;  // off the frame: judged from the profile's peak
    double most = 0.0;
    for (std::size_t j = std::size_t(y) - 1; j <= std::size_t(y) + 1; ++j)
      for (std::size_t i = std::size_t(x) - 1; i <= std::size_t(x) + 1; ++i)
        most = std::max(most, light[j * plan.width + i]);
    return most >= 65535.0;
  };
  std::string text = "id,x,y,flux,fwhm,peak,saturated,temperature,red,green,blue\n";
  int id = 1;
  for (const Star& star : truth.sky->stars()) {
    const double flux = star.rate * to_adu;
    const double peak = flux * psf.peak_per_flux();
    const double brightest = std::max({star.colour[0], star.colour[1], star.colour[2]});
    double level = plan.camera.bias_adu + peak * brightest;
    for (int c = 0; c < truth.sky->channels(); ++c)
      level = std::max(level, plan.camera.bias_adu + peak * star.colour[c] +
                                  to_adu * (truth.sky->background(c, star.x, star.y) +
                                            truth.sky->nebula(c, star.x, star.y)));
    text += format("%d,%.4f,%.4f,%.2f,%.4f,%.2f,%d,%.0f,%.4f,%.4f,%.4f\n", id++, star.x, star.y,
                   flux, psf.fwhm, peak, clips(star, level) ? 1 : 0, star.temperature_k,
                   star.colour[0], star.colour[1], star.colour[2]);
  }
  return text;
}

std::string lights_csv(const SessionTruth& truth) {
  const double to_adu = 1.0 / truth.camera->gain();
  std::string text =
      "number,file,date_obs,dx,dy,rotation_deg,a,b,c,d,e,f,fwhm,transparency,sky_factor,"
      "blurred,trailed,trail_dx,trail_dy,satellite,satellite_x0,satellite_y0,satellite_x1,"
      "satellite_y1,satellite_peak,cosmic_rays\n";
  for (const LightRecord& light : truth.lights) {
    const Affine2& m = light.motion.reference_to_frame;
    const auto hits = std::count_if(truth.cosmic_rays.begin(), truth.cosmic_rays.end(),
                                    [&](const CosmicRecord& r) { return r.file == light.file; });
    text += format("%d,%s,%s,", light.number, light.file.c_str(), light.date_obs.c_str());
    text += format("%.6f,%.6f,%.6f,", light.motion.dx, light.motion.dy, light.motion.rotation_deg);
    text += format("%.9f,%.9f,%.6f,%.9f,%.9f,%.6f,", m.a, m.b, m.c, m.d, m.e, m.f);
    text += format("%.4f,%.4f,%.4f,%d,%d,%.4f,%.4f,", light.psf.fwhm, light.transparency,
                   light.sky_factor, light.blurred ? 1 : 0, light.trailed ? 1 : 0,
                   light.psf.trail_dx, light.psf.trail_dy);
    if (light.satellite) {
      text += format("1,%.4f,%.4f,%.4f,%.4f,%.2f,", light.trail.x0, light.trail.y0, light.trail.x1,
                     light.trail.y1, light.trail.peak * to_adu);
    } else {
      text += "0,,,,,,";
    }
    text += format("%ld\n", static_cast<long>(hits));
  }
  return text;
}

std::string cosmic_rays_csv(const SessionTruth& truth) {
  const double to_adu = 1.0 / truth.camera->gain();
  std::string text = "file,hit,x,y,electrons,adu\n";
  std::string previous;
  int hit = 0;
  for (const CosmicRecord& record : truth.cosmic_rays) {
    hit = record.file == previous ? hit + 1 : 1;
    previous = record.file;
    for (const Deposit& d : record.ray.deposits)
      text += format("%s,%d,%zu,%zu,%.1f,%.1f\n", record.file.c_str(), hit, d.x, d.y, d.electrons,
                     d.electrons * to_adu);
  }
  return text;
}

std::string hot_pixels_csv(const SessionTruth& truth) {
  const SimulationPlan& plan = *truth.plan;
  const double to_adu = plan.dark_exposure_s / truth.camera->gain();
  std::string text = "x,y,kind,dark_e_per_s,dark_adu\n";
  for (const DefectPixel& p : truth.camera->defects())
    text += format("%zu,%zu,%s,%.4f,%.1f\n", p.x, p.y, p.hot ? "hot" : "warm", p.rate_e_per_s,
                   p.rate_e_per_s * to_adu);
  return text;
}

std::string dust_csv(const SessionTruth& truth) {
  std::string text = "x,y,radius,depth\n";
  for (const DustMote& mote : truth.optics->motes)
    text += format("%.3f,%.3f,%.3f,%.4f\n", mote.x, mote.y, mote.radius, mote.depth);
  return text;
}

std::string readme(const SessionTruth& truth) {
  const SimulationPlan& plan = *truth.plan;
  const SimulatedCamera& cam = plan.camera;
  const Optics& optics = *truth.optics;
  std::string t;
  t += "Ground truth of a simulated astropack session\n";
  t += "=============================================\n\n";
  t += format("Preset %s, seed %llu: %zu x %zu pixels, %s.\n",
              std::string(to_string(plan.preset)).c_str(),
              static_cast<unsigned long long>(plan.seed), plan.width, plan.height,
              plan.cfa ? "colour camera, RGGB Bayer mosaic" : "mono camera, filter L");
  t += format(
      "Frames: %d biases (%gs), %d darks (%gs), %d flats (%gs), %d dark-flats (%gs), "
      "%d lights (%gs).\n",
      plan.biases, plan.bias_exposure_s, plan.darks, plan.dark_exposure_s, plan.flats,
      plan.flat_exposure_s, plan.darkflats, plan.flat_exposure_s, plan.lights,
      plan.light_exposure_s);
  t += format(
      "Light %d is blurred (seeing x1.9), light %d is trailed, light %d has a "
      "satellite trail. Light 1 is the reference.\n\n",
      plan.blurred_light, plan.trailed_light, plan.satellite_light);
  t += "Conventions\n-----------\n";
  t +=
      "Coordinates are 0-based stored pixel coordinates: x = column, y = stored row (FITS\n"
      "storage order, ROWORDER TOP-DOWN), pixel centres at integer values. Images are\n"
      "normalised like the frames: ADU / 65535, not clipped at 1 (saturated star cores\n"
      "exceed 1; sky values are capped at 1.99, because readers following Siril take float\n"
      "data with a maximum above 2 to be in ADU).\n"
      "Every frame pixel is\n"
      "  electrons = Poisson(exposure * sky * response + exposure * (dark + glow)) + cosmic rays\n"
      "  ADU = round(electrons / gain + bias + Normal(0, read_noise / gain)), clipped to 0..65535\n"
      "so (light - master_dark) / master_flat gives the sky exactly, apart from noise.\n\n";
  t += "Camera\n------\n";
  t +=
      format("Instrument %s on %s, %.2f um pixels, focal length %.0f mm.\n", cam.instrument.c_str(),
             cam.telescope.c_str(), cam.pixel_size_um, cam.focal_length_mm);
  t += format("Gain %.3f e-/ADU (16-bit ADU; GAIN setting %d, OFFSET setting %d).\n",
              cam.electrons_per_adu, cam.gain_setting, cam.offset_setting);
  t += format(
      "Read noise %.2f e- = %.2f ADU rms. Bias %.0f ADU; fixed row pattern %.2f ADU rms,\n"
      "column pattern %.2f ADU rms.\n",
      cam.read_noise_e, cam.read_noise_e / cam.electrons_per_adu, cam.bias_adu, cam.row_pattern_adu,
      cam.column_pattern_adu);
  t += format(
      "Sensor at %.1f C. Dark current %.3f e-/s at 0 C, doubling every %.1f C: "
      "%.4f e-/s here,\n%.0f %% pixel-to-pixel spread. Hot pixels (%.3f %%): 20..150 "
      "e-/s; warm pixels (%.2f %%): 0.5..4 e-/s.\n",
      cam.set_temperature_c, cam.dark_current_at_0c, cam.dark_doubling_c,
      cam.dark_current_at(cam.set_temperature_c), 100.0 * cam.dark_non_uniformity,
      100.0 * cam.hot_pixel_fraction, 100.0 * cam.warm_pixel_fraction);
  t += format(
      "Amplifier glow %.2f e-/s at the corner x = width - 1, y = 0, falling by e every "
      "%.0f pixels.\n",
      cam.amp_glow_e_per_s,
      cam.amp_glow_scale * std::hypot(double(plan.width), double(plan.height)));
  t += format(
      "PRNU %.1f %% rms. Vignetting (1 + (r/%.1f)^2)^-2 around the optical centre "
      "(%.2f, %.2f).\n",
      100.0 * cam.prnu, optics.vignetting_radius, optics.centre_x, optics.centre_y);
  if (plan.cfa)
    t += "The flat panel gives R, G, B sites 0.82 : 1 : 0.70 of its light; master_flat includes "
         "it.\n";
  t += format(
      "Flats: %.0f %% of 65535 ADU on average. Seeing FWHM %.2f px (Moffat beta %.1f) on "
      "light 1.\n\n",
      100.0 * cam.flat_level, plan.seeing_fwhm_px, plan.moffat_beta);
  t += "Files\n-----\n";
  t += "master_bias.fit        noise-free bias (ADU / 65535)\n";
  t += "master_dark_<t>s.fit   noise-free dark for each dark exposure t, bias included, as a\n"
       "                       camera records it (dark current, hot and warm pixels, amp glow)\n";
  t += "master_flat.fit        normalised response, mean 1 (vignetting x dust x PRNU";
  t += plan.cfa ? " x panel colour)\n" : ")\n";
  t += "sky.fit                noise-free calibrated sky of light 1 (background gradient,\n"
       "                       nebula, stars), in light 1's geometry and seeing";
  t += plan.cfa
           ? ", as a Bayer mosaic\nsky_rgb.fit            the same with R, G, B at every pixel\n"
           : "\n";
  t += "stars.csv              id, x, y (reference frame = light 1), flux (total ADU in a light\n"
       "                       at transparency 1), fwhm (light 1), peak (ADU above the sky),\n"
       "                       saturated (1 if its noise-free core reaches 65535 ADU in light 1),\n"
       "                       temperature (K), red, green, blue (factor per Bayer site; 1 for\n"
       "                       mono). Stars may lie just outside light 1 and enter other\n"
       "                       lights through dithers.\n";
  t += "lights.csv             per light: dx, dy, rotation_deg (counter-clockwise in x, y about\n"
       "                       the frame centre), the affine from reference to frame\n"
       "                       x' = a x + b y + c, y' = d x + e y + f, fwhm, transparency (stars\n"
       "                       and nebula), sky_factor (background), flags blurred / trailed\n"
       "                       (with the trail vector) / satellite (end points in frame\n"
       "                       coordinates, peak ADU), number of cosmic-ray hits\n";
  t += "cosmic_rays.csv        every pixel hit in every frame: file, hit number, x, y, charge\n";
  t += "hot_pixels.csv         hot and warm pixels: x, y, kind, dark current (e-/s), ADU in a "
       "dark\n";
  t +=
      "dust.csv               dust shadows: centre, outer radius (px), fraction of light removed\n";
  return t;
}

}  // namespace

FrameView reference_view(const SessionTruth& truth, ChannelLayout layout) {
  FrameView view;
  const LightRecord& first = truth.lights.front();
  view.reference_to_frame = first.motion.reference_to_frame;
  view.psf = first.psf;
  view.exposure_s = truth.plan->light_exposure_s;
  view.transparency = first.transparency;
  view.sky_factor = first.sky_factor;
  view.layout = layout;
  return view;
}

void write_truth(const fs::path& folder, const SessionTruth& truth) {
  const std::vector<float> sky =
      truth.sky->render(reference_view(truth, ChannelLayout{truth.plan->cfa, 0}), truth.plan->width,
                        truth.plan->height);
  write_masters(folder, truth, sky);
  write_text(folder / "stars.csv", stars_csv(truth, sky));
  write_text(folder / "lights.csv", lights_csv(truth));
  write_text(folder / "cosmic_rays.csv", cosmic_rays_csv(truth));
  write_text(folder / "hot_pixels.csv", hot_pixels_csv(truth));
  write_text(folder / "dust.csv", dust_csv(truth));
  write_text(folder / "README.txt", readme(truth));
}

}  // namespace astropack::simulate
