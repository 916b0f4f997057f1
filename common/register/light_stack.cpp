// SPDX-License-Identifier: GPL-3.0-or-later
#include "astropack/light_stack.hpp"

#include <algorithm>
#include <cmath>
#include <exception>
#include <numeric>

#include "astropack/band_plan.hpp"
#include "astropack/cfa.hpp"
#include "astropack/error.hpp"
#include "astropack/fits.hpp"
#include "astropack/frame_quality.hpp"
#include "astropack/frame_set.hpp"
#include "astropack/image_file.hpp"
#include "astropack/stack_engine.hpp"
#include "astropack/statistics.hpp"

namespace astropack {

namespace fs = std::filesystem;

namespace {

// Geometry and header of a frame file (any format).
FitsInfo frame_info(const fs::path& file) {
  const FrameSet one = FrameSet::from_files({file});
  FitsInfo info;
  info.layout.width = one.width();
  info.layout.height = one.height();
  info.layout.channels = one.channels();
  info.header = one.header(0);
  return info;
}

// What the measuring pass learns about one frame.
struct FrameSurvey {
  FrameMeasurement measurement;
  float lift = 0.0f;      // demosaic_lift of a CFA frame
  double weight = 0.0;    // SNR or PSF weight when measured here
  std::string failure;    // set when the frame cannot be used
};

// The R, G (first green of each cell) and B photosites of a CFA mosaic as
// three half-size planes: each colour measured on its own samples.
Image site_planes(const Image& mosaic, CfaPattern origin) {
  const std::size_t w = mosaic.width() / 2, h = mosaic.height() / 2;
  Image planes(w, h, 3);
  for (std::size_t cy = 0; cy < h; ++cy) {
    for (std::size_t cx = 0; cx < w; ++cx) {
      bool green_done = false;
      for (std::size_t dy = 0; dy < 2; ++dy)
        for (std::size_t dx = 0; dx < 2; ++dx) {
          const std::size_t y = 2 * cy + dy, x = 2 * cx + dx;
          const auto colour = static_cast<std::size_t>(cfa_color(origin, y, x));
          if (colour == 1 && green_done) continue;
          green_done = green_done || colour == 1;
          planes.at(colour, cy, cx) = mosaic.at(0, y, x);
        }
    }
  }
  return planes;
}

FrameMeasurement measure_channels(const Image& image, ScaleEstimator estimator) {
  FrameMeasurement m;
  for (std::size_t c = 0; c < image.channels(); ++c) {
    const ConstImageView channel = image.view().plane(c);
    m.channels.push_back(estimator == ScaleEstimator::Ikss ? ikss_estimate(channel)
                                                           : median_mad_estimate(channel));
    m.noise.push_back(background_noise(channel));
  }
  return m;
}

FrameSurvey survey_frame(const fs::path& file, bool demosaic, const LightStackOptions& o,
                         bool measure_weight) {
  FrameSurvey survey;
  const Image frame = read_image(file);
  const std::optional<CfaPattern> origin =
      demosaic ? phase_at_origin(frame.header(), frame.height()) : std::nullopt;
  if (origin && frame.channels() == 1) {
    survey.lift = demosaic_lift(frame.view());
    survey.measurement = measure_channels(site_planes(frame, *origin), o.integration.estimator);
  } else {
    survey.measurement = measure_channels(frame, o.integration.estimator);
  }
  if (measure_weight) {
    const FrameQuality quality = measure_frame(frame);
    survey.weight = o.weighting == StackWeighting::Snr ? quality.snr_weight : quality.psf_weight;
    if (!(survey.weight > 0) || !std::isfinite(survey.weight)) {
      survey.failure = "has no measurable stars, so it has no ";
      survey.failure.append(to_string(o.weighting)).append(" weight.");
    }
  }
  return survey;
}

// Reads and measures every frame, several at once when the budget allows; a
// frame that cannot be read is marked, not fatal.
std::vector<FrameSurvey> survey_frames(const std::vector<LightFrame>& frames, bool demosaic,
                                       const LightStackOptions& o, std::size_t frame_bytes,
                                       Progress& progress) {
  std::vector<FrameSurvey> surveys(frames.size());
  const std::size_t budget =
      o.integration.memory_budget ? o.integration.memory_budget : default_memory_budget();
  // A frame in memory costs about four times its size while it is measured.
  const int threads = static_cast<int>(
      std::clamp<std::size_t>(budget / std::max<std::size_t>(4 * frame_bytes, 1), 1,
                              static_cast<std::size_t>(worker_threads(o.integration.threads))));
  std::size_t done = 0;
#pragma omp parallel for schedule(dynamic) num_threads(threads)
  for (std::size_t i = 0; i < frames.size(); ++i) {
    if (progress.cancelled()) continue;
    const bool measure_weight = (o.weighting == StackWeighting::Snr ||
                                 o.weighting == StackWeighting::Psf) &&
                                !(frames[i].selection_weight > 0);
    try {
      surveys[i] = survey_frame(frames[i].file, demosaic, o, measure_weight);
    } catch (const Error& e) {
      surveys[i].failure = e.sentence();
    } catch (const std::exception& e) {
      surveys[i].failure = std::string("could not be read (") + e.what() + ").";
    }
#pragma omp critical(astropack_survey_progress)
    progress.report(double(++done) / double(frames.size()), "Measuring frames");
  }
  throw_if_cancelled(progress);
  return surveys;
}

// The frame's geometry, or a sentence saying why it does not fit the reference's.
std::string geometry_mismatch(const FitsInfo& info, const FitsInfo& reference,
                              const fs::path& reference_file) {
  const auto describe = [](const FitsInfo& i) {
    std::string text = std::to_string(i.layout.width);
    text.append(" x ").append(std::to_string(i.layout.height));
    text.append(i.header.is_cfa() ? " CFA" : i.layout.channels == 3 ? " RGB" : " mono");
    return text;
  };
  if (info.layout.width == reference.layout.width && info.layout.height == reference.layout.height &&
      info.layout.channels == reference.layout.channels &&
      info.header.bayer_pattern == reference.header.bayer_pattern)
    return {};
  std::string sentence = "is ";
  sentence.append(describe(info)).append(" but the reference ");
  sentence.append(reference_file.filename().string()).append(" is ").append(describe(reference));
  sentence.append("; only frames of one camera and size are stacked together.");
  return sentence;
}

// Per output pixel, the summed weights of the frames whose area covers it.
Image coverage_of(const std::vector<Transform>& transforms, const std::vector<float>& weights,
                  std::size_t width, std::size_t height, std::size_t frame_width,
                  std::size_t frame_height, int threads) {
  Image coverage(width, height, 1);
  const double right = double(frame_width) - 0.5, bottom = double(frame_height) - 0.5;
#pragma omp parallel for schedule(static) num_threads(threads)
  for (std::size_t y = 0; y < height; ++y) {
    float* row = coverage.row(0, y);
    for (std::size_t f = 0; f < transforms.size(); ++f) {
      const float w = weights.empty() ? 1.0f : weights[f];
      for (std::size_t x = 0; x < width; ++x) {
        const Point2 p = transforms[f].apply({double(x), double(y)});
        if (p.x >= -0.5 && p.x <= right && p.y >= -0.5 && p.y <= bottom) row[x] += w;
      }
    }
  }
  return coverage;
}

}  // namespace

std::optional<StackWeighting> parse_stack_weighting(std::string_view name) noexcept {
  if (name == "none") return StackWeighting::None;
  if (name == "exposure") return StackWeighting::Exposure;
  if (name == "noise") return StackWeighting::Noise;
  if (name == "snr") return StackWeighting::Snr;
  if (name == "psf") return StackWeighting::Psf;
  return std::nullopt;
}

std::string_view to_string(StackWeighting weighting) noexcept {
  switch (weighting) {
    case StackWeighting::None: return "none";
    case StackWeighting::Exposure: return "exposure";
    case StackWeighting::Noise: return "noise";
    case StackWeighting::Snr: return "snr";
    case StackWeighting::Psf: return "psf";
  }
  return "none";
}

std::optional<Framing> parse_framing(std::string_view name) noexcept {
  if (name == "reference") return Framing::Reference;
  if (name == "common") return Framing::Common;
  return std::nullopt;
}

std::string_view to_string(Framing framing) noexcept {
  return framing == Framing::Common ? "common" : "reference";
}

LightStackOptions default_light_stack_options() {
  LightStackOptions o;
  o.integration.combination = Combination::Mean;
  o.integration.normalisation = Normalisation::AdditiveScale;
  o.integration.estimator = ScaleEstimator::Ikss;
  return o;
}

std::optional<GridRectangle> common_area(const std::vector<Transform>& reference_to_frame,
                                         std::size_t width, std::size_t height,
                                         std::size_t frame_width, std::size_t frame_height) {
  if (width == 0 || height == 0 || frame_width == 0 || frame_height == 0) return std::nullopt;
  // Corners of the rectangle must map onto pixel centres of every frame. A
  // corner that falls outside moves inward by the local inverse of the map
  // (exact for affine maps); the rectangle only ever shrinks.
  double x0 = 0, y0 = 0, x1 = double(width - 1), y1 = double(height - 1);
  const double right = double(frame_width - 1), bottom = double(frame_height - 1);
  const auto inside = [&](const Transform& t, double x, double y, double slack) {
    const Point2 p = t.apply({x, y});
    return p.x >= -slack && p.x <= right + slack && p.y >= -slack && p.y <= bottom + slack;
  };
  for (int iteration = 0; iteration < 200; ++iteration) {
    bool moved = false;
    for (const Transform& t : reference_to_frame) {
      for (int corner = 0; corner < 4; ++corner) {
        const bool left = corner % 2 == 0, top = corner < 2;
        const double cx = left ? x0 : x1, cy = top ? y0 : y1;
        const Point2 p = t.apply({cx, cy});
        const double du = std::clamp(p.x, 0.0, right) - p.x, dv = std::clamp(p.y, 0.0, bottom) - p.y;
        if (std::abs(du) < 1e-9 && std::abs(dv) < 1e-9) continue;
        // Jacobian by unit steps (exact for affine maps).
        const Point2 px = t.apply({cx + 1, cy}), py = t.apply({cx, cy + 1});
        const double a = px.x - p.x, b = py.x - p.x, c = px.y - p.y, d = py.y - p.y;
        const double det = a * d - b * c;
        if (!(std::abs(det) > 1e-12)) return std::nullopt;
        const double ax = (d * du - b * dv) / det, ay = (-c * du + a * dv) / det;
        if (left) x0 += std::max(0.0, ax);
        else x1 += std::min(0.0, ax);
        if (top) y0 += std::max(0.0, ay);
        else y1 += std::min(0.0, ay);
        moved = true;
      }
    }
    if (x0 > x1 || y0 > y1) return std::nullopt;
    if (!moved) break;
  }
  GridRectangle r{static_cast<std::size_t>(std::ceil(x0 - 1e-6)), static_cast<std::size_t>(std::ceil(y0 - 1e-6)),
                  static_cast<std::size_t>(std::floor(x1 + 1e-6)), static_cast<std::size_t>(std::floor(y1 + 1e-6))};
  // Whatever the iterations left undone, the corners must check out.
  for (int shrink = 0; shrink < 8; ++shrink) {
    if (r.x0 > r.x1 || r.y0 > r.y1) return std::nullopt;
    const bool all = std::all_of(reference_to_frame.begin(), reference_to_frame.end(), [&](const Transform& t) {
      return inside(t, double(r.x0), double(r.y0), 1e-6) && inside(t, double(r.x1), double(r.y0), 1e-6) &&
             inside(t, double(r.x0), double(r.y1), 1e-6) && inside(t, double(r.x1), double(r.y1), 1e-6);
    });
    if (all) return r;
    ++r.x0;
    ++r.y0;
    if (r.x1 == 0 || r.y1 == 0) return std::nullopt;
    --r.x1;
    --r.y1;
  }
  return std::nullopt;
}

LightStackResult stack_lights(const std::vector<LightFrame>& frames, std::size_t reference,
                              const LightStackOptions& options, Progress& progress) {
  if (frames.empty()) throw Error(ErrorKind::InvalidArgument, "no light frames were given to stack.");
  if (reference >= frames.size())
    throw Error(ErrorKind::InvalidArgument, "the reference frame number is larger than the frame count.");
  if (!frames[reference].transform) {
    throw Error(ErrorKind::InvalidInput, frames[reference].file,
                "is the reference frame but has no registration; choose another reference.");
  }
  LightStackResult result;
  const FitsInfo reference_info = frame_info(frames[reference].file);
  const bool demosaic = reference_info.header.is_cfa() && reference_info.layout.channels == 1;

  // Frames without a transform or of another geometry are left out, named.
  std::vector<LightFrame> candidates;
  std::size_t candidate_reference = 0;
  for (std::size_t i = 0; i < frames.size(); ++i) {
    LightFrame frame = frames[i];
    if (!frame.transform) {
      if (frame.failure.empty()) frame.failure = "could not be registered.";
      result.left_out.push_back(std::move(frame));
      continue;
    }
    if (i != reference) {
      try {
        frame.failure = geometry_mismatch(frame_info(frame.file), reference_info,
                                          frames[reference].file);
      } catch (const Error& e) {
        frame.failure = e.sentence();
      }
      if (!frame.failure.empty()) {
        result.left_out.push_back(std::move(frame));
        continue;
      }
    } else {
      candidate_reference = candidates.size();
    }
    candidates.push_back(std::move(frame));
  }

  // Measure every candidate; those that cannot be read are left out too.
  const std::size_t frame_bytes = reference_info.layout.width * reference_info.layout.height *
                                  reference_info.layout.channels * sizeof(float);
  const std::vector<FrameSurvey> surveys =
      survey_frames(candidates, demosaic, options, frame_bytes, progress);
  std::vector<LightFrame> usable;
  std::vector<FrameSurvey> usable_surveys;
  for (std::size_t i = 0; i < candidates.size(); ++i) {
    if (!surveys[i].failure.empty()) {
      if (i == candidate_reference)
        throw Error(ErrorKind::InvalidInput, candidates[i].file, surveys[i].failure);
      LightFrame frame = candidates[i];
      frame.failure = surveys[i].failure;
      result.left_out.push_back(std::move(frame));
      continue;
    }
    if (i == candidate_reference) result.reference = usable.size();
    usable.push_back(candidates[i]);
    usable_surveys.push_back(surveys[i]);
  }

  std::vector<fs::path> files;
  std::vector<Transform> transforms;
  for (const LightFrame& frame : usable) {
    files.push_back(frame.file);
    transforms.push_back(*frame.transform);
  }
  result.stacked = files;
  FrameSet set = FrameSet::from_files(files);
  const std::size_t frame_width = set.width(), frame_height = set.height();

  FrameRegistration registration;
  registration.resample = options.resample;
  registration.width = frame_width;
  registration.height = frame_height;
  if (options.framing == Framing::Common) {
    const std::optional<GridRectangle> area =
        common_area(transforms, frame_width, frame_height, frame_width, frame_height);
    if (!area) {
      throw Error(ErrorKind::InvalidInput,
                  "the frames have no area in common; stack them with --framing reference.");
    }
    result.crop_x = area->x0;
    result.crop_y = area->y0;
    registration.width = area->x1 - area->x0 + 1;
    registration.height = area->y1 - area->y0 + 1;
    const Transform origin = Transform::shift(double(area->x0), double(area->y0));
    for (Transform& t : transforms) t = origin.then(t);
  }
  registration.transforms = transforms;
  if (demosaic) {
    registration.demosaic = options.demosaic;
    for (const FrameSurvey& s : usable_surveys) registration.lifts.push_back(s.lift);
  }
  set.register_on_read(std::move(registration));

  IntegrationOptions integration = options.integration;
  if (options.auto_rejection && integration.combination == Combination::Mean) {
    const double poisson = integration.rejection.poisson_factor;
    integration.rejection = default_rejection_params(auto_rejection_method(usable.size()));
    integration.rejection.poisson_factor = poisson;
  }
  result.rejection = integration.rejection;
  integration.reference = result.reference;
  integration.skip_zeros = true;
  for (const FrameSurvey& s : usable_surveys) integration.measurements.push_back(s.measurement);
  integration.weighting = Weighting::None;
  integration.weights.clear();
  switch (options.weighting) {
    case StackWeighting::None: break;
    case StackWeighting::Exposure: integration.weighting = Weighting::Exposure; break;
    case StackWeighting::Noise: integration.weighting = Weighting::Noise; break;
    case StackWeighting::Snr:
    case StackWeighting::Psf: {
      std::vector<double> raw;
      for (std::size_t i = 0; i < usable.size(); ++i)
        raw.push_back(usable[i].selection_weight > 0 ? usable[i].selection_weight
                                                     : usable_surveys[i].weight);
      const double mean = std::accumulate(raw.begin(), raw.end(), 0.0) / double(raw.size());
      for (double w : raw) integration.weights.push_back(static_cast<float>(w / mean));
      integration.weights_name = options.weighting == StackWeighting::Snr ? "by SNR" : "by PSF";
      break;
    }
  }

  result.integration = integrate(set, integration, progress);
  Header& header = result.integration.image.header();
  std::string line = "astropack: lights registered with ";
  line.append(to_string(options.resample.interpolation));
  if (options.resample.clamp && (options.resample.interpolation == Interpolation::Lanczos3 ||
                                 options.resample.interpolation == Interpolation::Bicubic))
    line.append(" (clamped)");
  if (demosaic) line.append(", demosaiced by ").append(to_string(options.demosaic));
  line.append(", framing ").append(to_string(options.framing));
  if (options.framing == Framing::Common) {
    line.append(" (").append(std::to_string(set.width())).append(" x ");
    line.append(std::to_string(set.height())).append(" from ").append(std::to_string(result.crop_x));
    line.append(", ").append(std::to_string(result.crop_y)).append(")");
  }
  header.history.insert(header.history.begin(), line);
  for (const LightFrame& frame : result.left_out) {
    std::string note = "astropack: left out ";
    note.append(frame.file.filename().string()).append(": ").append(frame.failure);
    header.history.push_back(note);
  }
  if (options.coverage_map) {
    result.coverage = coverage_of(transforms,
                                  result.integration.weights, set.width(), set.height(),
                                  frame_width, frame_height, worker_threads(options.integration.threads));
  }
  return result;
}

}  // namespace astropack
