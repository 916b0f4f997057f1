// SPDX-License-Identifier: GPL-3.0-or-later
// Pixel rejection kernels, combination, and the normalisation estimators and
// maps, on small stacks computed by hand (siril-compat.md sections 4.1-4.3).
#include <cmath>
#include <cstring>
#include <limits>
#include <random>
#include <vector>

#include "astropack/combination.hpp"
#include "astropack/error.hpp"
#include "astropack/normalisation.hpp"
#include "astropack/rejection.hpp"
#include "astropack/weights.hpp"
#include "check_main.hpp"
// use_lane_code: the batch kernels with and without wide vectors.
#include "../../common/integrate/rejection_kernels.hpp"

using namespace astropack;

namespace {

struct Run {
  RejectionOutcome outcome;
  std::vector<FrameRejection> flags;
};

Run run(const RejectionParams& params, const std::vector<float>& values,
        const std::vector<float>& weights = {}) {
  Rejector rejector(params, values.size());
  RejectionWorkspace workspace(values.size());
  Run r;
  r.flags.assign(values.size(), FrameRejection::Kept);
  r.outcome = rejector.reject(values, weights, workspace, r.flags);
  return r;
}

RejectionParams params(RejectionMethod method, double low, double high) {
  RejectionParams p;
  p.method = method;
  p.low = low;
  p.high = high;
  return p;
}

double mean_of(const std::vector<float>& v) {
  double s = 0;
  for (float x : v) s += x;
  return s / double(v.size());
}

// Nine quiet values around 0.1 (median 0.1, MAD 0.0005) and a cosmic ray.
const std::vector<float> kQuiet = {0.100f, 0.101f, 0.099f, 0.1005f, 0.0995f,
                                   0.101f, 0.099f, 0.100f,  0.1005f};
constexpr std::size_t kRayFrame = 4;

std::vector<float> stack_with_ray() {
  std::vector<float> v = kQuiet;
  v.insert(v.begin() + kRayFrame, 0.9f);
  return v;
}

bool throws_kind(ErrorKind kind, void (*fn)()) {
  try {
    fn();
  } catch (const Error& e) {
    return e.kind() == kind;
  }
  return false;
}

}  // namespace

START_TEST(no_rejection_skips_zeros) {
  const Run r = run(params(RejectionMethod::None, 0, 0), {1, 2, 0, 3});
  ck_assert_double_eq(r.outcome.mean, 2.0);
  ck_assert_uint_eq(r.outcome.kept, 3);
  ck_assert_uint_eq(r.outcome.missing, 1);
  ck_assert(r.flags[2] == FrameRejection::Missing);
  ck_assert(r.flags[3] == FrameRejection::Kept);
  // NaN and infinities are missing too.
  const Run n = run(params(RejectionMethod::Sigma, 3, 3), {1, NAN, 3, INFINITY});
  ck_assert_double_eq(n.outcome.mean, 2.0);
  ck_assert_uint_eq(n.outcome.missing, 2);
  // Nothing at all: 0, every frame missing.
  const Run z = run(params(RejectionMethod::Sigma, 3, 3), {0, 0, 0});
  ck_assert_double_eq(z.outcome.mean, 0.0);
  ck_assert_uint_eq(z.outcome.missing, 3);
  ck_assert_uint_eq(z.outcome.kept, 0);
}
END_TEST

START_TEST(two_values_or_fewer_are_averaged) {
  for (RejectionMethod m : {RejectionMethod::Percentile, RejectionMethod::Sigma,
                            RejectionMethod::Gesdt, RejectionMethod::LinearFit}) {
    const Run r = run(default_rejection_params(m), {5, 100});
    ck_assert_double_eq(r.outcome.mean, 52.5);
    ck_assert_uint_eq(r.outcome.kept, 2);
    const Run z = run(default_rejection_params(m), {0, 7, 0, 9});
    ck_assert_double_eq(z.outcome.mean, 8.0);
    ck_assert_uint_eq(z.outcome.missing, 2);
  }
}
END_TEST

START_TEST(three_values_are_protected_by_the_floor_rule) {
  // N = 3: N - r > 4 never holds, so sigma-type methods reject nothing.
  for (RejectionMethod m : {RejectionMethod::Sigma, RejectionMethod::Mad,
                            RejectionMethod::Winsorized, RejectionMethod::LinearFit}) {
    const Run r = run(params(m, 0.1, 0.1), {1, 2, 100});
    ck_assert_uint_eq(r.outcome.kept, 3);
    ck_assert_double_eq_tol(r.outcome.mean, 103.0 / 3.0, 1e-12);
  }
  // Percentile has no floor: m = 2, 100 - 2 > 0.1 * 2.
  const Run p = run(params(RejectionMethod::Percentile, 0.2, 0.1), {1, 2, 100});
  ck_assert_uint_eq(p.outcome.high, 1);
  ck_assert_uint_eq(p.outcome.low, 1);  // 2 - 1 > 0.2 * 2
  ck_assert_double_eq(p.outcome.mean, 2.0);
}
END_TEST

START_TEST(all_equal_stacks_keep_everything) {
  const std::vector<float> same(10, 0.5f);
  for (RejectionMethod m :
       {RejectionMethod::Percentile, RejectionMethod::Sigma, RejectionMethod::Mad,
        RejectionMethod::SigmaMedian, RejectionMethod::Winsorized, RejectionMethod::LinearFit,
        RejectionMethod::Gesdt, RejectionMethod::AveragedSigma}) {
    const Run r = run(default_rejection_params(m), same);
    ck_assert_uint_eq(r.outcome.kept, 10);
    ck_assert_double_eq(r.outcome.mean, double(0.5f));
  }
}
END_TEST

START_TEST(ties_sigma_clipping) {
  // Nine equal values and one above: sd = 0.1265, 0.9 - 0.5 > 3 sd.
  std::vector<float> v(9, 0.5f);
  v.push_back(0.9f);
  const Run r = run(params(RejectionMethod::Sigma, 3, 3), v);
  ck_assert_uint_eq(r.outcome.high, 1);
  ck_assert_uint_eq(r.outcome.kept, 9);
  ck_assert(r.flags[9] == FrameRejection::High);
  ck_assert_double_eq(r.outcome.mean, double(0.5f));
}
END_TEST

START_TEST(every_method_removes_a_cosmic_ray) {
  const std::vector<float> v = stack_with_ray();
  const double quiet_mean = mean_of(kQuiet);
  for (RejectionMethod m :
       {RejectionMethod::Percentile, RejectionMethod::Sigma, RejectionMethod::Mad,
        RejectionMethod::Winsorized, RejectionMethod::LinearFit, RejectionMethod::Gesdt,
        RejectionMethod::AveragedSigma}) {
    RejectionParams p = default_rejection_params(m);
    // With 10 frames the per-stack Poisson estimate cannot isolate one outlier
    // (its own residual sets sigma to d/3); give the noise model a sensor gain.
    if (m == RejectionMethod::AveragedSigma) p.poisson_factor = poisson_factor_from_gain(3.0);
    // The least-squares line through 10 sorted values bends towards a lone ray:
    // its residual is 0.52 against a mean |residual| of 0.148, under Siril's
    // 5/5 preset (meant for 25 frames and more); 3/3 isolates it.
    if (m == RejectionMethod::LinearFit) p.low = p.high = 3.0;
    const Run r = run(p, v);
    ck_assert_msg(r.outcome.high == 1 && r.outcome.low == 0 && r.outcome.kept == 9,
                  "%s: kept %u low %u high %u", std::string(rejection_method_name(m)).c_str(),
                  r.outcome.kept, r.outcome.low, r.outcome.high);
    ck_assert(r.flags[kRayFrame] == FrameRejection::High);
    ck_assert_double_eq_tol(r.outcome.mean, quiet_mean, 1e-9);
  }
}
END_TEST

START_TEST(sigma_median_replaces_by_the_median) {
  const Run r = run(params(RejectionMethod::SigmaMedian, 3, 3), stack_with_ray());
  // Pass 1: median of the 10 values = (0.100 + 0.1005) / 2 replaces 0.9; pass 2 changes nothing.
  const float replacement = float(0.5 * (double(0.100f) + double(0.1005f)));
  double expected = 0;
  for (float x : kQuiet) expected += x;
  expected = (expected + replacement) / 10.0;
  ck_assert_double_eq_tol(r.outcome.mean, expected, 1e-12);
  ck_assert_uint_eq(r.outcome.high, 1);
  ck_assert(r.flags[kRayFrame] == FrameRejection::High);
}
END_TEST

START_TEST(percentile_hand_computed) {
  // m = 1.02: 0.7 is 0.32 below (> 0.204), 1.3 is 0.28 above (> 0.102).
  const Run r = run(params(RejectionMethod::Percentile, 0.2, 0.1), {1.0f, 1.05f, 0.7f, 1.3f, 1.02f});
  ck_assert_uint_eq(r.outcome.low, 1);
  ck_assert_uint_eq(r.outcome.high, 1);
  ck_assert(r.flags[2] == FrameRejection::Low);
  ck_assert(r.flags[3] == FrameRejection::High);
  ck_assert_double_eq_tol(r.outcome.mean, (double(1.0f) + 1.05f + 1.02f) / 3.0, 1e-12);
}
END_TEST

START_TEST(mad_hand_computed) {
  // m = 1.025, MAD = 0.075: 3.0 goes, 0.9 (0.125 away) stays; pass 2 keeps all.
  const Run r = run(params(RejectionMethod::Mad, 3, 3), {1.0f, 1.1f, 0.9f, 1.05f, 0.95f, 3.0f});
  ck_assert_uint_eq(r.outcome.kept, 5);
  ck_assert(r.flags[5] == FrameRejection::High);
  ck_assert_double_eq_tol(r.outcome.mean, 1.0, 1e-7);
}
END_TEST

START_TEST(floor_rule_keeps_the_least_deviant) {
  // n = 7, budget 3, four candidates (0.5, 5, 6, 9): the three most deviant go.
  const Run r = run(params(RejectionMethod::Sigma, 0.1, 0.1), {5, 1, 0.5f, 9, 1, 6, 1});
  ck_assert_uint_eq(r.outcome.high, 3);
  ck_assert_uint_eq(r.outcome.low, 0);
  ck_assert(r.flags[2] == FrameRejection::Kept);
  ck_assert_double_eq(r.outcome.mean, 0.875);
}
END_TEST

START_TEST(linear_fit_follows_a_trend) {
  // Ten frames on a linear trend k/64 (shuffled, exact in float): nothing
  // deviates from the fit.
  std::vector<float> trend;
  for (int k : {13, 9, 16, 8, 11, 17, 10, 14, 12, 15}) trend.push_back(float(k) / 64.0f);
  const Run keep = run(params(RejectionMethod::LinearFit, 5, 5), trend);
  ck_assert_uint_eq(keep.outcome.kept, 10);
  // Sigma clipping with the same tight thresholds eats into the trend.
  const Run sigma = run(params(RejectionMethod::Sigma, 1, 1), trend);
  ck_assert_uint_lt(sigma.outcome.kept, 10);
  const Run lf = run(params(RejectionMethod::LinearFit, 1, 1), trend);
  ck_assert_uint_eq(lf.outcome.kept, 10);
  // A cosmic ray on top of the trend is the only value removed.
  std::vector<float> ray = trend;
  ray[3] = 0.95f;
  const Run r = run(params(RejectionMethod::LinearFit, 3, 3), ray);
  ck_assert_uint_eq(r.outcome.high, 1);
  ck_assert_uint_eq(r.outcome.kept, 9);
  ck_assert(r.flags[3] == FrameRejection::High);
}
END_TEST

START_TEST(linear_fit_siril_n0_quirk) {
  // Values 1..10 plus two missing frames (N0 = 12), thresholds 2/2.
  const std::vector<float> v = {3, 0, 1, 10, 5, 2, 8, 0, 9, 4, 7, 6};
  RejectionParams p = params(RejectionMethod::LinearFit, 2, 2);
  p.linear_fit_siril_n0 = false;
  const Run fixed = run(p, v);
  ck_assert_uint_eq(fixed.outcome.kept, 10);  // a perfect line: no residual
  ck_assert_double_eq(fixed.outcome.mean, 5.5);
  // With Siril's N0 statistics the line is wrong: passes reject 10 (res 2.077 >
  // 2 * 0.923), 9 and 8; the floor rule stops the fourth pass.
  p.linear_fit_siril_n0 = true;
  const Run quirk = run(p, v);
  ck_assert_uint_eq(quirk.outcome.high, 3);
  ck_assert_uint_eq(quirk.outcome.kept, 7);
  ck_assert_double_eq(quirk.outcome.mean, 4.0);
  ck_assert(quirk.flags[3] == FrameRejection::High);   // 10
  ck_assert(quirk.flags[8] == FrameRejection::High);   // 9
  ck_assert(quirk.flags[6] == FrameRejection::High);   // 8
  ck_assert(quirk.flags[1] == FrameRejection::Missing);
}
END_TEST

// Rosner's example in the NIST/SEMATECH e-Handbook (section 1.3.5.17.3).
const std::vector<float> kRosner = {
    -0.25f, 0.68f, 0.94f, 1.15f, 1.20f, 1.26f, 1.26f, 1.34f, 1.38f, 1.43f, 1.49f,
    1.49f,  1.55f, 1.56f, 1.58f, 1.65f, 1.69f, 1.70f, 1.76f, 1.77f, 1.81f, 1.91f,
    1.94f,  1.96f, 1.99f, 2.06f, 2.09f, 2.10f, 2.14f, 2.15f, 2.23f, 2.24f, 2.26f,
    2.35f,  2.37f, 2.40f, 2.47f, 2.54f, 2.62f, 2.64f, 2.90f, 2.92f, 2.92f, 2.93f,
    3.21f,  3.26f, 3.30f, 3.59f, 3.68f, 4.30f, 4.64f, 5.34f, 5.42f, 6.01f};

START_TEST(gesdt_critical_values_match_nist) {
  const double expected[10] = {3.158, 3.151, 3.143, 3.136, 3.128,
                               3.120, 3.111, 3.103, 3.094, 3.085};
  for (int i = 0; i < 10; ++i)
    ck_assert_double_eq_tol(gesdt_critical_value(54 - i, 0.05), expected[i], 0.0011);
}
END_TEST

START_TEST(gesdt_rosner_example) {
  // Shuffle the frames so sorted order and frame order differ: frame f holds
  // element (f * 7) mod 54.
  std::vector<float> v(54);
  for (std::size_t f = 0; f < 54; ++f) v[f] = kRosner[(f * 7) % 54];
  RejectionParams p = params(RejectionMethod::Gesdt, 10.0 / 54.0, 0.05);  // up to 10 outliers
  const Run r = run(p, v);
  ck_assert_uint_eq(r.outcome.high, 3);
  ck_assert_uint_eq(r.outcome.low, 0);
  double kept_sum = 0;
  for (std::size_t f = 0; f < 54; ++f) {
    const bool outlier = v[f] == 6.01f || v[f] == 5.42f || v[f] == 5.34f;
    ck_assert(r.flags[f] == (outlier ? FrameRejection::High : FrameRejection::Kept));
    if (!outlier) kept_sum += v[f];
  }
  ck_assert_double_eq_tol(r.outcome.mean, kept_sum / 51.0, 1e-12);
  // Three significant tests, all high, nothing missing: Siril's quirks change nothing here.
  p.gesdt_siril_quirks = true;
  const Run q = run(p, v);
  ck_assert(q.flags == r.flags);
}
END_TEST

START_TEST(gesdt_siril_quirks) {
  // Quiet stack: no significant test; the quirk still rejects min(K, 2) = 2.
  std::vector<float> quiet = kQuiet;
  quiet.push_back(0.1f);
  RejectionParams p = default_rejection_params(RejectionMethod::Gesdt);  // K = 3
  ck_assert_uint_eq(run(p, quiet).outcome.kept, 10);
  p.gesdt_siril_quirks = true;
  const Run q = run(p, quiet);
  ck_assert_uint_eq(q.outcome.kept, 8);

  // A low outlier tested first, then a high one: the quirk marks the high one
  // at sorted position N-1-1, i.e. the largest quiet value, and keeps 1.4.
  const std::vector<float> v = {1.00f, 1.01f, 0.99f, 0.30f, 1.00f, 1.02f,
                                0.98f, 1.40f, 1.00f, 1.03f};
  p.gesdt_siril_quirks = false;
  p.low = 0.2;  // K = 2
  const Run right = run(p, v);
  ck_assert(right.flags[3] == FrameRejection::Low);
  ck_assert(right.flags[7] == FrameRejection::High);
  ck_assert_uint_eq(right.outcome.kept, 8);
  p.gesdt_siril_quirks = true;
  const Run wrong = run(p, v);
  ck_assert(wrong.flags[3] == FrameRejection::Low);
  ck_assert(wrong.flags[7] == FrameRejection::Kept);
  ck_assert(wrong.flags[9] == FrameRejection::High);  // 1.03, the largest quiet value
}
END_TEST

START_TEST(averaged_sigma_poisson_model) {
  // Known factor k = 1: sigma = sqrt(101) = 10.05; 130 - 101 > 2 sigma.
  RejectionParams p = params(RejectionMethod::AveragedSigma, 2, 2);
  p.poisson_factor = 1.0;
  const std::vector<float> v = {100, 102, 98, 101, 130};
  const Run known = run(p, v);
  ck_assert_uint_eq(known.outcome.high, 1);
  ck_assert(known.flags[4] == FrameRejection::High);
  ck_assert_double_eq(known.outcome.mean, 100.25);
  // Estimated from the stack: k = 852 / (4 * 101), sigma = 14.595, 2 sigma = 29.19 > 29.
  p.poisson_factor = 0.0;
  ck_assert_uint_eq(run(p, v).outcome.kept, 5);
  p.high = 1.9;  // 27.73 < 29
  ck_assert_uint_eq(run(p, v).outcome.high, 1);
  // A median <= 0 has no Poisson model: nothing is clipped.
  ck_assert_uint_eq(run(p, {-1, -2, -1, -50, -1}).outcome.kept, 5);
  // The gain gives k = 1 / (gain * 65535).
  ck_assert_double_eq_tol(poisson_factor_from_gain(2.0), 1.0 / 131070.0, 1e-18);
}
END_TEST

START_TEST(averaged_sigma_estimate_with_more_frames) {
  // 16 frames: the stack's own estimate now isolates the ray (d / sqrt(15) < d / 3).
  std::vector<float> v = kQuiet;
  for (float x : kQuiet) v.push_back(x);
  v.resize(15);
  v.push_back(0.9f);
  const Run r = run(default_rejection_params(RejectionMethod::AveragedSigma), v);
  ck_assert_uint_eq(r.outcome.high, 1);
  ck_assert(r.flags[15] == FrameRejection::High);
}
END_TEST

START_TEST(averaged_sigma_factor_averaged_over_a_band) {
  RejectionWorkspace ws(10);
  // One stack's sample: 852 / (4 * 101); zeros are missing; too few or a median <= 0: NaN.
  ck_assert_double_eq_tol(poisson_factor_sample(std::vector<float>{100, 0, 102, 98, 101, 130}, ws),
                          852.0 / 404.0, 1e-12);
  ck_assert(std::isnan(poisson_factor_sample(std::vector<float>{0, 5, 6}, ws)));
  ck_assert(std::isnan(poisson_factor_sample(std::vector<float>{-1, -2, -3}, ws)));
  // A band of 100 pixel stacks of 10 frames, one of them hit by a ray: the
  // averaged factor lets the ray go although its own stack's estimate would not.
  std::vector<float> quiet = kQuiet;
  quiet.push_back(0.1f);
  const std::vector<float> ray = stack_with_ray();
  double sum = 0;
  for (int pixel = 0; pixel < 99; ++pixel) sum += poisson_factor_sample(quiet, ws);
  sum += poisson_factor_sample(ray, ws);
  RejectionParams p = default_rejection_params(RejectionMethod::AveragedSigma);
  ck_assert_uint_eq(run(p, ray).outcome.kept, 10);  // per-stack estimate: the ray stays
  p.poisson_factor = sum / 100.0;
  const Run r = run(p, ray);
  ck_assert_uint_eq(r.outcome.high, 1);
  ck_assert_uint_eq(r.outcome.kept, 9);
  ck_assert_uint_eq(run(p, quiet).outcome.kept, 10);
}
END_TEST

START_TEST(frame_weights) {
  const std::vector<double> noise = {0.01, 0.02};
  const std::vector<float> w = noise_weights(noise);
  ck_assert_float_eq_tol(w[0], 1.6f, 1e-6f);
  ck_assert_float_eq_tol(w[1], 0.4f, 1e-6f);
  const std::vector<double> scale = {1.0, 0.5};  // the noisier frame is scaled down by 2
  const std::vector<float> ws = noise_weights(noise, scale);
  ck_assert_float_eq_tol(ws[0], 1.0f, 1e-6f);
  ck_assert_float_eq_tol(ws[1], 1.0f, 1e-6f);
  const std::vector<float> e = exposure_weights(std::vector<double>{60, 120, 180});
  ck_assert_float_eq_tol(e[0], 0.5f, 1e-6f);
  ck_assert_float_eq_tol(e[2], 1.5f, 1e-6f);
  ck_assert(throws_kind(ErrorKind::InvalidArgument,
                        [] { noise_weights(std::vector<double>{0.01, 0.0}); }));
  ck_assert(throws_kind(ErrorKind::InvalidArgument,
                        [] { exposure_weights(std::vector<double>{30, -1}); }));
}
END_TEST

START_TEST(weighted_mean_over_kept_frames) {
  const Run none = run(params(RejectionMethod::None, 0, 0), {1, 2, 3, 4}, {1, 1, 1, 5});
  ck_assert_double_eq(none.outcome.weighted_mean, 3.25);
  ck_assert_double_eq(none.outcome.mean, 2.5);
  std::vector<float> w(10, 1.0f);
  w[kRayFrame] = 100.0f;  // the ray's frame is heavy, but it is rejected
  w[0] = 3.0f;
  const Run r = run(params(RejectionMethod::Sigma, 3, 3), stack_with_ray(), w);
  double expected = 3.0 * kQuiet[0];
  for (std::size_t i = 1; i < kQuiet.size(); ++i) expected += kQuiet[i];
  ck_assert_double_eq_tol(r.outcome.weighted_mean, expected / 11.0, 1e-12);
}
END_TEST

START_TEST(all_rejected_falls_back_to_median) {
  // Percentile around m = 2 rejects both 1 and 3 (and the ties around them).
  const Run r = run(params(RejectionMethod::Percentile, 0.1, 0.1), {1, 1, 3, 3});
  ck_assert_uint_eq(r.outcome.kept, 0);
  ck_assert_double_eq(r.outcome.mean, 2.0);
}
END_TEST

START_TEST(parameters_are_checked) {
  ck_assert(throws_kind(ErrorKind::InvalidArgument, [] {
    Rejector(params(RejectionMethod::Percentile, 1.5, 0.1), 10);
  }));
  ck_assert(throws_kind(ErrorKind::InvalidArgument, [] {
    Rejector(params(RejectionMethod::Gesdt, 0.3, 0.0), 10);
  }));
  ck_assert(throws_kind(ErrorKind::InvalidArgument, [] {
    Rejector(params(RejectionMethod::Sigma, -1, 3), 10);
  }));
  ck_assert(throws_kind(ErrorKind::InvalidArgument, [] {
    Rejector(params(RejectionMethod::Sigma, 3, 3), 0);
  }));
  ck_assert(throws_kind(ErrorKind::Internal, [] {
    Rejector rejector(params(RejectionMethod::Sigma, 3, 3), 4);
    RejectionWorkspace ws(3);
    const std::vector<float> v = {1, 2, 3, 4};
    rejector.reject(v, {}, ws);
  }));
}
END_TEST

START_TEST(auto_rule_by_frame_count) {
  ck_assert(auto_rejection_method(3) == RejectionMethod::Percentile);
  ck_assert(auto_rejection_method(6) == RejectionMethod::Percentile);
  ck_assert(auto_rejection_method(7) == RejectionMethod::AveragedSigma);
  ck_assert(auto_rejection_method(14) == RejectionMethod::AveragedSigma);
  ck_assert(auto_rejection_method(15) == RejectionMethod::Winsorized);
  ck_assert(auto_rejection_method(24) == RejectionMethod::Winsorized);
  ck_assert(auto_rejection_method(25) == RejectionMethod::LinearFit);
  ck_assert(auto_rejection_method(1000) == RejectionMethod::LinearFit);
}
END_TEST

START_TEST(combinations) {
  std::vector<float> v = {4, 1, 3, 2};
  ck_assert_double_eq(combine(Combination::Median, v), 2.5);
  ck_assert_double_eq(combine(Combination::Mean, v), 2.5);
  ck_assert_double_eq(combine(Combination::Sum, v), 10.0);
  ck_assert_double_eq(combine(Combination::Minimum, v), 1.0);
  ck_assert_double_eq(combine(Combination::Maximum, v), 4.0);
  std::vector<float> odd = {0, 5, 0, 7, 9};  // zeros count in a median
  ck_assert_double_eq(combine(Combination::Median, odd), 5.0);
  ck_assert_double_eq(combine(Combination::Median, std::span<float>()), 0.0);
}
END_TEST

START_TEST(combinations_drop_non_finite_values) {
  const float nan = std::numeric_limits<float>::quiet_NaN();
  const float inf = std::numeric_limits<float>::infinity();
  std::vector<float> v = {4, nan, 1, 3, inf, 2, -inf};
  ck_assert_double_eq(combine(Combination::Median, v), 2.5);
  v = {4, nan, 1, 3, inf, 2, -inf};
  ck_assert_double_eq(combine(Combination::Sum, v), 10.0);
  v = {4, nan, 1, 3, inf, 2, -inf};
  ck_assert_double_eq(combine(Combination::Mean, v), 2.5);
  v = {4, nan, 1, 3, inf, 2, -inf};
  ck_assert_double_eq(combine(Combination::Minimum, v), 1.0);
  v = {4, nan, 1, 3, inf, 2, -inf};
  ck_assert_double_eq(combine(Combination::Maximum, v), 4.0);
  std::vector<float> none = {nan, inf};
  ck_assert_double_eq(combine(Combination::Median, none), 0.0);
}
END_TEST

START_TEST(bwmv_and_ikss_hand_computed) {
  const std::vector<float> five = {1, 2, 3, 4, 5};
  // u = d/9: n * sum d^2 (1-u^2)^4 / [sum (1-u^2)(1-5u^2)]^2 = 5 * 8.43617 / 4.28516^2.
  ck_assert_double_eq_tol(biweight_midvariance(five, 3.0, 1.0), 2.297064, 1e-6);
  ck_assert_double_eq(biweight_midvariance(five, 3.0, 0.0), 0.0);
  // M = 3.5, MAD = 1.5: 100 lies beyond M + 9; kept 1..5: location 3, MAD' 1.
  const std::vector<float> v = {0, 1, 2, 0, 3, 4, 5, 100};
  const LocationScale ikss = ikss_estimate(v);
  ck_assert_uint_eq(ikss.count, 5);
  ck_assert_double_eq(ikss.location, 3.0);
  ck_assert_double_eq_tol(ikss.scale, 0.991 * std::sqrt(2.297064), 1e-6);
  const LocationScale mm = median_mad_estimate(std::vector<float>{0, 1, 2, 3, 4, 100});
  ck_assert_double_eq(mm.location, 3.0);
  ck_assert_double_eq(mm.scale, 1.0);
  ck_assert_uint_eq(mm.count, 5);
}
END_TEST

START_TEST(ikss_on_noise_with_stars) {
  // Deterministic "sky": 0.2 + uniform noise of sd 0.01 (a +-0.01732 box), 5 % stars at 0.9.
  Image image(200, 100, 1);
  std::uint32_t state = 12345;
  for (std::size_t i = 0; i < image.samples().size(); ++i) {
    state = state * 1664525u + 1013904223u;
    const double u = (double(state >> 8) + 0.5) / 16777216.0;  // (0, 1)
    image.samples()[i] = float(0.2 + (u - 0.5) * 2.0 * 0.0173205);
    if (i % 20 == 7) image.samples()[i] = 0.9f;
  }
  const LocationScale e = ikss_estimate(image.view());
  ck_assert_double_eq_tol(e.location, 0.2, 3e-4);
  // The stars are dropped (beyond 6 MAD); the scale follows the noise, not the stars.
  ck_assert_uint_eq(e.count, 19000);
  ck_assert_double_gt(e.scale, 0.008);
  ck_assert_double_lt(e.scale, 0.012);
  const LocationScale plain = median_mad_estimate(image.view());
  // The plain median is pulled by the stars (quantile 0.5/0.95 of the sky).
  ck_assert_double_eq_tol(plain.location, 0.2009, 3e-4);
  ck_assert_double_gt(std::fabs(plain.location - 0.2), std::fabs(e.location - 0.2));
}
END_TEST

START_TEST(normalisation_maps) {
  const LocationScale frame{0.2, 0.02, 0}, ref{0.1, 0.01, 0};
  ck_assert_double_eq_tol(normalisation_map(Normalisation::Additive, frame, ref).apply(0.25), 0.15,
                          1e-15);
  ck_assert_double_eq_tol(
      normalisation_map(Normalisation::AdditiveScale, frame, ref).apply(0.25), 0.125, 1e-15);
  ck_assert_double_eq_tol(
      normalisation_map(Normalisation::Multiplicative, frame, ref).apply(0.25), 0.125, 1e-15);
  ck_assert_double_eq_tol(
      normalisation_map(Normalisation::MultiplicativeScale, frame, ref).apply(0.25), 0.0625,
      1e-15);
  ck_assert_double_eq(normalisation_map(Normalisation::None, frame, ref).apply(0.25), 0.25);
  // Zero is "no data" and stays zero.
  ck_assert_double_eq(normalisation_map(Normalisation::Additive, frame, ref).apply(0.0), 0.0);
  // A zero scale or location leaves that factor at 1.
  const LocationScale flat{0.0, 0.0, 0};
  const NormalisationMap m = normalisation_map(Normalisation::MultiplicativeScale, flat, ref);
  ck_assert_double_eq(m.multiplier, 1.0);
}
END_TEST

// Stacks of every kind the batch path meets: quantised noise (ties), cosmic
// rays up and down, missing values (0, NaN), all-equal stacks, two values,
// stacks with more outliers than the floor rule lets go.
std::vector<float> mixed_stacks(std::size_t frames, std::size_t count, unsigned seed) {
  std::mt19937 random(seed);
  std::normal_distribution<double> noise(2048.0, 12.0);
  std::vector<float> stacks(frames * count);
  for (std::size_t x = 0; x < count; ++x) {
    float* v = stacks.data() + x * frames;
    for (std::size_t f = 0; f < frames; ++f) v[f] = float(std::round(noise(random)) / 65535.0);
    switch (x % 9) {
      case 1: v[random() % frames] += 0.5f; break;
      case 2: v[random() % frames] = 0.001f; v[random() % frames] += 0.3f; break;
      case 3: v[random() % frames] = 0.0f; v[random() % frames] = std::nanf(""); break;
      case 4: std::fill(v, v + frames, 0.25f); break;
      case 5: for (std::size_t f = 2; f < frames; ++f) v[f] = 0.0f; break;
      case 6: for (std::size_t f = 0; f < frames / 2; ++f) v[f] += float(f % 3) * 0.2f; break;
      case 7: v[0] = std::numeric_limits<float>::infinity(); v[frames - 1] *= 1.5f; break;
      default: break;
    }
  }
  return stacks;
}

START_TEST(many_stacks_match_one_by_one) {
  // reject_many must give what reject() gives, bit for bit, whatever the
  // frame count (sorting networks up to 64 values, selection above), with
  // and without weights, with AVX-512, AVX2 (where the processor has them) and the
  // portable code.
  const std::size_t frame_counts[] = {3, 4, 5, 7, 8, 15, 21, 50, 63, 64, 65, 100};
  std::size_t compared = 0, rejected = 0;
  using rejection_detail::LaneCode;
  for (LaneCode code : {LaneCode::Best, LaneCode::UpToAvx2, LaneCode::Portable}) {
    rejection_detail::use_lane_code(code);
    for (std::size_t frames : frame_counts) {
      const std::size_t count = 53;  // not a multiple of the lanes
      const std::vector<float> stacks = mixed_stacks(frames, count, unsigned(frames));
      std::vector<float> weights(frames);
      for (std::size_t f = 0; f < frames; ++f) weights[f] = 0.5f + float(f % 7) * 0.25f;
      for (RejectionMethod method : {RejectionMethod::Winsorized, RejectionMethod::Sigma}) {
        const Rejector rejector(params(method, 3, 3), frames);
        RejectionWorkspace workspace(frames);
        for (bool weighted : {false, true}) {
          const std::span<const float> w = weighted ? std::span<const float>(weights)
                                                    : std::span<const float>();
          std::vector<float> out(count);
          std::vector<std::uint16_t> low(count), high(count);
          rejector.reject_many(stacks, w, workspace, out, low, high);
          for (std::size_t x = 0; x < count; ++x) {
            const RejectionOutcome o =
                rejector.reject(std::span<const float>(stacks).subspan(x * frames, frames), w,
                                workspace);
            const float expected = float(weighted ? o.weighted_mean : o.mean);
            ck_assert_msg(std::memcmp(&expected, &out[x], sizeof(float)) == 0,
                          "frames %zu stack %zu: %.9g instead of %.9g", frames, x,
                          double(out[x]), double(expected));
            ck_assert_uint_eq(low[x], o.low);
            ck_assert_uint_eq(high[x], o.high);
            rejected += o.low + o.high;
            ++compared;
          }
        }
      }
    }
  }
  rejection_detail::use_lane_code(LaneCode::Best);
  ck_assert_uint_eq(compared, 3 * 12 * 2 * 2 * 53);
  ck_assert_uint_gt(rejected, 1000);  // the stacks did exercise the clipping
}
END_TEST

int main() {
  Suite* suite = suite_create("rejection");
  TCase* tc = tcase_create("core");
  ADD_TEST(tc, no_rejection_skips_zeros);
  ADD_TEST(tc, two_values_or_fewer_are_averaged);
  ADD_TEST(tc, three_values_are_protected_by_the_floor_rule);
  ADD_TEST(tc, all_equal_stacks_keep_everything);
  ADD_TEST(tc, ties_sigma_clipping);
  ADD_TEST(tc, every_method_removes_a_cosmic_ray);
  ADD_TEST(tc, sigma_median_replaces_by_the_median);
  ADD_TEST(tc, percentile_hand_computed);
  ADD_TEST(tc, mad_hand_computed);
  ADD_TEST(tc, floor_rule_keeps_the_least_deviant);
  ADD_TEST(tc, linear_fit_follows_a_trend);
  ADD_TEST(tc, linear_fit_siril_n0_quirk);
  ADD_TEST(tc, gesdt_critical_values_match_nist);
  ADD_TEST(tc, gesdt_rosner_example);
  ADD_TEST(tc, gesdt_siril_quirks);
  ADD_TEST(tc, averaged_sigma_poisson_model);
  ADD_TEST(tc, averaged_sigma_estimate_with_more_frames);
  ADD_TEST(tc, averaged_sigma_factor_averaged_over_a_band);
  ADD_TEST(tc, frame_weights);
  ADD_TEST(tc, weighted_mean_over_kept_frames);
  ADD_TEST(tc, all_rejected_falls_back_to_median);
  ADD_TEST(tc, parameters_are_checked);
  ADD_TEST(tc, auto_rule_by_frame_count);
  ADD_TEST(tc, combinations);
  ADD_TEST(tc, combinations_drop_non_finite_values);
  ADD_TEST(tc, bwmv_and_ikss_hand_computed);
  ADD_TEST(tc, ikss_on_noise_with_stars);
  ADD_TEST(tc, normalisation_maps);
  ADD_TEST(tc, many_stacks_match_one_by_one);
  suite_add_tcase(suite, tc);
  return astropack::test::run_suite(suite);
}
