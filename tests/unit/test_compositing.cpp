// SPDX-License-Identifier: GPL-3.0-or-later
// Compositing as GIMP 2.10 computes it: blend modes, colourise, levels, Gaussian
// blur, unsharp mask, crop and the nebula composite, checked against values worked
// out by hand or by independent formulas here.
#include <algorithm>
#include <cmath>
#include <numeric>

#include "astropack/blend.hpp"
#include "astropack/colourise.hpp"
#include "astropack/crop.hpp"
#include "astropack/error.hpp"
#include "astropack/gaussian_blur.hpp"
#include "astropack/levels.hpp"
#include "astropack/nebula_composite.hpp"
#include "astropack/unsharp_mask.hpp"
#include "check_main.hpp"

using namespace astropack;

namespace {

// The sRGB curve written out again, independently of transfer_curve.cpp.
double decode(double v) { return v <= 0.04045 ? v / 12.92 : std::pow((v + 0.055) / 1.055, 2.4); }
double encode(double v) {
  return v <= 0.0031308 ? v * 12.92 : 1.055 * std::pow(v, 1 / 2.4) - 0.055;
}

BlendParams params(BlendMode mode, double opacity, Trc storage) {
  BlendParams p;
  p.mode = mode;
  p.opacity = opacity;
  p.storage = storage;
  return p;
}

Image pattern(std::size_t w, std::size_t h, std::size_t channels, double phase) {
  Image image(w, h, channels);
  for (std::size_t c = 0; c < channels; ++c)
    for (std::size_t y = 0; y < h; ++y)
      for (std::size_t x = 0; x < w; ++x)
        image.at(c, y, x) =
            static_cast<float>(0.5 + 0.45 * std::sin(0.3 * x + 0.7 * y + c + phase));
  return image;
}

template <typename Fn>
bool throws_invalid_argument(Fn&& fn) {
  try {
    fn();
  } catch (const Error& e) {
    return e.kind() == ErrorKind::InvalidArgument;
  }
  return false;
}

}  // namespace

START_TEST(blend_values_by_hand_on_linear_numbers) {
  const Trc lin = Trc::Linear;
  // Linear-light storage: the linear modes are plain arithmetic.
  ck_assert_float_eq_tol(blend_sample(0.25f, 0.5f, params(BlendMode::Addition, 1, lin)), 0.75f,
                         1e-7f);
  ck_assert_float_eq_tol(blend_sample(0.25f, 0.5f, params(BlendMode::Multiply, 1, lin)), 0.125f,
                         1e-7f);
  ck_assert_float_eq_tol(blend_sample(0.25f, 0.5f, params(BlendMode::LightenOnly, 1, lin)), 0.5f,
                         1e-7f);
  ck_assert_float_eq_tol(blend_sample(0.5f, 0.25f, params(BlendMode::LightenOnly, 1, lin)), 0.5f,
                         1e-7f);
  // normal at 25 %: 0.25 + 0.25 (0.5 - 0.25)
  ck_assert_float_eq_tol(blend_sample(0.25f, 0.5f, params(BlendMode::Normal, 0.25, lin)), 0.3125f,
                         1e-7f);
  // addition at 50 %: 0.25 + 0.5 (0.75 - 0.25)
  ck_assert_float_eq_tol(blend_sample(0.25f, 0.5f, params(BlendMode::Addition, 0.5, lin)), 0.5f,
                         1e-7f);
  // Screen is evaluated on sRGB-encoded numbers even for a linear image.
  const double s = decode(1 - (1 - encode(0.25)) * (1 - encode(0.5)));
  ck_assert_double_eq_tol(blend_sample(0.25f, 0.5f, params(BlendMode::Screen, 1, lin)), s, 1e-6);
  ck_assert(s > 0.7 && s < 0.8);  // not the linear screen 0.625
}
END_TEST

START_TEST(blend_values_by_hand_on_perceptual_numbers) {
  const Trc per = Trc::Perceptual;
  // Screen on perceptual numbers is the textbook formula.
  ck_assert_double_eq_tol(blend_sample(0.2f, 0.6f, params(BlendMode::Screen, 1, per)),
                          1 - 0.8 * 0.4, 1e-6);
  // Normal at 50 % mixes linear light: encode((decode(0.2) + decode(0.8)) / 2).
  const double normal = encode(0.5 * (decode(0.2) + decode(0.8)));
  ck_assert_double_eq_tol(blend_sample(0.2f, 0.8f, params(BlendMode::Normal, 0.5, per)), normal,
                          1e-6);
  ck_assert(normal > 0.55);  // well above the perceptual midpoint 0.5
  // Addition and multiply work in linear light too.
  ck_assert_double_eq_tol(blend_sample(0.3f, 0.4f, params(BlendMode::Addition, 1, per)),
                          encode(decode(0.3) + decode(0.4)), 1e-6);
  ck_assert_double_eq_tol(blend_sample(0.3f, 0.4f, params(BlendMode::Multiply, 1, per)),
                          encode(decode(0.3) * decode(0.4)), 1e-6);
  // Screen at 40 %: the screen result composited in linear light.
  const double screened = 1 - 0.7 * 0.6;
  const double expected = encode(decode(0.3) + 0.4 * (decode(screened) - decode(0.3)));
  ck_assert_double_eq_tol(blend_sample(0.3f, 0.4f, params(BlendMode::Screen, 0.4, per)), expected,
                          1e-6);
}
END_TEST

START_TEST(blend_opacity_zero_is_identity) {
  const Image backdrop = pattern(17, 9, 3, 0.0);
  const Image layer = pattern(17, 9, 3, 2.0);
  for (BlendMode mode : {BlendMode::Normal, BlendMode::LightenOnly, BlendMode::Screen,
                         BlendMode::Addition, BlendMode::Multiply})
    for (Trc storage : {Trc::Linear, Trc::Perceptual}) {
      Image out = backdrop;
      blend(out.view(), layer.view(), params(mode, 0.0, storage));
      ck_assert(out.samples() == backdrop.samples());
    }
}
END_TEST

START_TEST(lighten_is_commutative_and_idempotent) {
  const Image a = pattern(13, 11, 3, 0.0);
  const Image b = pattern(13, 11, 3, 1.3);
  for (Trc storage : {Trc::Linear, Trc::Perceptual}) {
    Image ab = a, ba = b, aa = a;
    blend(ab.view(), b.view(), params(BlendMode::LightenOnly, 1.0, storage));
    blend(ba.view(), a.view(), params(BlendMode::LightenOnly, 1.0, storage));
    blend(aa.view(), a.view(), params(BlendMode::LightenOnly, 1.0, storage));
    for (std::size_t i = 0; i < a.samples().size(); ++i) {
      ck_assert_float_eq_tol(ab.samples()[i], ba.samples()[i], 1e-6f);
      ck_assert_float_eq_tol(aa.samples()[i], a.samples()[i], 1e-6f);
      ck_assert_float_eq_tol(ab.samples()[i], std::max(a.samples()[i], b.samples()[i]), 1e-6f);
    }
  }
}
END_TEST

START_TEST(blend_grey_layer_over_rgb_and_refusals) {
  Image backdrop(4, 3, 3, 0.2f);
  const Image grey(4, 3, 1, 0.6f);
  blend(backdrop.view(), grey.view(), params(BlendMode::LightenOnly, 1.0, Trc::Linear));
  for (float v : backdrop.samples()) ck_assert_float_eq_tol(v, 0.6f, 1e-7f);
  Image grey_backdrop(4, 3, 1, 0.2f);
  const Image rgb(4, 3, 3, 0.5f);
  ck_assert(
      throws_invalid_argument([&] { blend(grey_backdrop.view(), rgb.view(), BlendParams{}); }));
  const Image small(3, 3, 3);
  ck_assert(throws_invalid_argument([&] { blend(backdrop.view(), small.view(), BlendParams{}); }));
  ck_assert(
      throws_invalid_argument([] { params(BlendMode::Normal, 1.5, Trc::Linear).validate(); }));
  ck_assert(
      throws_invalid_argument([] { params(BlendMode::Normal, -0.1, Trc::Linear).validate(); }));
  ck_assert(throws_invalid_argument([] { parse_blend_mode("overlay"); }));
  ck_assert(parse_blend_mode("lighten") == BlendMode::LightenOnly);
}
END_TEST

START_TEST(colourise_of_grey) {
  ColouriseParams red;
  red.hue = 0;
  red.saturation = 100;
  for (float g : {0.1f, 0.25f, 0.5f, 0.8f}) {
    float r = g, gg = g, b = g;
    colourise_pixel(r, gg, b, red);
    // HSL with full saturation: (2L, 0, 0) up to L = 0.5, then (1, 2L - 1, 2L - 1).
    const double lo = g <= 0.5f ? 0.0 : 2.0 * g - 1.0;
    ck_assert_double_eq_tol(r, g <= 0.5f ? 2.0 * g : 1.0, 1e-6);
    ck_assert_double_eq_tol(gg, lo, 1e-6);
    ck_assert_double_eq_tol(b, lo, 1e-6);
  }
  ColouriseParams cyan = red;
  cyan.hue = 180;
  float r = 0.25f, g = 0.25f, b = 0.25f;
  colourise_pixel(r, g, b, cyan);
  ck_assert_double_eq_tol(r, 0.0, 1e-6);
  ck_assert_double_eq_tol(g, 0.5, 1e-6);
  ck_assert_double_eq_tol(b, 0.5, 1e-6);
  // No saturation leaves grey grey; lightness +50 % moves L halfway to white.
  ColouriseParams plain;
  plain.saturation = 0;
  plain.lightness = 50;
  r = g = b = 0.4f;
  colourise_pixel(r, g, b, plain);
  ck_assert_double_eq_tol(r, 0.7, 1e-6);
  ck_assert_double_eq_tol(b, 0.7, 1e-6);
  // A grey image becomes RGB.
  const Image grey(5, 4, 1, 0.3f);
  const Image out = colourise(grey.view(), red);
  ck_assert_uint_eq(out.channels(), 3);
  ck_assert_double_eq_tol(out.at(0, 2, 2), 0.6, 1e-6);
  ck_assert_double_eq_tol(out.at(1, 2, 2), 0.0, 1e-6);
  ColouriseParams bad;
  bad.hue = 400;
  ck_assert(throws_invalid_argument([&] { bad.validate(); }));
  bad.hue = 0;
  bad.lightness = -101;
  ck_assert(throws_invalid_argument([&] { bad.validate(); }));
}
END_TEST

START_TEST(levels_identity_and_values) {
  Image image = pattern(9, 7, 3, 0.4);
  image.at(0, 0, 0) = 1.7f;
  image.at(1, 0, 0) = -0.3f;
  const Image before = image;
  levels(image.view(), LevelsParams{});
  ck_assert(image.samples() == before.samples());

  LevelsParams p;
  p.black_point = 0.1;
  p.white_point = 0.6;
  p.gamma = 2.0;
  p.working = p.storage = Trc::Linear;
  // (0.35 - 0.1) / 0.5 = 0.5, then 0.5^(1/2)
  ck_assert_double_eq_tol(levels_map(0.35, p), std::sqrt(0.5), 1e-6);
  ck_assert_double_eq_tol(levels_map(0.05, p), -0.1, 1e-9);  // below black: no gamma, no clamp
  p.clamp_input = true;
  ck_assert_double_eq_tol(levels_map(0.05, p), 0.0, 1e-12);
  // GIMP's default works on sRGB-encoded numbers: a linear image is encoded first.
  LevelsParams q;
  q.black_point = 0.2;
  q.storage = Trc::Linear;
  Image one(1, 1, 1, 0.3f);
  levels(one.view(), q);
  ck_assert_double_eq_tol(one.at(0, 0, 0), decode((encode(0.3) - 0.2) / 0.8), 1e-6);

  LevelsParams bad;
  bad.gamma = 0.0;
  ck_assert(throws_invalid_argument([&] { bad.validate(); }));
  bad = LevelsParams{};
  bad.black_point = 0.7;
  bad.white_point = 0.6;
  ck_assert(throws_invalid_argument([&] { bad.validate(); }));
}
END_TEST

START_TEST(blur_of_a_delta_integrates_to_one) {
  for (double sigma : {0.7, 3.0}) {  // the sampled kernel and the recursive filter
    Image image(65, 65, 1, 0.0f);
    image.at(0, 32, 32) = 1.0f;
    GaussianBlurParams p;
    p.std_dev_x = p.std_dev_y = sigma;
    gaussian_blur(image.view(), p);
    const double sum = std::accumulate(image.samples().begin(), image.samples().end(), 0.0);
    ck_assert_double_eq_tol(sum, 1.0, 1e-4);
    double mx = 0, my = 0, vx = 0;
    for (std::size_t y = 0; y < 65; ++y)
      for (std::size_t x = 0; x < 65; ++x) {
        mx += x * double(image.at(0, y, x));
        my += y * double(image.at(0, y, x));
      }
    ck_assert_double_eq_tol(mx, 32.0, 1e-3);
    ck_assert_double_eq_tol(my, 32.0, 1e-3);
    for (std::size_t y = 0; y < 65; ++y)
      for (std::size_t x = 0; x < 65; ++x) vx += (x - 32.0) * (x - 32.0) * image.at(0, y, x);
    // GEGL's recursive filter (sigma >= 1) is about 10% wider than its nominal sigma.
    const double width = std::sqrt(vx) / sigma;
    if (sigma < 1.0)
      ck_assert_double_eq_tol(width, 1.0, 0.03);
    else
      ck_assert(width > 1.05 && width < 1.15);
    // Symmetric left-right far from the edges.
    ck_assert_float_eq_tol(image.at(0, 32, 30), image.at(0, 32, 34), 1e-6f);
  }
  // Asked for explicitly, the sampled kernel is a true Gaussian at any size.
  {
    Image image(81, 1, 1, 0.0f);
    image.at(0, 0, 40) = 1.0f;
    GaussianBlurParams p;
    p.std_dev_x = 3.0;
    p.std_dev_y = 0.0;
    p.filter = BlurFilter::Fir;
    gaussian_blur(image.view(), p);
    double v = 0;
    for (std::size_t x = 0; x < 81; ++x) v += (x - 40.0) * (x - 40.0) * image.at(0, 0, x);
    ck_assert_double_eq_tol(std::sqrt(v), 3.0, 0.01);
  }
  // The sampled kernel: ceil(6.5 sigma) taps made odd, weights exp(-x^2 / 2 sigma^2) / sum.
  Image line(21, 1, 1, 0.0f);
  line.at(0, 0, 10) = 1.0f;
  GaussianBlurParams p;
  p.std_dev_x = 0.8;
  p.std_dev_y = 0.0;
  gaussian_blur(line.view(), p);
  double weights[7], total = 0;
  for (int i = 0; i < 7; ++i) total += weights[i] = std::exp(-(i - 3.0) * (i - 3.0) / (2 * 0.64));
  for (int i = 0; i < 7; ++i)
    ck_assert_double_eq_tol(line.at(0, 0, 7 + i), weights[i] / total, 1e-6);
  ck_assert_float_eq(line.at(0, 0, 6), 0.0f);
}
END_TEST

START_TEST(blur_keeps_a_constant_image) {
  for (double sigma : {0.5, 2.0, 12.0}) {
    Image image(30, 20, 3, 0.42f);
    GaussianBlurParams p;
    p.std_dev_x = sigma;
    p.std_dev_y = sigma * 0.5;
    gaussian_blur(image.view(), p);
    for (float v : image.samples()) ck_assert_float_eq_tol(v, 0.42f, 1e-5f);
  }
  GaussianBlurParams bad;
  bad.std_dev_x = -1;
  ck_assert(throws_invalid_argument([&] { bad.validate(); }));
}
END_TEST

START_TEST(unsharp_threshold_spares_small_differences) {
  // A faint ripple on the left, a strong edge on the right.
  Image image(80, 20, 1, 0.0f);
  for (std::size_t y = 0; y < 20; ++y)
    for (std::size_t x = 0; x < 80; ++x)
      image.at(0, y, x) =
          static_cast<float>(0.2 + 0.002 * std::sin(1.7 * x) + (x >= 60 ? 0.6 : 0.0));
  UnsharpMaskParams p;
  p.radius = 2.0;
  p.amount = 1.0;
  p.storage = Trc::Linear;
  Image plain = image;
  unsharp_mask(plain.view(), p);
  p.threshold = 0.1;
  Image gated = image;
  unsharp_mask(gated.view(), p);
  double ripple_plain = 0, ripple_gated = 0;
  for (std::size_t x = 5; x < 40; ++x) {
    ripple_plain =
        std::max(ripple_plain, double(std::fabs(plain.at(0, 10, x) - image.at(0, 10, x))));
    ripple_gated =
        std::max(ripple_gated, double(std::fabs(gated.at(0, 10, x) - image.at(0, 10, x))));
  }
  ck_assert(ripple_plain > 5e-4);
  ck_assert_double_eq_tol(ripple_gated, 0.0, 1e-7);
  // The strong edge is sharpened either way: overshoot above the bright side.
  ck_assert(gated.at(0, 10, 60) > image.at(0, 10, 60) + 0.05);
  ck_assert_double_eq_tol(gated.at(0, 10, 60), plain.at(0, 10, 60), 1e-3);
  // A flat image is left alone.
  Image flat(20, 20, 3, 0.3f);
  unsharp_mask(flat.view(), UnsharpMaskParams{});
  for (float v : flat.samples()) ck_assert_float_eq_tol(v, 0.3f, 1e-5f);
  UnsharpMaskParams bad;
  bad.amount = 301;
  ck_assert(throws_invalid_argument([&] { bad.validate(); }));
}
END_TEST

START_TEST(crop_counts_from_the_top_left_of_the_picture) {
  Image image(4, 3, 1);
  for (std::size_t y = 0; y < 3; ++y)
    for (std::size_t x = 0; x < 4; ++x) image.at(0, y, x) = float(10 * y + x);
  image.header().object = "M42";
  CropParams p;
  p.x = 1;
  p.y = 0;
  p.width = 2;
  p.height = 2;
  const Image out = crop(image, p);
  // The picture's top row is the last stored row (2), then row 1.
  ck_assert_uint_eq(out.height(), 2);
  ck_assert_float_eq(out.at(0, 1, 0), 21.0f);
  ck_assert_float_eq(out.at(0, 1, 1), 22.0f);
  ck_assert_float_eq(out.at(0, 0, 0), 11.0f);
  ck_assert_str_eq(out.header().object.c_str(), "M42");
  p.width = 4;
  ck_assert(throws_invalid_argument([&] { crop(image, p); }));
  p.width = 0;
  ck_assert(throws_invalid_argument([&] { crop(image, p); }));
}
END_TEST

START_TEST(compose_stacks_layers_as_gimp_does) {
  const std::size_t w = 16, h = 12;
  Image nebula(w, h, 3, 0.2f);
  Image ha(w, h, 1, 0.25f);
  Image stars(w, h, 1, 0.0f);
  stars.at(0, 6, 8) = 0.9f;
  NebulaCompositeParams p;
  p.sharpen_stars = false;
  NebulaLayers layers;
  NoProgress quiet;
  layers.nebula = ConstImageView(nebula.view());
  Image only_nebula = compose_nebula(layers, p, quiet);
  ck_assert(only_nebula.samples() == nebula.samples());

  // Ha 0.25 coloured red is (0.5, 0, 0); screened onto 0.2 (perceptual numbers).
  layers.ha = ConstImageView(ha.view());
  layers.stars = ConstImageView(stars.view());
  const Image out = compose_nebula(layers, p, quiet);
  ck_assert_double_eq_tol(out.at(0, 0, 0), 1 - 0.8 * 0.5, 1e-6);
  ck_assert_double_eq_tol(out.at(1, 0, 0), 0.2, 1e-6);
  // The star shows through lighten only where it is brighter.
  ck_assert_double_eq_tol(out.at(1, 6, 8), 0.9, 1e-6);
  ck_assert_double_eq_tol(out.at(0, 6, 8), 0.9, 1e-6);

  // A black point on the Ha layer: (0.25 - 0.1) / 0.9 before colouring.
  p.ha.black_point = 0.1;
  const Image darker = compose_nebula(layers, p, quiet);
  ck_assert_double_eq_tol(darker.at(0, 0, 0), 1 - 0.8 * (1 - 2 * 0.15 / 0.9), 1e-6);

  Image small(8, 8, 3);
  layers.oiii = ConstImageView(small.view());
  ck_assert(throws_invalid_argument([&] { compose_nebula(layers, p, quiet); }));
  ck_assert(throws_invalid_argument([&] { compose_nebula(NebulaLayers{}, p, quiet); }));
  p.stars.opacity = 2;
  layers.oiii.reset();
  ck_assert(throws_invalid_argument([&] { compose_nebula(layers, p, quiet); }));
}
END_TEST

int main() {
  Suite* suite = suite_create("compositing");
  TCase* tc = tcase_create("compositing");
  ADD_TEST(tc, blend_values_by_hand_on_linear_numbers);
  ADD_TEST(tc, blend_values_by_hand_on_perceptual_numbers);
  ADD_TEST(tc, blend_opacity_zero_is_identity);
  ADD_TEST(tc, lighten_is_commutative_and_idempotent);
  ADD_TEST(tc, blend_grey_layer_over_rgb_and_refusals);
  ADD_TEST(tc, colourise_of_grey);
  ADD_TEST(tc, levels_identity_and_values);
  ADD_TEST(tc, blur_of_a_delta_integrates_to_one);
  ADD_TEST(tc, blur_keeps_a_constant_image);
  ADD_TEST(tc, unsharp_threshold_spares_small_differences);
  ADD_TEST(tc, crop_counts_from_the_top_left_of_the_picture);
  ADD_TEST(tc, compose_stacks_layers_as_gimp_does);
  suite_add_tcase(suite, tc);
  return astropack::test::run_suite(suite);
}
