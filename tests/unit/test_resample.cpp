// SPDX-License-Identifier: GPL-3.0-or-later
// Resampling onto the reference grid: known functions, a shifted star's flux
// and centroid, ringing with and without clamping, no data off the frame, and
// band-wise resampling giving the same bits as the whole frame.
#include <cmath>
#include <cstring>
#include <numbers>

#include "astropack/error.hpp"
#include "astropack/resample.hpp"
#include "check_main.hpp"

#ifdef _OPENMP
#include <omp.h>
#endif

using namespace astropack;

namespace {

template <typename F>
Image image_of(std::size_t width, std::size_t height, std::size_t channels, F f) {
  Image image(width, height, channels);
  for (std::size_t c = 0; c < channels; ++c)
    for (std::size_t y = 0; y < height; ++y)
      for (std::size_t x = 0; x < width; ++x)
        image.at(c, y, x) = static_cast<float>(f(double(x), double(y), c));
  return image;
}

double gaussian_star(double x, double y, double cx, double cy, double sigma, double flux) {
  const double r2 = (x - cx) * (x - cx) + (y - cy) * (y - cy);
  return flux / (2 * std::numbers::pi * sigma * sigma) * std::exp(-r2 / (2 * sigma * sigma));
}

struct Moments {
  double flux = 0, x = 0, y = 0;
};

// Flux and centroid above the background within 12 pixels of (cx, cy).
Moments moments_above(const Image& image, float background, double cx, double cy) {
  Moments m;
  for (std::size_t y = std::size_t(cy) - 12; y <= std::size_t(cy) + 12; ++y)
    for (std::size_t x = std::size_t(cx) - 12; x <= std::size_t(cx) + 12; ++x) {
      const double v = double(image.at(0, y, x)) - background;
      m.flux += v;
      m.x += v * double(x);
      m.y += v * double(y);
    }
  m.x /= m.flux;
  m.y /= m.flux;
  return m;
}

// RMS difference from f over pixels at least `margin` from every edge.
template <typename F>
double rms_error(const Image& image, std::size_t margin, F f) {
  double sum = 0;
  std::size_t count = 0;
  for (std::size_t y = margin; y + margin < image.height(); ++y)
    for (std::size_t x = margin; x + margin < image.width(); ++x) {
      const double d = double(image.at(0, y, x)) - f(double(x), double(y));
      sum += d * d;
      ++count;
    }
  return std::sqrt(sum / double(count));
}

// A rotation, scale, shift and a little perspective: a general homography.
Transform awkward_transform() {
  return Transform::from_matrix({0.9986, -0.0349, 3.71, 0.0351, 0.9990, -2.43, 2e-5, -1.5e-5, 1});
}

}  // namespace

START_TEST(names_parse_and_print) {
  ck_assert(parse_interpolation("lanczos3") == Interpolation::Lanczos3);
  ck_assert(parse_interpolation("bicubic") == Interpolation::Bicubic);
  ck_assert(parse_interpolation("bilinear") == Interpolation::Bilinear);
  ck_assert(parse_interpolation("nearest") == Interpolation::Nearest);
  ck_assert_str_eq(std::string(to_string(Interpolation::Bicubic)).c_str(), "bicubic");
  ck_assert_uint_eq(kernel_reach(Interpolation::Lanczos3), 3);
  bool thrown = false;
  try {
    parse_interpolation("sinc");
  } catch (const Error& e) {
    thrown = e.kind() == ErrorKind::InvalidArgument;
  }
  ck_assert(thrown);
}
END_TEST

START_TEST(flat_image_stays_flat) {
  const Image flat = image_of(40, 30, 1, [](double, double, std::size_t) { return 0.25; });
  for (Interpolation how : {Interpolation::Lanczos3, Interpolation::Bicubic,
                            Interpolation::Bilinear, Interpolation::Nearest}) {
    const Image out = resample_frame(flat, awkward_transform(), 40, 30, {how, false});
    for (std::size_t y = 6; y < 24; ++y)
      for (std::size_t x = 6; x < 34; ++x) ck_assert_float_eq_tol(out.at(0, y, x), 0.25f, 1e-6f);
  }
}
END_TEST

START_TEST(bilinear_reproduces_planes) {
  const auto plane = [](double x, double y) { return 0.1 + 0.003 * x - 0.002 * y; };
  const Image image = image_of(50, 40, 1, [&](double x, double y, std::size_t) { return plane(x, y); });
  const Transform t = awkward_transform();
  const Image out = resample_frame(image, t, 50, 40, {Interpolation::Bilinear, false});
  for (std::size_t y = 5; y < 35; ++y)
    for (std::size_t x = 5; x < 45; ++x) {
      const Point2 s = t.apply({double(x), double(y)});
      // Phases are tabulated at 1/1024 pixel.
      ck_assert_double_eq_tol(out.at(0, y, x), plane(s.x, s.y), 1e-5);
    }
}
END_TEST

START_TEST(smooth_function_error_falls_with_kernel_order) {
  // A band-limited pattern of period 7 pixels, resampled at sub-pixel offsets.
  const auto wave = [](double x, double y) {
    return 0.5 + 0.2 * std::sin(2 * std::numbers::pi * x / 7.0) * std::cos(2 * std::numbers::pi * y / 9.0);
  };
  const Image image = image_of(80, 60, 1, [&](double x, double y, std::size_t) { return wave(x, y); });
  const Transform t = Transform::shift(0.37, -0.61);
  const auto truth = [&](double x, double y) { return wave(x + 0.37, y - 0.61); };
  const double lanczos = rms_error(resample_frame(image, t, 80, 60, {Interpolation::Lanczos3, false}), 6, truth);
  const double cubic = rms_error(resample_frame(image, t, 80, 60, {Interpolation::Bicubic, false}), 6, truth);
  const double linear = rms_error(resample_frame(image, t, 80, 60, {Interpolation::Bilinear, false}), 6, truth);
  const double nearest = rms_error(resample_frame(image, t, 80, 60, {Interpolation::Nearest, false}), 6, truth);
  ck_assert_msg(lanczos < 0.004, "lanczos rms %g", lanczos);
  ck_assert_msg(lanczos < cubic && cubic < linear && linear < nearest,
                "errors lanczos %g cubic %g linear %g nearest %g", lanczos, cubic, linear, nearest);
}
END_TEST

START_TEST(shifted_star_keeps_flux_and_moves_by_the_shift) {
  const double cx = 31.3, cy = 22.8, flux = 5.0, background = 0.05;
  const Image frame = image_of(64, 48, 1, [&](double x, double y, std::size_t) {
    return background + gaussian_star(x, y, cx, cy, 1.3, flux);
  });
  // The frame sees reference point p at p + (2.37, -1.61): the star sits at
  // (cx - 2.37, cy + 1.61) on the reference grid.
  const Transform t = Transform::shift(2.37, -1.61);
  for (Interpolation how : {Interpolation::Lanczos3, Interpolation::Bicubic, Interpolation::Bilinear}) {
    const Image out = resample_frame(frame, t, 64, 48, {how, true});
    const Moments m = moments_above(out, float(background), cx - 2.37, cy + 1.61);
    ck_assert_msg(std::abs(m.flux / flux - 1.0) < 0.005, "%s flux ratio %g",
                  std::string(to_string(how)).c_str(), m.flux / flux);
    ck_assert_msg(std::abs(m.x - (cx - 2.37)) < 0.02 && std::abs(m.y - (cy + 1.61)) < 0.02,
                  "%s centroid %g %g", std::string(to_string(how)).c_str(), m.x, m.y);
  }
}
END_TEST

START_TEST(clamping_stops_ringing_around_a_sharp_star) {
  // An undersampled star (sigma 0.45 px) moved by half a pixel: Lanczos'
  // negative lobes dig below the sky unless clamped.
  const float sky = 0.1f;
  const Image frame = image_of(32, 32, 1, [&](double x, double y, std::size_t) {
    return sky + gaussian_star(x, y, 16.0, 16.0, 0.45, 1.0);
  });
  const Transform t = Transform::shift(0.5, 0.5);
  for (Interpolation how : {Interpolation::Lanczos3, Interpolation::Bicubic}) {
    const Image raw = resample_frame(frame, t, 32, 32, {how, false});
    const Image clamped = resample_frame(frame, t, 32, 32, {how, true});
    float raw_min = 1, clamped_min = 1, raw_max = 0, clamped_max = 0;
    for (std::size_t y = 4; y < 28; ++y)
      for (std::size_t x = 4; x < 28; ++x) {
        raw_min = std::min(raw_min, raw.at(0, y, x));
        clamped_min = std::min(clamped_min, clamped.at(0, y, x));
        raw_max = std::max(raw_max, raw.at(0, y, x));
        clamped_max = std::max(clamped_max, clamped.at(0, y, x));
      }
    ck_assert_msg(raw_min < sky - 0.005f, "%s unclamped min %g", std::string(to_string(how)).c_str(), raw_min);
    ck_assert_msg(clamped_min >= sky - 1e-6f, "%s clamped min %g", std::string(to_string(how)).c_str(), clamped_min);
    // The peak is limited to the brightest pixel of the 2 x 2 around it.
    ck_assert(clamped_max <= frame.at(0, 16, 16) + 1e-6f);
  }
}
END_TEST

START_TEST(points_off_the_frame_are_no_data) {
  const Image frame = image_of(40, 30, 3, [](double x, double y, std::size_t c) {
    return 0.2 + 0.001 * x + 0.002 * y + 0.1 * double(c);
  });
  // Reference column x reads frame column x + 10.3: columns from 29.8 on fall off.
  const Image out = resample_frame(frame, Transform::shift(10.3, -4.6), 40, 30);
  for (std::size_t c = 0; c < 3; ++c)
    for (std::size_t y = 0; y < 30; ++y)
      for (std::size_t x = 0; x < 40; ++x) {
        const double sx = double(x) + 10.3, sy = double(y) - 4.6;
        const bool inside = sx <= 39.5 && sy >= -0.5;
        if (inside) ck_assert_msg(out.at(c, y, x) > 0.1f, "(%zu, %zu) empty", x, y);
        else ck_assert_float_eq(out.at(c, y, x), 0.0f);
      }
  // A band entirely off the frame needs no source rows.
  const RowBand none = source_rows_for(Transform::shift(0, 100), {0, 10}, 40, 40, 30,
                                       Interpolation::Lanczos3);
  ck_assert_uint_eq(none.rows, 0);
}
END_TEST

START_TEST(nearest_integer_shift_is_a_copy) {
  const Image frame = image_of(20, 16, 1, [](double x, double y, std::size_t) { return x * 100 + y; });
  const Image out = resample_frame(frame, Transform::shift(3, 2), 20, 16, {Interpolation::Nearest, false});
  for (std::size_t y = 0; y + 2 < 16; ++y)
    for (std::size_t x = 0; x + 3 < 20; ++x) ck_assert_float_eq(out.at(0, y, x), frame.at(0, y + 2, x + 3));
  // Lanczos at an integer shift is a copy too (the kernel is 1 at 0, 0 at the other taps).
  const Image lanczos = resample_frame(frame, Transform::shift(3, 2), 20, 16);
  for (std::size_t y = 0; y + 2 < 16; ++y)
    for (std::size_t x = 0; x + 3 < 20; ++x) ck_assert_float_eq(lanczos.at(0, y, x), frame.at(0, y + 2, x + 3));
}
END_TEST

START_TEST(band_by_band_is_bit_identical) {
  const Image frame = image_of(97, 83, 3, [](double x, double y, std::size_t c) {
    return 0.1 + 0.3 * std::sin(0.37 * x + double(c)) * std::cos(0.21 * y) +
           gaussian_star(x, y, 40.2, 33.7, 0.8, 2.0);
  });
  const std::size_t width = 91, height = 89;  // a grid of another size than the frame
  for (Interpolation how : {Interpolation::Lanczos3, Interpolation::Bicubic,
                            Interpolation::Bilinear, Interpolation::Nearest}) {
    const ResampleOptions options{how, true};
    const Transform t = awkward_transform();
    const Image whole = resample_frame(frame, t, width, height, options);
    for (std::size_t band_rows : {1, 7, 30}) {
      Image banded(width, height, 3);
      for (std::size_t first = 0; first < height; first += band_rows) {
        const RowBand out_band{first, std::min(band_rows, height - first)};
        const RowBand src = source_rows_for(t, out_band, width, frame.width(), frame.height(), how);
        ck_assert(src.first_row + src.rows <= frame.height());
        ck_assert(src.rows <= out_band.rows + 2 * kernel_reach(how) + 8);
        // Only the rows named are handed over.
        const ConstImageView source = frame.view().band(src.first_row, src.rows);
        resample_band(source, src, frame.height(), t, out_band,
                      banded.view().band(out_band.first_row, out_band.rows), options);
      }
      ck_assert_msg(std::memcmp(whole.samples().data(), banded.samples().data(),
                                whole.samples().size() * sizeof(float)) == 0,
                    "%s: bands of %zu rows differ", std::string(to_string(how)).c_str(), band_rows);
    }
  }
}
END_TEST

START_TEST(thread_count_does_not_change_the_result) {
#ifdef _OPENMP
  const Image frame = image_of(120, 90, 1, [](double x, double y, std::size_t) {
    return 0.2 + 0.1 * std::sin(0.5 * x) * std::cos(0.3 * y);
  });
  omp_set_num_threads(1);
  const Image one = resample_frame(frame, awkward_transform(), 120, 90);
  omp_set_num_threads(3);
  const Image three = resample_frame(frame, awkward_transform(), 120, 90);
  ck_assert(std::memcmp(one.samples().data(), three.samples().data(),
                        one.samples().size() * sizeof(float)) == 0);
#endif
}
END_TEST

START_TEST(header_is_the_frames) {
  Image frame(10, 8, 1, 0.5f);
  frame.header().exposure = 120.0;
  frame.header().history.push_back("calibrated");
  const Image out = resample_frame(frame, Transform::shift(0.5, 0), 12, 6);
  ck_assert_uint_eq(out.width(), 12);
  ck_assert_uint_eq(out.height(), 6);
  ck_assert(out.header().exposure && *out.header().exposure == 120.0);
  ck_assert_uint_eq(out.header().history.size(), 1);
}
END_TEST

int main() {
  Suite* suite = suite_create("resample");
  TCase* tc = tcase_create("resample");
  ADD_TEST(tc, names_parse_and_print);
  ADD_TEST(tc, flat_image_stays_flat);
  ADD_TEST(tc, bilinear_reproduces_planes);
  ADD_TEST(tc, smooth_function_error_falls_with_kernel_order);
  ADD_TEST(tc, shifted_star_keeps_flux_and_moves_by_the_shift);
  ADD_TEST(tc, clamping_stops_ringing_around_a_sharp_star);
  ADD_TEST(tc, points_off_the_frame_are_no_data);
  ADD_TEST(tc, nearest_integer_shift_is_a_copy);
  ADD_TEST(tc, band_by_band_is_bit_identical);
  ADD_TEST(tc, thread_count_does_not_change_the_result);
  ADD_TEST(tc, header_is_the_frames);
  suite_add_tcase(suite, tc);
  return astropack::test::run_suite(suite);
}
