// SPDX-License-Identifier: GPL-3.0-or-later
// Background noise per channel and the noise ratio of a processed image.
#include <cmath>
#include <cstdint>
#include <string>

#include "astropack/error.hpp"
#include "astropack/noise_ratio.hpp"
#include "check_main.hpp"

using namespace astropack;

namespace {

// Gaussian noise of the given sigma around a level (Box-Muller on a fixed LCG).
Image noisy(std::size_t width, std::size_t height, std::size_t channels, const double* sigma) {
  Image image(width, height, channels);
  std::uint64_t state = 88172645463325252ull;
  auto uniform = [&state] {
    state ^= state << 13;
    state ^= state >> 7;
    state ^= state << 17;
    return (double(state >> 11) + 0.5) / double(1ull << 53);
  };
  for (std::size_t c = 0; c < channels; ++c)
    for (std::size_t i = 0; i < image.pixel_count(); ++i) {
      const double z = std::sqrt(-2.0 * std::log(uniform())) * std::cos(6.283185307179586 * uniform());
      image.plane(c)[i] = float(0.3 + sigma[c] * z);
    }
  return image;
}

}  // namespace

START_TEST(noise_per_channel_follows_sigma) {
  const double sigma[3] = {0.01, 0.02, 0.005};
  Image image = noisy(400, 300, 3, sigma);
  const auto noise = background_noise_per_channel(image.view());
  ck_assert_uint_eq(noise.size(), 3);
  for (std::size_t c = 0; c < 3; ++c) ck_assert_double_eq_tol(noise[c], sigma[c], 0.03 * sigma[c]);
}
END_TEST

START_TEST(ratio_of_scaled_image_is_the_scale) {
  const double sigma[3] = {0.01, 0.01, 0.01};
  Image source = noisy(300, 200, 3, sigma);
  Image processed = source;
  const double gain[3] = {2.0, 1.0, 0.5};
  for (std::size_t c = 0; c < 3; ++c)
    for (std::size_t i = 0; i < source.pixel_count(); ++i)
      processed.plane(c)[i] = float(source.plane(c)[i] * gain[c] + 0.1);  // offsets do not matter
  const auto ratio = noise_ratio(processed.view(), source.view());
  for (std::size_t c = 0; c < 3; ++c) {
    ck_assert_double_eq_tol(ratio[c].ratio, gain[c], 1e-4 * gain[c]);
    ck_assert_double_eq_tol(ratio[c].processed, ratio[c].source * gain[c], 1e-4 * gain[c] * 0.01);
  }
  // Identity gives exactly 1.
  const auto same = noise_ratio(source.view(), source.view());
  for (const auto& r : same) ck_assert_double_eq(r.ratio, 1.0);
}
END_TEST

START_TEST(channel_mismatch_and_flat_source) {
  const double sigma[3] = {0.01, 0.01, 0.01};
  Image rgb = noisy(50, 40, 3, sigma);
  Image mono = noisy(50, 40, 1, sigma);
  bool thrown = false;
  try {
    noise_ratio(rgb.view(), mono.view());
  } catch (const Error& e) {
    thrown = e.kind() == ErrorKind::InvalidInput;
  }
  ck_assert(thrown);
  Image flat(50, 40, 1, 0.5f);
  ck_assert(std::isnan(noise_ratio(mono.view(), flat.view())[0].ratio));
}
END_TEST

int main() {
  Suite* s = suite_create("noise_ratio");
  TCase* tc = tcase_create("noise_ratio");
  ADD_TEST(tc, noise_per_channel_follows_sigma);
  ADD_TEST(tc, ratio_of_scaled_image_is_the_scale);
  ADD_TEST(tc, channel_mismatch_and_flat_source);
  suite_add_tcase(s, tc);
  return astropack::test::run_suite(s);
}
