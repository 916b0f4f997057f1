// SPDX-License-Identifier: GPL-3.0-or-later
// Image statistics: hand-computed small cases, Siril's bgnoise on known noise,
// clipping, thread-count independence and strided views.
#include <omp.h>

#include <cmath>
#include <cstdint>
#include <cstring>
#include <limits>
#include <numbers>
#include <vector>

#include "astropack/error.hpp"
#include "astropack/statistics.hpp"
#include "check_main.hpp"

using namespace astropack;

namespace {

constexpr float kNaN = std::numeric_limits<float>::quiet_NaN();
constexpr float kInf = std::numeric_limits<float>::infinity();

// A one-row mono image holding `values`.
Image row_image(const std::vector<float>& values) {
  Image image(values.size(), 1, 1);
  for (std::size_t i = 0; i < values.size(); ++i) image.at(0, 0, i) = values[i];
  return image;
}

ChannelStatistics stats_of(const std::vector<float>& values, StatisticsOptions options = {}) {
  options.background_noise = false;
  Image image = row_image(values);
  return compute_statistics(image.view(), options).at(0);
}

// Deterministic normal deviates: splitmix64 uniforms through Box-Muller.
class Gaussian {
 public:
  explicit Gaussian(std::uint64_t seed) : m_state(seed) {}
  double next() {
    if (m_has_spare) {
      m_has_spare = false;
      return m_spare;
    }
    const double u1 = uniform();
    const double u2 = uniform();
    const double r = std::sqrt(-2.0 * std::log(u1));
    const double angle = 2.0 * std::numbers::pi * u2;
    m_spare = r * std::sin(angle);
    m_has_spare = true;
    return r * std::cos(angle);
  }

 private:
  // In (0, 1]: never 0, so the log is finite.
  double uniform() {
    std::uint64_t z = (m_state += 0x9E3779B97F4A7C15ull);
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
    z ^= z >> 31;
    return (double(z >> 11) + 1.0) / 9007199254740992.0;
  }
  std::uint64_t m_state;
  double m_spare = 0;
  bool m_has_spare = false;
};

Image noise_image(std::size_t width, std::size_t height, double level, double sigma,
                  std::uint64_t seed) {
  Image image(width, height, 1);
  Gaussian g(seed);
  for (float& v : image.samples()) v = float(level + sigma * g.next());
  return image;
}

bool same_bits(double a, double b) { return std::memcmp(&a, &b, sizeof a) == 0; }

bool identical(const ChannelStatistics& a, const ChannelStatistics& b) {
  return a.count == b.count && a.non_finite == b.non_finite && same_bits(a.min, b.min) &&
         same_bits(a.max, b.max) && same_bits(a.mean, b.mean) && same_bits(a.median, b.median) &&
         same_bits(a.sigma, b.sigma) && same_bits(a.avg_dev, b.avg_dev) &&
         same_bits(a.mad, b.mad) && same_bits(a.clipped_mean, b.clipped_mean) &&
         same_bits(a.clipped_sigma, b.clipped_sigma) &&
         same_bits(a.background_noise, b.background_noise);
}

}  // namespace

START_TEST(odd_count_hand_computed) {
  const ChannelStatistics s = stats_of({3, 1, 2, 5, 4});
  ck_assert_uint_eq(s.count, 5);
  ck_assert_double_eq(s.min, 1.0);
  ck_assert_double_eq(s.max, 5.0);
  ck_assert_double_eq(s.mean, 3.0);
  ck_assert_double_eq(s.median, 3.0);
  ck_assert_double_eq_tol(s.sigma, std::sqrt(2.0), 1e-15);  // (4+1+0+1+4)/5 = 2
  ck_assert_double_eq_tol(s.avg_dev, 1.2, 1e-15);
  ck_assert_double_eq(s.mad, 1.0);  // |x-3| = 2 1 0 1 2
}
END_TEST

START_TEST(even_count_averages_middle_values) {
  const ChannelStatistics s = stats_of({4, 1, 3, 2});
  ck_assert_double_eq(s.median, 2.5);
  ck_assert_double_eq(s.mean, 2.5);
  ck_assert_double_eq_tol(s.sigma, std::sqrt(1.25), 1e-15);
  ck_assert_double_eq(s.avg_dev, 1.0);
  ck_assert_double_eq(s.mad, 1.0);  // deviations 0.5 0.5 1.5 1.5
}
END_TEST

START_TEST(ties_and_all_equal) {
  const ChannelStatistics t = stats_of({2, 2, 2, 5, 1});
  ck_assert_double_eq(t.median, 2.0);
  ck_assert_double_eq(t.mad, 0.0);  // deviations 0 0 0 1 3
  ck_assert_double_eq_tol(t.avg_dev, 0.8, 1e-15);

  const ChannelStatistics e = stats_of(std::vector<float>(7, 0.5f));
  ck_assert_uint_eq(e.count, 7);
  ck_assert_double_eq(e.median, 0.5);
  ck_assert_double_eq(e.mean, 0.5);
  ck_assert_double_eq(e.sigma, 0.0);
  ck_assert_double_eq(e.mad, 0.0);
  ck_assert_double_eq(e.clipped_mean, 0.5);
  ck_assert_double_eq(e.clipped_sigma, 0.0);
}
END_TEST

START_TEST(zeros_skipped_or_kept) {
  const std::vector<float> values = {0, 0, 1, 2, 3, 0};
  const ChannelStatistics skipped = stats_of(values);
  ck_assert_uint_eq(skipped.count, 3);
  ck_assert_double_eq(skipped.median, 2.0);
  ck_assert_double_eq(skipped.mean, 2.0);
  ck_assert_double_eq(skipped.min, 1.0);

  StatisticsOptions keep;
  keep.skip_zeros = false;
  const ChannelStatistics kept = stats_of(values, keep);
  ck_assert_uint_eq(kept.count, 6);
  ck_assert_double_eq(kept.median, 0.5);  // 0 0 0 | 1 2 3
  ck_assert_double_eq(kept.mean, 1.0);
  ck_assert_double_eq(kept.min, 0.0);
  ck_assert_double_eq(kept.mad, 0.5);  // deviations .5 .5 .5 .5 1.5 2.5
}
END_TEST

START_TEST(non_finite_counted_and_skipped) {
  const std::vector<float> values = {1, kNaN, 2, kInf, 3, -kInf};
  const ChannelStatistics s = stats_of(values);
  ck_assert_uint_eq(s.count, 3);
  ck_assert_uint_eq(s.non_finite, 3);
  ck_assert_double_eq(s.median, 2.0);
  ck_assert_double_eq(s.min, 1.0);
  ck_assert_double_eq(s.max, 3.0);
  ck_assert_double_eq(s.mean, 2.0);

  StatisticsOptions keep;
  keep.skip_non_finite = false;
  const ChannelStatistics k = stats_of(values, keep);
  ck_assert_uint_eq(k.count, 6);
  ck_assert_uint_eq(k.non_finite, 3);
  ck_assert(std::isnan(k.mean));
  ck_assert(std::isnan(k.median));
  ck_assert(std::isnan(k.min));

  // Infinities alone are ordered: the median survives.
  const ChannelStatistics inf = stats_of({1, kInf, 2, 3, -kInf}, keep);
  ck_assert_double_eq(inf.median, 2.0);
  ck_assert(std::isinf(inf.max) && inf.max > 0);
}
END_TEST

START_TEST(negatives) {
  const ChannelStatistics s = stats_of({-3, -1, -2, 4});
  ck_assert_double_eq(s.median, -1.5);
  ck_assert_double_eq(s.mean, -0.5);
  ck_assert_double_eq(s.min, -3.0);
  ck_assert_double_eq(s.max, 4.0);
  ck_assert_double_eq(s.mad, 1.0);  // deviations 1.5 .5 .5 5.5
}
END_TEST

START_TEST(clipping_hand_computed) {
  StatisticsOptions options;
  options.clip_sigma = 2.0;
  const ChannelStatistics s = stats_of({1, 2, 3, 4, 5, 6, 7, 8, 9, 100}, options);
  // Pass 1: median 5.5, sigma 28.5 -> 100 lies beyond 5.5 + 57. Pass 2 keeps 1..9.
  ck_assert_double_eq_tol(s.clipped_mean, 5.0, 1e-15);
  ck_assert_double_eq_tol(s.clipped_sigma, std::sqrt(20.0 / 3.0), 1e-14);
  ck_assert_double_eq_tol(s.mean, 14.5, 1e-15);

  options.clip_sigma = 4.0;  // 100 is within 4 sigma (114.4) of the median: nothing moves
  const ChannelStatistics wide = stats_of({1, 2, 3, 4, 5, 6, 7, 8, 9, 100}, options);
  ck_assert_double_eq(wide.clipped_mean, wide.mean);
  ck_assert_double_eq(wide.clipped_sigma, wide.sigma);

  options.clip_sigma = 2.0;
  options.clip_iterations = 0;
  const ChannelStatistics none = stats_of({1, 2, 3, 4, 5, 6, 7, 8, 9, 100}, options);
  ck_assert_double_eq(none.clipped_mean, none.mean);
}
END_TEST

START_TEST(clipped_mean_ignores_outliers) {
  Image image = noise_image(200, 5, 0.2, 0.01, 7);
  image.at(0, 1, 3) = 50.0f;
  image.at(0, 2, 100) = 40.0f;
  image.at(0, 4, 199) = 60.0f;
  const ChannelStatistics s = compute_statistics(image.view()).at(0);
  ck_assert_double_gt(s.mean, 0.3);
  ck_assert_double_eq_tol(s.clipped_mean, 0.2, 0.002);
  ck_assert_double_gt(s.clipped_sigma, 0.008);
  ck_assert_double_lt(s.clipped_sigma, 0.0105);
  ck_assert_double_eq_tol(s.median, 0.2, 0.002);
}
END_TEST

START_TEST(bgnoise_hand_computed) {
  Image image(5, 3, 1);
  const float rows[3][5] = {{1, 2, 4, 7, 11}, {5, 0, 5, 0, 5}, {0, 0, 3, 0, 0}};
  for (std::size_t y = 0; y < 3; ++y)
    for (std::size_t x = 0; x < 5; ++x) image.at(0, y, x) = rows[y][x];
  // Skipping zeros: row sigmas sqrt(1.25) and 0, row 2 has no difference.
  ck_assert_double_eq_tol(background_noise(image.view(), true),
                          std::sqrt(1.25) / 2.0 / std::sqrt(2.0), 1e-15);
  // Keeping zeros: sqrt(1.25), 5, sqrt(4.5) -> median sqrt(4.5) -> 1.5.
  ck_assert_double_eq_tol(background_noise(image.view(), false), 1.5, 1e-15);
  // Narrower than 3 pixels: 0.
  Image narrow(2, 4, 1, 0.5f);
  narrow.at(0, 1, 1) = 0.7f;
  ck_assert_double_eq(background_noise(narrow.view()), 0.0);
}
END_TEST

START_TEST(bgnoise_of_gaussian_noise) {
  Image image = noise_image(512, 512, 0.1, 0.01, 12345);
  const double clean = background_noise(image.view());
  ck_assert_double_eq_tol(clean, 0.01, 0.0002);
  // One hot pixel per row: the 5-sigma clipping of the differences removes it.
  for (std::size_t y = 0; y < 512; ++y) image.at(0, y, (y * 37) % 500 + 5) = 1.0f;
  const double hot = background_noise(image.view());
  ck_assert_double_eq_tol(hot, 0.01, 0.0003);
  const ChannelStatistics s = compute_statistics(image.view()).at(0);
  ck_assert_double_eq(s.background_noise, hot);
}
END_TEST

START_TEST(thread_count_does_not_change_bits) {
  Image image = noise_image(1000, 700, 0.3, 0.05, 99);
  for (std::size_t i = 0; i < image.samples().size(); i += 997) image.samples()[i] = 0.0f;
  for (std::size_t i = 13; i < image.samples().size(); i += 10007) image.samples()[i] = kNaN;
  image.at(0, 10, 10) = 25.0f;
  omp_set_num_threads(1);
  const ChannelStatistics one = compute_statistics(image.view()).at(0);
  const Histogram h1 = histogram(image.view(), 100, 0.0, 1.0);
  omp_set_num_threads(4);
  const ChannelStatistics four = compute_statistics(image.view()).at(0);
  const Histogram h4 = histogram(image.view(), 100, 0.0, 1.0);
  ck_assert(identical(one, four));
  ck_assert(h1.bins == h4.bins);
  ck_assert_uint_gt(one.count, 690000);
  ck_assert_uint_eq(one.non_finite, 70);

  // Against an independent long-double reference on the same samples.
  long double sum = 0;
  std::size_t n = 0;
  for (float v : image.samples())
    if (v != 0.0f && std::isfinite(v)) {
      sum += v;
      ++n;
    }
  ck_assert_uint_eq(one.count, n);
  ck_assert_double_eq_tol(one.mean, double(sum / n), 1e-12);
}
END_TEST

START_TEST(strided_band_views) {
  // 3 channels, 10 x 8; the band rows 2..4 is strided across planes.
  Image image(10, 8, 3);
  for (std::size_t c = 0; c < 3; ++c)
    for (std::size_t y = 0; y < 8; ++y)
      for (std::size_t x = 0; x < 10; ++x)
        image.at(c, y, x) = float(1 + c * 100 + y * 10 + (x * 7) % 10);
  ConstImageView band = ConstImageView(image.view()).band(2, 3);
  const auto stats = compute_statistics(band);
  ck_assert_uint_eq(stats.size(), 3);
  for (std::size_t c = 0; c < 3; ++c) {
    Image copy(10, 3, 1);
    for (std::size_t y = 0; y < 3; ++y)
      for (std::size_t x = 0; x < 10; ++x) copy.at(0, y, x) = image.at(c, y + 2, x);
    const ChannelStatistics expected = compute_statistics(copy.view()).at(0);
    ck_assert(identical(stats[c], expected));
    ck_assert_uint_eq(stats[c].count, 30);
    ck_assert_double_eq(stats[c].min, 1.0 + c * 100 + 20);
    ck_assert_double_eq(stats[c].max, 1.0 + c * 100 + 49);
    ck_assert_double_eq(stats[c].median, 1.0 + c * 100 + 34.5);
  }
  // A window narrower than its rows: columns 2..6 of channel 1.
  ConstImageView window(image.plane(1) + 2, 5, 8, 1, 10, 80);
  const ChannelStatistics w = compute_statistics(window).at(0);
  ck_assert_uint_eq(w.count, 40);
  ck_assert_double_eq(w.min, 102.0);  // x = 0 is outside; (x*7)%10 for x=2..6: 4 1 8 5 2
  ck_assert_double_eq(w.max, 101.0 + 70 + 8);
}
END_TEST

START_TEST(median_and_mad_helpers) {
  std::vector<float> v = {5, 3, 1, 4};
  ck_assert_double_eq(median_in_place(v), 3.5);
  std::vector<float> one = {7};
  ck_assert_double_eq(median_in_place(one), 7.0);
  ck_assert(std::isnan(median_in_place(std::span<float>())));
  const std::vector<float> w = {1, 2, 3, 4, 100};
  ck_assert_double_eq(mad_about(w, 3.0), 1.0);
  ck_assert_float_eq(w[4], 100.0f);  // the input is untouched
  ck_assert_double_eq(mad_about(w, 0.0), 3.0);
}
END_TEST

START_TEST(histogram_bins_and_edges) {
  Image image = row_image({0.0f, 0.25f, 0.5f, 0.75f, 1.0f, -0.1f, 1.1f, kNaN, 0.2499f});
  const Histogram h = histogram(image.view(), 4, 0.0, 1.0);
  ck_assert_uint_eq(h.bins.size(), 4);
  ck_assert_uint_eq(h.bins[0], 2);
  ck_assert_uint_eq(h.bins[1], 1);
  ck_assert_uint_eq(h.bins[2], 1);
  ck_assert_uint_eq(h.bins[3], 2);  // 0.75 and the top edge 1.0
  bool thrown = false;
  try {
    histogram(image.view(), 0, 0.0, 1.0);
  } catch (const Error& e) {
    thrown = e.kind() == ErrorKind::InvalidArgument;
  }
  ck_assert(thrown);
  thrown = false;
  try {
    histogram(image.view(), 4, 1.0, 1.0);
  } catch (const Error& e) {
    thrown = e.kind() == ErrorKind::InvalidArgument;
  }
  ck_assert(thrown);
}
END_TEST

START_TEST(empty_channel) {
  const ChannelStatistics s = stats_of({0, 0, 0});
  ck_assert_uint_eq(s.count, 0);
  ck_assert_double_eq(s.mean, 0.0);
  ck_assert(compute_statistics(ConstImageView()).empty());
}
END_TEST

int main() {
  Suite* suite = suite_create("statistics");
  TCase* tc = tcase_create("core");
  ADD_TEST(tc, odd_count_hand_computed);
  ADD_TEST(tc, even_count_averages_middle_values);
  ADD_TEST(tc, ties_and_all_equal);
  ADD_TEST(tc, zeros_skipped_or_kept);
  ADD_TEST(tc, non_finite_counted_and_skipped);
  ADD_TEST(tc, negatives);
  ADD_TEST(tc, clipping_hand_computed);
  ADD_TEST(tc, clipped_mean_ignores_outliers);
  ADD_TEST(tc, bgnoise_hand_computed);
  ADD_TEST(tc, bgnoise_of_gaussian_noise);
  ADD_TEST(tc, thread_count_does_not_change_bits);
  ADD_TEST(tc, strided_band_views);
  ADD_TEST(tc, median_and_mad_helpers);
  ADD_TEST(tc, histogram_bins_and_edges);
  ADD_TEST(tc, empty_channel);
  suite_add_tcase(suite, tc);
  return astropack::test::run_suite(suite);
}
