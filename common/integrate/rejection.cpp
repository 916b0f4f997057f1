// SPDX-License-Identifier: GPL-3.0-or-later
// The per-pixel rejection driver: drops missing values, sorts the rest, runs
// the chosen kernel and averages what is kept (see rejection.hpp).
#include "astropack/rejection.hpp"

#include <gsl/gsl_cdf.h>

#include <algorithm>
#include <cmath>
#include <limits>
#include <string>

#include "astropack/error.hpp"
#include "rejection_kernels.hpp"

namespace astropack {

using rejection_detail::Sample;
using rejection_detail::WorkingSet;

RejectionParams default_rejection_params(RejectionMethod method) {
  RejectionParams p;
  p.method = method;
  switch (method) {
    case RejectionMethod::Percentile:
      p.low = 0.2;
      p.high = 0.1;
      break;
    case RejectionMethod::Gesdt:
      p.low = 0.3;
      p.high = 0.05;
      break;
    case RejectionMethod::LinearFit:
      p.low = 5.0;
      p.high = 5.0;
      break;
    default:
      p.low = 3.0;
      p.high = 3.0;
      break;
  }
  return p;
}

RejectionMethod auto_rejection_method(std::size_t frames) {
  if (frames < 7) return RejectionMethod::Percentile;
  if (frames < 15) return RejectionMethod::AveragedSigma;
  if (frames < 25) return RejectionMethod::Winsorized;
  return RejectionMethod::LinearFit;
}

std::string_view rejection_method_name(RejectionMethod method) {
  switch (method) {
    case RejectionMethod::None: return "no rejection";
    case RejectionMethod::Percentile: return "percentile clipping";
    case RejectionMethod::Sigma: return "sigma clipping";
    case RejectionMethod::Mad: return "MAD clipping";
    case RejectionMethod::SigmaMedian: return "median sigma clipping";
    case RejectionMethod::Winsorized: return "winsorized sigma clipping";
    case RejectionMethod::LinearFit: return "linear fit clipping";
    case RejectionMethod::Gesdt: return "generalized extreme studentized deviate test";
    case RejectionMethod::AveragedSigma: return "averaged sigma clipping";
  }
  return "unknown rejection";
}

double poisson_factor_from_gain(double electrons_per_adu, double adu_per_unit) {
  if (!(electrons_per_adu > 0.0) || !(adu_per_unit > 0.0)) {
    throw Error(ErrorKind::InvalidArgument,
                "the sensor gain must be a positive number of electrons per ADU.");
  }
  return 1.0 / (electrons_per_adu * adu_per_unit);
}

double gesdt_critical_value(std::size_t n, double alpha) {
  if (n < 3) return std::numeric_limits<double>::infinity();
  const double dn = double(n);
  const double t = gsl_cdf_tdist_Pinv(1.0 - alpha / (2.0 * dn), dn - 2.0);
  return (dn - 1.0) * t / std::sqrt(dn * (dn - 2.0 + t * t));
}

double poisson_factor_sample(std::span<const float> values, RejectionWorkspace& workspace) {
  if (values.size() > workspace.frames()) {
    throw Error(ErrorKind::Internal, "a pixel stack is larger than its workspace.");
  }
  std::span<float> v(workspace.m_work);
  std::size_t n = 0;
  for (float x : values)
    if (x != 0.0f && std::isfinite(x)) v[n++] = x;
  if (n < 3) return std::numeric_limits<double>::quiet_NaN();
  auto mid = v.begin() + static_cast<std::ptrdiff_t>(n / 2);
  std::nth_element(v.begin(), mid, v.begin() + static_cast<std::ptrdiff_t>(n));
  double m = *mid;
  if (n % 2 == 0) m = 0.5 * (m + double(*std::max_element(v.begin(), mid)));
  if (!(m > 0.0)) return std::numeric_limits<double>::quiet_NaN();
  double ss = 0;
  for (std::size_t i = 0; i < n; ++i) ss += (double(v[i]) - m) * (double(v[i]) - m);
  return ss / (double(n - 1) * m);
}

RejectionWorkspace::RejectionWorkspace(std::size_t frames)
    : m_frames(frames), m_samples(frames), m_index(frames), m_work(frames), m_keys(frames),
      m_live(frames), m_live_frames(frames), m_rejected(frames), m_copy(frames) {}

Rejector::Rejector(const RejectionParams& params, std::size_t frames)
    : m_params(params), m_frames(frames) {
  if (frames == 0 || frames > std::numeric_limits<std::uint32_t>::max()) {
    throw Error(ErrorKind::InvalidArgument, "an integration needs at least one frame.");
  }
  const double lo = params.low, hi = params.high;
  if (!std::isfinite(lo) || !std::isfinite(hi) || lo < 0.0 || hi < 0.0) {
    throw Error(ErrorKind::InvalidArgument,
                "rejection thresholds must be finite numbers of at least 0.");
  }
  if (params.method == RejectionMethod::Percentile && (lo > 1.0 || hi > 1.0)) {
    throw Error(ErrorKind::InvalidArgument,
                "percentile clipping takes fractions between 0 and 1, such as 0.2 and 0.1.");
  }
  if (params.method == RejectionMethod::Gesdt) {
    if (lo > 1.0 || !(hi > 0.0) || hi >= 1.0) {
      throw Error(ErrorKind::InvalidArgument,
                  "the GESD test takes an outlier fraction between 0 and 1 and a significance "
                  "between 0 and 1 (exclusive), such as 0.3 and 0.05.");
    }
    m_lambda.assign(frames + 1, std::numeric_limits<double>::infinity());
    for (std::size_t n = 3; n <= frames; ++n) m_lambda[n] = gesdt_critical_value(n, hi);
  }
  if (!std::isfinite(params.poisson_factor) || params.poisson_factor < 0.0) {
    throw Error(ErrorKind::InvalidArgument, "the Poisson factor must be 0 (estimate) or positive.");
  }
}

namespace {

using rejection_detail::LiveSet;

bool by_value(const Sample& a, const Sample& b) {
  return a.value < b.value || (a.value == b.value && a.frame < b.frame);
}

// Sorts the present values of `values` as by_value does, through one integer
// key per value (value order, then frame): much cheaper than sorting the
// samples with a comparator. Fills samples[0..n).
void sort_present(std::span<const float> values, std::span<std::uint64_t> keys,
                  std::span<Sample> samples, std::size_t n) {
  std::sort(keys.begin(), keys.begin() + static_cast<std::ptrdiff_t>(n));
  for (std::size_t k = 0; k < n; ++k) {
    const auto frame = static_cast<std::uint32_t>(keys[k]);
    samples[k] = Sample{values[frame], frame, FrameRejection::Kept};
  }
}

// The methods that clip around the median work on the values unsorted.
bool clips_around_median(RejectionMethod method) {
  switch (method) {
    case RejectionMethod::Percentile:
    case RejectionMethod::Sigma:
    case RejectionMethod::Mad:
    case RejectionMethod::Winsorized:
    case RejectionMethod::AveragedSigma:
      return true;
    default:
      return false;
  }
}

// Counts, flags and the mean of what a LiveSet kept.
void finish(const LiveSet& live, std::span<const float> weights, std::span<FrameRejection> flags,
            RejectionOutcome& out) {
  for (std::size_t k = 0; k < live.rejected_count; ++k) {
    const Sample& s = live.rejected[k];
    if (!flags.empty()) flags[s.frame] = s.state;
    if (s.state == FrameRejection::Low) ++out.low;
    else ++out.high;
  }
  out.kept = static_cast<std::uint32_t>(live.size);
  double sum = 0, wsum = 0, wxsum = 0;
  for (std::size_t k = 0; k < live.size; ++k) {
    const float x = live.value[k];
    const std::uint32_t f = live.frame[k];
    if (!flags.empty()) flags[f] = FrameRejection::Kept;
    sum += x;
    if (!weights.empty()) {
      wsum += weights[f];
      wxsum += double(weights[f]) * x;
    }
  }
  if (live.size == 0) {
    // Everything was rejected: the median of the present values, as Siril does.
    std::span<float> all = live.value.first(live.rejected_count);
    for (std::size_t k = 0; k < live.rejected_count; ++k) all[k] = live.rejected[k].value;
    out.mean = rejection_detail::median_of(all, live.work);
    out.weighted_mean = out.mean;
    return;
  }
  out.mean = sum / double(live.size);
  out.weighted_mean = (!weights.empty() && wsum != 0.0) ? wxsum / wsum : out.mean;
}

}  // namespace

RejectionOutcome Rejector::reject(std::span<const float> values, std::span<const float> weights,
                                  RejectionWorkspace& workspace,
                                  std::span<FrameRejection> flags) const {
  if (values.size() != m_frames || workspace.frames() != m_frames ||
      (!weights.empty() && weights.size() != m_frames) ||
      (!flags.empty() && flags.size() != m_frames)) {
    throw Error(ErrorKind::Internal,
                "a pixel stack, its weights or its workspace does not match the frame count.");
  }
  RejectionOutcome out;
  if (!flags.empty()) std::fill(flags.begin(), flags.end(), FrameRejection::Missing);

  if (clips_around_median(m_params.method)) {
    LiveSet live{workspace.m_live,     workspace.m_live_frames, 0, workspace.m_rejected, 0,
                 workspace.m_work,     workspace.m_keys,        workspace.m_samples,
                 workspace.m_index};
    std::size_t n = 0;
    for (std::size_t f = 0; f < m_frames; ++f) {
      const float v = values[f];
      if (v == 0.0f || !std::isfinite(v)) continue;  // no data
      live.value[n] = v;
      live.frame[n] = static_cast<std::uint32_t>(f);
      ++n;
    }
    out.missing = static_cast<std::uint32_t>(m_frames - n);
    if (n == 0) return out;
    live.size = n;
    if (n > 2) {
      switch (m_params.method) {
        case RejectionMethod::Percentile:
          rejection_detail::reject_percentile(live, m_params);
          break;
        case RejectionMethod::Sigma:
          rejection_detail::reject_sigma(live, m_params, /*use_mad=*/false);
          break;
        case RejectionMethod::Mad:
          rejection_detail::reject_sigma(live, m_params, /*use_mad=*/true);
          break;
        case RejectionMethod::Winsorized:
          rejection_detail::reject_winsorized(live, m_params, workspace.m_copy);
          break;
        case RejectionMethod::AveragedSigma:
          rejection_detail::reject_averaged_sigma(live, m_params);
          break;
        default:
          break;
      }
    }
    finish(live, weights, flags, out);
    return out;
  }

  std::span<Sample> all(workspace.m_samples);
  std::span<std::uint64_t> keys(workspace.m_keys);
  std::size_t n = 0;
  for (std::size_t f = 0; f < m_frames; ++f) {
    const float v = values[f];
    if (v == 0.0f || !std::isfinite(v)) continue;  // no data
    keys[n++] = std::uint64_t{rejection_detail::ordered_bits(v)} << 32 | f;
  }
  out.missing = static_cast<std::uint32_t>(m_frames - n);
  if (n == 0) return out;

  std::span<Sample> samples = all.first(n);
  const RejectionMethod method = n <= 2 ? RejectionMethod::None : m_params.method;
  if (method == RejectionMethod::None) {
    for (std::size_t k = 0; k < n; ++k) {
      const auto frame = static_cast<std::uint32_t>(keys[k]);
      samples[k] = Sample{values[frame], frame, FrameRejection::Kept};
    }
  } else {
    sort_present(values, keys, samples, n);
    std::span<std::uint32_t> index(workspace.m_index);
    for (std::size_t k = 0; k < n; ++k) index[k] = static_cast<std::uint32_t>(k);
    WorkingSet ws{samples, index, n};
    std::span<float> work(workspace.m_work);
    switch (method) {
      case RejectionMethod::SigmaMedian:
        rejection_detail::reject_sigma_median(samples, m_params);
        break;
      case RejectionMethod::LinearFit:
        rejection_detail::reject_linear_fit(ws, m_params, m_frames, work);
        break;
      case RejectionMethod::Gesdt:
        rejection_detail::reject_gesdt(samples, m_params, m_frames, out.missing, m_lambda, index);
        break;
      default:
        break;
    }
  }

  // Replaced values (median sigma clipping) still take part in the mean.
  const bool replaced_count = method == RejectionMethod::SigmaMedian;
  double sum = 0, wsum = 0, wxsum = 0;
  std::size_t used = 0;
  for (const Sample& s : samples) {
    if (!flags.empty()) flags[s.frame] = s.state;
    switch (s.state) {
      case FrameRejection::Low: ++out.low; break;
      case FrameRejection::High: ++out.high; break;
      default: ++out.kept; break;
    }
    if (s.state != FrameRejection::Kept && !replaced_count) continue;
    ++used;
    sum += s.value;
    if (!weights.empty()) {
      wsum += weights[s.frame];
      wxsum += double(weights[s.frame]) * s.value;
    }
  }
  if (used == 0) {
    // Everything was rejected: the median of the present values, as Siril does.
    std::sort(samples.begin(), samples.end(), by_value);
    out.mean = n % 2 == 1 ? double(samples[n / 2].value)
                          : 0.5 * (double(samples[n / 2 - 1].value) + samples[n / 2].value);
    out.weighted_mean = out.mean;
    return out;
  }
  out.mean = sum / double(used);
  out.weighted_mean = (!weights.empty() && wsum != 0.0) ? wxsum / wsum : out.mean;
  return out;
}

namespace {

using rejection_detail::kLanes;
using rejection_detail::LaneGroup;
using rejection_detail::LaneState;

// Puts stack `x` (its present values and their weights) into lane l of g.
void load_lane(LaneGroup& g, std::size_t l, std::size_t x, std::span<const float> stack,
               std::span<const float> weights) {
  // 0 and non-finite values are no data; most stacks have none.
  std::size_t present = 0;
  for (const float v : stack) present += (v != 0.0f && std::isfinite(v)) ? 1 : 0;
  std::size_t k = 0;
  if (present == stack.size()) {
    for (std::size_t f = 0; f < stack.size(); ++f) g.value[f * kLanes + l] = stack[f];
    if (g.weight)
      for (std::size_t f = 0; f < stack.size(); ++f) g.weight[f * kLanes + l] = weights[f];
    k = present;
  } else {
    for (std::size_t f = 0; f < stack.size(); ++f) {
      const float v = stack[f];
      g.value[k * kLanes + l] = v;
      if (g.weight) g.weight[k * kLanes + l] = weights[f];
      k += (v == 0.0f || !std::isfinite(v)) ? 0 : 1;
    }
  }
  g.size[l] = k;
  g.rejected[l] = 0;
  g.low[l] = g.high[l] = 0;
  g.pixel[l] = x;
  g.state[l] = k > 2 ? LaneState::Active : LaneState::Done;
}

// Moves lane `from` of g to lane `to` of h.
void move_lane(LaneGroup& g, std::size_t from, LaneGroup& h, std::size_t to) {
  for (std::size_t k = 0; k < g.size[from]; ++k) {
    h.value[k * kLanes + to] = g.value[k * kLanes + from];
    if (g.weight) h.weight[k * kLanes + to] = g.weight[k * kLanes + from];
  }
  h.size[to] = g.size[from];
  h.rejected[to] = g.rejected[from];
  h.low[to] = g.low[from];
  h.high[to] = g.high[from];
  h.pixel[to] = g.pixel[from];
  h.state[to] = g.state[from];
  g.state[from] = LaneState::Idle;
}

}  // namespace

void Rejector::reject_many(std::span<const float> stacks, std::span<const float> weights,
                           RejectionWorkspace& workspace, std::span<float> out,
                           std::span<std::uint16_t> low, std::span<std::uint16_t> high) const {
  const std::size_t n = m_frames;
  const std::size_t count = stacks.size() / n;
  if (stacks.size() % n != 0 || out.size() < count || low.size() < count ||
      high.size() < count || workspace.frames() != n ||
      (!weights.empty() && weights.size() != n)) {
    throw Error(ErrorKind::Internal,
                "pixel stacks, their results or the workspace do not match the frame count.");
  }
  auto one_by_one = [&](std::size_t x) {
    const RejectionOutcome r = reject(stacks.subspan(x * n, n), weights, workspace);
    out[x] = static_cast<float>(weights.empty() ? r.mean : r.weighted_mean);
    low[x] = static_cast<std::uint16_t>(r.low);
    high[x] = static_cast<std::uint16_t>(r.high);
  };
  if (m_params.method != RejectionMethod::Winsorized) {
    for (std::size_t x = 0; x < count; ++x) one_by_one(x);
    return;
  }

  // Two groups of lanes: new stacks for their first pass, and the stacks that
  // need more passes (a minority), gathered so their passes run on full groups.
  const std::size_t block = n * kLanes;
  const bool weighted = !weights.empty();
  const std::size_t groups_size = (weighted ? 4 : 2) * block;
  if (workspace.m_lanes.size() < groups_size + 2 * block + n)
    workspace.m_lanes.assign(groups_size + 2 * block + n, 0.0f);
  float* base = workspace.m_lanes.data();
  LaneGroup fresh, more;
  fresh.value = base;
  more.value = base + block;
  if (weighted) {
    fresh.weight = base + 2 * block;
    more.weight = base + 3 * block;
  }
  const rejection_detail::LaneScratch scratch{base + groups_size, base + groups_size + block,
                                              base + groups_size + 2 * block};
  auto finish_group = [&](LaneGroup& g) {
    double mean[kLanes], weighted_mean[kLanes];
    rejection_detail::lane_means(g, mean, weighted_mean);
    for (std::size_t l = 0; l < kLanes; ++l) {
      const std::size_t x = g.pixel[l];
      if (g.state[l] == LaneState::Done) {
        out[x] = static_cast<float>(weighted ? weighted_mean[l] : mean[l]);
        low[x] = static_cast<std::uint16_t>(g.low[l]);
        high[x] = static_cast<std::uint16_t>(g.high[l]);
      } else if (g.state[l] == LaneState::Fallback) {
        one_by_one(x);
      }
      g.state[l] = LaneState::Idle;
    }
  };
  constexpr std::size_t kAllPasses = std::numeric_limits<std::size_t>::max();
  std::size_t waiting = 0;
  for (std::size_t x0 = 0; x0 < count; x0 += kLanes) {
    for (std::size_t l = 0; l < kLanes; ++l) {
      const std::size_t x = x0 + l;
      if (x < count) load_lane(fresh, l, x, stacks.subspan(x * n, n), weights);
      else fresh.state[l] = LaneState::Idle;
    }
    rejection_detail::reject_winsorized_lanes(fresh, scratch, m_params, 1);
    for (std::size_t l = 0; l < kLanes; ++l) {
      if (fresh.state[l] != LaneState::Active) continue;
      move_lane(fresh, l, more, waiting++);
      if (waiting == kLanes) {
        rejection_detail::reject_winsorized_lanes(more, scratch, m_params, kAllPasses);
        finish_group(more);
        waiting = 0;
      }
    }
    finish_group(fresh);
  }
  if (waiting > 0) {
    rejection_detail::reject_winsorized_lanes(more, scratch, m_params, kAllPasses);
    finish_group(more);
  }
}

}  // namespace astropack
