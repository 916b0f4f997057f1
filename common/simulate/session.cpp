// SPDX-License-Identifier: GPL-3.0-or-later
// A whole simulated session: the camera, optics and sky of a seed, every frame
// of every series written as the capture program would, then the truth.
#include <algorithm>
#include <cmath>
#include <numbers>
#include <system_error>

#include "artefacts.hpp"
#include "astropack/error.hpp"
#include "astropack/fits.hpp"
#include "astropack/simulate.hpp"
#include "camera_model.hpp"
#include "capture_program.hpp"
#include "frame_transforms.hpp"
#include "optics.hpp"
#include "random.hpp"
#include "sky_model.hpp"
#include "truth.hpp"

namespace astropack {

namespace fs = std::filesystem;
using namespace simulate;

namespace {

// Sub-streams of Stream::Frame for one frame.
enum : std::uint64_t { kLightConditions = 2, kArtefacts = 3, kPanel = 4 };

constexpr double kBlurFactor = 1.9;       // seeing of the blurred light
constexpr double kTrailInFwhm = 2.5;      // length of the trailed light's star trails
constexpr double kSatellitePeakE = 1500;  // photo-electrons on the trail's centre line
constexpr double kPanelFlicker = 0.004;   // rms flat-panel brightness change between flats

void make_folder(const fs::path& folder) {
  std::error_code ec;
  fs::create_directories(folder, ec);
  if (ec || !fs::is_directory(folder)) {
    throw Error(ErrorKind::Unwritable, folder,
                "cannot be created (" + (ec ? ec.message() : std::string("not a folder")) +
                    "); choose a folder you can write to.");
  }
}

std::uint64_t kind_index(FrameKind kind) noexcept { return static_cast<std::uint64_t>(kind) + 1; }

std::vector<LightRecord> plan_lights(const SimulationPlan& plan) {
  const std::vector<FrameMotion> motions = make_dithers(
      plan.seed, plan.lights, plan.max_dither_px, plan.max_rotation_deg, plan.width, plan.height);
  std::vector<LightRecord> lights;
  for (int number = 1; number <= plan.lights; ++number) {
    Rng rng(stream_key(plan.seed, Stream::Frame, kind_index(FrameKind::Light),
                       static_cast<std::uint64_t>(number), kLightConditions));
    LightRecord light;
    light.number = number;
    light.file = std::string(folder_name(FrameKind::Light)) + "/" +
                 frame_file_name(plan, FrameKind::Light, number);
    light.date_obs = observation_time(plan, FrameKind::Light, number);
    light.motion = motions[static_cast<std::size_t>(number - 1)];
    light.psf.beta = plan.moffat_beta;
    light.psf.fwhm = plan.seeing_fwhm_px;
    // Seeing and the sky change a little from frame to frame; light 1 is the reference.
    const double seeing = std::clamp(1.0 + 0.05 * rng.normal(), 0.88, 1.12);
    const double transparency = rng.uniform(0.90, 1.0);
    const double sky_factor = rng.uniform(0.95, 1.10);
    if (number > 1) {
      light.psf.fwhm *= seeing;
      light.transparency = transparency;
      light.sky_factor = sky_factor;
    }
    if (number == plan.blurred_light) {
      light.blurred = true;
      light.psf.fwhm *= kBlurFactor;
    }
    const double trail_angle = rng.uniform(0.0, 2.0 * std::numbers::pi);
    if (number == plan.trailed_light) {
      light.trailed = true;
      light.psf.trail_dx = kTrailInFwhm * plan.seeing_fwhm_px * std::cos(trail_angle);
      light.psf.trail_dy = kTrailInFwhm * plan.seeing_fwhm_px * std::sin(trail_angle);
    }
    if (number == plan.satellite_light) {
      light.satellite = true;
      light.trail = make_satellite(rng, plan.width, plan.height, light.psf.fwhm, kSatellitePeakE);
    }
    lights.push_back(light);
  }
  return lights;
}

// Cosmic rays scale with the exposure; lights and darks always get a few.
std::vector<CosmicRay> plan_cosmic_rays(const SimulationPlan& plan, FrameKind kind, int number) {
  if (kind == FrameKind::Bias) return {};
  Rng rng(stream_key(plan.seed, Stream::Frame, kind_index(kind), static_cast<std::uint64_t>(number),
                     kArtefacts));
  const double exposure = exposure_of(plan, kind);
  const double mean = plan.cosmic_rays_per_frame * exposure / plan.light_exposure_s;
  const int minimum =
      exposure >= plan.light_exposure_s / 2.0 ? (kind == FrameKind::Light ? 2 : 1) : 0;
  return make_cosmic_rays(rng, mean, minimum, plan.width, plan.height);
}

class SessionWriter {
 public:
  SessionWriter(const fs::path& folder, const SimulationPlan& plan)
      : m_folder(folder),
        m_plan(plan),
        m_optics(make_optics(plan)),
        m_camera(plan, m_optics.illumination),
        m_sky(plan,
              dither_reach(plan.max_dither_px, plan.max_rotation_deg, plan.width, plan.height)) {
    m_truth.plan = &m_plan;
    m_truth.camera = &m_camera;
    m_truth.optics = &m_optics;
    m_truth.sky = &m_sky;
    m_truth.lights = plan_lights(plan);
  }

  void write_frame(FrameKind kind, int number) {
    const std::string relative =
        std::string(folder_name(kind)) + "/" + frame_file_name(m_plan, kind, number);
    const std::vector<CosmicRay> rays = plan_cosmic_rays(m_plan, kind, number);
    std::vector<Deposit> deposits;
    for (const CosmicRay& ray : rays) {
      deposits.insert(deposits.end(), ray.deposits.begin(), ray.deposits.end());
      m_truth.cosmic_rays.push_back({relative, ray});
    }

    ExposureRequest request;
    request.exposure_s = exposure_of(m_plan, kind);
    request.temperature_c = m_plan.camera.set_temperature_c;
    request.deposits = deposits;
    request.noise_key = stream_key(m_plan.seed, Stream::Pixels, kind_index(kind),
                                   static_cast<std::uint64_t>(number));
    std::vector<float> signal;
    if (kind == FrameKind::Flat) {
      Rng rng(stream_key(m_plan.seed, Stream::Frame, kind_index(kind),
                         static_cast<std::uint64_t>(number), kPanel));
      const double level = (m_plan.camera.flat_level * 65535.0 - m_plan.camera.bias_adu) *
                           m_plan.camera.electrons_per_adu;
      request.uniform_signal = level * (1.0 + kPanelFlicker * rng.normal());
    } else if (kind == FrameKind::Light) {
      const LightRecord& light = m_truth.lights[static_cast<std::size_t>(number - 1)];
      FrameView view;
      view.reference_to_frame = light.motion.reference_to_frame;
      view.psf = light.psf;
      view.exposure_s = request.exposure_s;
      view.transparency = light.transparency;
      view.sky_factor = light.sky_factor;
      view.layout = ChannelLayout{m_plan.cfa, 0};
      signal = m_sky.render(view, m_plan.width, m_plan.height);
      if (light.satellite) add_satellite(signal, m_plan.width, m_plan.height, light.trail);
      request.signal = signal;
    }

    Image frame = m_camera.expose(request);
    frame.header() = frame_header(m_plan, kind, number);
    write_fits(m_folder / relative, frame, SampleFormat::UInt16);
  }

  void write_truth_files() { write_truth(m_folder / "truth", m_truth); }

 private:
  fs::path m_folder;
  SimulationPlan m_plan;
  Optics m_optics;
  CameraModel m_camera;
  SkyModel m_sky;
  SessionTruth m_truth;
};

}  // namespace

SimulationSummary simulate_session(const fs::path& folder, const SimulationOptions& options,
                                   Progress& progress) {
  const SimulationPlan plan = simulation_plan(options);
  make_folder(folder);
  for (FrameKind kind : kFrameKinds) make_folder(folder / folder_name(kind));
  make_folder(folder / "truth");

  constexpr std::string_view stage = "Simulating session";
  progress.report(0.0, stage);
  SessionWriter writer(folder, plan);
  int total = 1, done = 0;
  for (FrameKind kind : kFrameKinds) total += frame_count(plan, kind);
  for (FrameKind kind : kFrameKinds) {
    for (int number = 1; number <= frame_count(plan, kind); ++number) {
      throw_if_cancelled(progress);
      writer.write_frame(kind, number);
      progress.report(static_cast<double>(++done) / total, stage);
    }
  }
  throw_if_cancelled(progress);
  writer.write_truth_files();
  progress.report(1.0, stage);

  SimulationSummary summary;
  summary.folder = folder;
  summary.biases = plan.biases;
  summary.darks = plan.darks;
  summary.flats = plan.flats;
  summary.darkflats = plan.darkflats;
  summary.lights = plan.lights;
  summary.width = plan.width;
  summary.height = plan.height;
  summary.cfa = plan.cfa;
  return summary;
}

}  // namespace astropack
