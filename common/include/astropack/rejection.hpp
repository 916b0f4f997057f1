// SPDX-License-Identifier: GPL-3.0-or-later
// Pixel rejection over one pixel stack (one value per frame), then the mean of
// what is kept. Pure, per pixel, no allocation: a Rejector is built once per
// integration (it checks the parameters and precomputes tables) and each
// thread owns one RejectionWorkspace sized for the frame count.
//
// Semantics follow Siril 1.0.6 (siril-compat.md section 4.3) for the methods
// Siril has:
//  * values exactly 0 mean "no data" and are removed first (FrameRejection::Missing);
//    so are NaN and infinities, which would poison every statistic;
//  * with 2 values or fewer left, their mean is taken without rejection;
//  * spreads are sample standard deviations (n - 1);
//  * the floor rule of sigma, MAD, winsorized and linear fit: within one pass
//    a value may be rejected only while N_pass - r_total > 4, where N_pass is
//    the count at the start of the pass and r_total counts every rejection so
//    far, earlier passes included. Siril applies the rule in the (arbitrary)
//    order its quickselect leaves the values; here the most deviant values go
//    first (deviation measured in units of its threshold), so when the rule
//    stops rejection the values closest to the centre are the ones kept;
//  * if every value ends up rejected, the median of the stack is used.
//
// Methods (low/high are the two numbers of Siril's `rej` command):
//  Percentile     single pass around the median m: reject m - x > low*|m| or
//                 x - m > high*|m| (Siril uses m; |m| keeps negative data sane).
//  Sigma          m = median; each pass: s = sample sd, from the 2nd pass m is
//                 the median again; reject m - x > low*s or x - m > high*s.
//  Mad            as Sigma with s = MAD (no 1.4826 factor) around the previous median.
//  SigmaMedian    each pass replaces out-of-range values by the median instead
//                 of removing them, until nothing is replaced; then the mean.
//  Winsorized     s = sample sd, m = median; winsorize a copy at m +- 1.5 s and
//                 set s = 1.134 sd(copy) until s moves by <= 0.0005 s; reject
//                 against m with low*s, high*s.
//  LinearFit      fit y = a + b*i to the sorted values (i = 0..N-1), s = mean
//                 |y - fit|, reject fit - y > low*s or y - fit > high*s. Siril's
//                 fit always uses the mean and variance of i for the original
//                 frame count N0; linear_fit_siril_n0 (default true) reproduces
//                 that, false uses the current count.
//  Gesdt          Rosner's generalized extreme studentized deviate test;
//                 low = maximum outlier fraction, high = significance alpha.
//                 K = floor(N0*low) minus the missing values (at most n - 2)
//                 extremes are tested; G = max|x - mean|/sd against
//                 lambda(n) = (n-1) t / sqrt(n (n-2+t^2)), t the Student-t
//                 quantile at 1 - alpha/(2n) with n-2 degrees of freedom, n the
//                 size of the set being tested; the outliers are the extremes
//                 up to the last significant test.
//                 gesdt_siril_quirks (default false: the textbook algorithm)
//                 reproduces Siril 1.0.6 instead: (1) at least min(K, 2)
//                 extremes are rejected even when no test is significant;
//                 (2) a high extreme is marked at sorted position N-1-j (j = test
//                 index), which ignores the low extremes already removed, so a
//                 lower value than the extreme can be the one rejected; (3) the
//                 critical values use n = N0 - j, counting missing values.
//  AveragedSigma  averaged sigma clipping with a Poisson noise model (IRAF
//                 imcombine AVSIGCLIP, PixInsight "averaged sigma clipping"):
//                 the noise of a pixel is taken proportional to the square root
//                 of its signal, sigma = sqrt(k * m), m the median of the kept
//                 values. The proportionality k (variance / signal, in data
//                 units) is poisson_factor when > 0 (see
//                 poisson_factor_from_gain, or the band average of
//                 poisson_factor_sample as IRAF does), otherwise it is estimated
//                 from the stack alone as PixInsight does:
//                 k = sum (x - m0)^2 / ((n-1) m0), m0 the median of all values. Each pass rejects
//                 m - x > low*sigma or x - m > high*sigma, then m is the median
//                 of what is left; k is not re-estimated. Stops when nothing
//                 changes or fewer than 3 values are left. A stack whose
//                 median is <= 0 is not clipped (the model has no meaning there).
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>
#include <string_view>
#include <vector>

namespace astropack {

enum class RejectionMethod {
  None,
  Percentile,
  Sigma,
  Mad,
  SigmaMedian,
  Winsorized,
  LinearFit,
  Gesdt,
  AveragedSigma,
};

struct RejectionParams {
  RejectionMethod method = RejectionMethod::None;
  double low = 3.0;   // sigma multiple; percentile fraction; GESDT outlier fraction
  double high = 3.0;  // sigma multiple; percentile fraction; GESDT significance
  bool gesdt_siril_quirks = false;
  bool linear_fit_siril_n0 = true;
  double poisson_factor = 0.0;  // AveragedSigma: variance/signal if known, 0 = estimate
};

// Siril's suggested thresholds per method: percentile 0.2/0.1, GESDT 0.3/0.05,
// linear fit 5/5, the sigma family 3/3.
RejectionParams default_rejection_params(RejectionMethod method);

// The rule practitioners use for calibration frames: fewer than 7 frames
// percentile, 7 to 14 averaged sigma, 15 to 24 winsorized sigma, 25 or more
// linear fit.
RejectionMethod auto_rejection_method(std::size_t frames);

// Lower-case name for logs and HISTORY cards ("winsorized sigma clipping").
std::string_view rejection_method_name(RejectionMethod method);

// Poisson factor for AveragedSigma from the sensor gain: data normalised as
// ADU / adu_per_unit have variance x / (gain * adu_per_unit).
double poisson_factor_from_gain(double electrons_per_adu, double adu_per_unit = 65535.0);

// GESDT critical value lambda for a set of n >= 3 values at significance alpha.
double gesdt_critical_value(std::size_t n, double alpha);

// What happened to each frame's value.
enum class FrameRejection : std::uint8_t { Kept = 0, Low = 1, High = 2, Missing = 3 };

struct RejectionOutcome {
  double mean = 0;           // mean of the kept values (see the fallbacks above)
  double weighted_mean = 0;  // sum(w x)/sum(w) over the kept frames; = mean without weights
  std::uint32_t kept = 0;
  std::uint32_t low = 0;       // rejected (or, for SigmaMedian, replaced) below
  std::uint32_t high = 0;      // rejected (or replaced) above
  std::uint32_t missing = 0;   // values equal to 0
};

// Per-thread scratch for one frame count. Allocates once, here.
class RejectionWorkspace {
 public:
  explicit RejectionWorkspace(std::size_t frames);
  std::size_t frames() const noexcept { return m_frames; }

  struct Sample {
    float value;
    std::uint32_t frame;
    FrameRejection state;
  };

 private:
  friend class Rejector;
  friend double poisson_factor_sample(std::span<const float>, RejectionWorkspace&);
  std::size_t m_frames;
  std::vector<Sample> m_samples;
  std::vector<std::uint32_t> m_index;
  std::vector<float> m_work;
  std::vector<std::uint64_t> m_keys;  // sort keys: value order, then frame
  // The values in play for the methods that clip around the median, unsorted.
  std::vector<float> m_live;
  std::vector<std::uint32_t> m_live_frames;
  std::vector<Sample> m_rejected;
  std::vector<float> m_copy;
  std::vector<float> m_lanes;  // stacks side by side for reject_many, made on first use
};

// One stack's estimate of the AveragedSigma proportionality,
// sum (x - m)^2 / ((n - 1) m) over its present values (m their median), or NaN
// when fewer than 3 values are present or m <= 0. With 10 frames or fewer a
// lone outlier sets its own stack's estimate to about d^2 / (9 m), so 3 sigma
// can never reach it: average the estimates of many pixels (IRAF averages them
// over an image line) and pass the mean as RejectionParams::poisson_factor.
double poisson_factor_sample(std::span<const float> values, RejectionWorkspace& workspace);

class Rejector {
 public:
  // Throws Error(InvalidArgument) for thresholds out of range or no frames.
  Rejector(const RejectionParams& params, std::size_t frames);

  const RejectionParams& params() const noexcept { return m_params; }
  std::size_t frames() const noexcept { return m_frames; }

  // values: one per frame, in frame order (0 = no data). weights: empty or one
  // per frame. flags: empty or one per frame, filled with what happened.
  // The workspace must have been made for the same frame count.
  RejectionOutcome reject(std::span<const float> values, std::span<const float> weights,
                          RejectionWorkspace& workspace,
                          std::span<FrameRejection> flags = {}) const;

  // Rejects stacks.size() / frames() stacks stored one after another (stack
  // x at [x * frames(), (x + 1) * frames())) and writes, per stack, the mean
  // of what is kept (the weighted mean when weights are given) and the
  // rejected counts. The same numbers, bit for bit, as reject() on each
  // stack; winsorized sigma clipping works on several stacks at once there.
  void reject_many(std::span<const float> stacks, std::span<const float> weights,
                   RejectionWorkspace& workspace, std::span<float> out,
                   std::span<std::uint16_t> low, std::span<std::uint16_t> high) const;

 private:
  RejectionParams m_params;
  std::size_t m_frames;
  std::vector<double> m_lambda;  // GESDT critical values by set size
};

}  // namespace astropack
