// SPDX-License-Identifier: GPL-3.0-or-later
// Band planning and the streaming stack engine.

#include <cmath>
#include <cstring>

#include "astropack/band_plan.hpp"
#include "astropack/error.hpp"
#include "astropack/frame_set.hpp"
#include "astropack/stack_engine.hpp"
#include "check_main.hpp"

using namespace astropack;

START_TEST(bands_cover_every_row_once) {
  for (std::size_t height : {1u, 2u, 7u, 100u, 1001u}) {
    for (std::size_t budget : {1u, 1000u, 100000u, 100000000u}) {
      BandPlanInput in;
      in.width = 13;
      in.height = height;
      in.channels = 3;
      in.frames = 9;
      in.budget_bytes = budget;
      const auto bands = plan_bands(in);
      std::size_t next = 0;
      const std::size_t tallest = band_height_for_budget(in);
      for (const RowBand& b : bands) {
        ck_assert_uint_eq(b.first_row, next);
        ck_assert_uint_ge(b.rows, 1);
        ck_assert_uint_le(b.rows, tallest);
        next += b.rows;
      }
      ck_assert_uint_eq(next, height);
    }
  }
}
END_TEST

START_TEST(band_height_respects_budget) {
  BandPlanInput in;
  in.width = 6000;
  in.height = 4000;
  in.channels = 1;
  in.frames = 500;
  in.budget_bytes = std::size_t{1} << 30;
  in.buffers = 1;
  const std::size_t rows = band_height_for_budget(in);
  ck_assert_uint_le(rows * 6000 * 500 * 4, in.budget_bytes);
  ck_assert_uint_gt((rows + 1) * 6000 * 500 * 4, in.budget_bytes);
}
END_TEST

START_TEST(memory_sizes_parse) {
  ck_assert_uint_eq(parse_memory_size("512M"), 512u << 20);
  ck_assert_uint_eq(parse_memory_size("2G"), std::size_t{2} << 30);
  ck_assert_uint_eq(parse_memory_size("1.5GB"), std::size_t{3} << 29);
  ck_assert_uint_eq(parse_memory_size("4096"), 4096u);
  bool thrown = false;
  try {
    parse_memory_size("lots");
  } catch (const Error& e) {
    thrown = e.kind() == ErrorKind::InvalidArgument;
  }
  ck_assert(thrown);
}
END_TEST

namespace {

std::vector<Image> ramp_frames(std::size_t n, std::size_t channels) {
  std::vector<Image> frames;
  for (std::size_t f = 0; f < n; ++f) {
    Image image(17, 11, channels);
    for (std::size_t c = 0; c < channels; ++c)
      for (std::size_t y = 0; y < 11; ++y)
        for (std::size_t x = 0; x < 17; ++x)
          image.at(c, y, x) = 0.01f * float(f + 1) + 0.001f * float(x + 3 * y) + 0.1f * float(c);
    frames.push_back(std::move(image));
  }
  return frames;
}

PixelOutcome plain_mean(std::span<float> values, std::span<const float> weights) {
  double sum = 0, total_weight = 0;
  for (std::size_t i = 0; i < values.size(); ++i) {
    const double w = weights.empty() ? 1.0 : weights[i];
    sum += w * values[i];
    total_weight += w;
  }
  return {float(sum / total_weight), 0, 0};
}

}  // namespace

START_TEST(engine_mean_matches_direct_mean) {
  const auto frames = ramp_frames(6, 3);
  std::vector<const Image*> pointers;
  for (const auto& f : frames) pointers.push_back(&f);
  const FrameSet set = FrameSet::from_images(pointers);
  StackEngineSetup setup;
  setup.combine = plain_mean;
  setup.memory_budget = 17 * 6 * 3 * 4 * 2;  // two rows per band: many bands
  NoProgress progress;
  const StackEngineResult r = run_stack_engine(set, setup, progress);
  ck_assert_uint_ge(r.band_count, 5);
  for (std::size_t c = 0; c < 3; ++c)
    for (std::size_t y = 0; y < 11; ++y)
      for (std::size_t x = 0; x < 17; ++x) {
        double expect = 0;
        for (const auto& f : frames) expect += f.at(c, y, x);
        ck_assert_float_eq_tol(r.image.at(c, y, x), float(expect / 6), 1e-6f);
      }
}
END_TEST

START_TEST(engine_applies_scaling_and_weights_but_keeps_zeros) {
  auto frames = ramp_frames(2, 1);
  frames[1].at(0, 0, 0) = 0.0f;  // no data in frame 2 at (0,0)
  std::vector<const Image*> pointers = {&frames[0], &frames[1]};
  const FrameSet set = FrameSet::from_images(pointers);
  StackEngineSetup setup;
  setup.scaling = {{{2.0f, 0.0f}}, {{1.0f, 0.5f}}};
  setup.weights = {1.0f, 3.0f};
  setup.combine = [](std::span<float> v, std::span<const float> w) {
    // Report what the engine handed over, to check scaling and zeros.
    return PixelOutcome{v[0] * 10.0f + v[1] + (w[1] == 3.0f ? 0.0f : 100.0f), 0, 0};
  };
  NoProgress progress;
  const StackEngineResult r = run_stack_engine(set, setup, progress);
  const float a = 2.0f * frames[0].at(0, 0, 0);
  ck_assert_float_eq_tol(r.image.at(0, 0, 0), a * 10.0f + 0.0f, 1e-6f);
  const float b0 = 2.0f * frames[0].at(0, 5, 4), b1 = frames[1].at(0, 5, 4) + 0.5f;
  ck_assert_float_eq_tol(r.image.at(0, 5, 4), b0 * 10.0f + b1, 1e-5f);
}
END_TEST

START_TEST(engine_result_independent_of_threads_and_bands) {
  const auto frames = ramp_frames(5, 1);
  std::vector<const Image*> pointers;
  for (const auto& f : frames) pointers.push_back(&f);
  const FrameSet set = FrameSet::from_images(pointers);
  StackEngineSetup setup;
  setup.combine = plain_mean;
  setup.rejection_maps = true;
  NoProgress progress;
  setup.threads = 1;
  setup.memory_budget = 1;
  const StackEngineResult one = run_stack_engine(set, setup, progress);
  setup.threads = 4;
  setup.memory_budget = 1 << 20;
  const StackEngineResult many = run_stack_engine(set, setup, progress);
  ck_assert_uint_eq(one.band_count, 11);
  ck_assert_uint_eq(many.band_count, 1);
  ck_assert_int_eq(std::memcmp(one.image.samples().data(), many.image.samples().data(),
                               one.image.samples().size() * sizeof(float)), 0);
}
END_TEST

START_TEST(engine_counts_rejections_into_maps) {
  const auto frames = ramp_frames(4, 1);
  std::vector<const Image*> pointers;
  for (const auto& f : frames) pointers.push_back(&f);
  const FrameSet set = FrameSet::from_images(pointers);
  StackEngineSetup setup;
  setup.rejection_maps = true;
  setup.combine = [](std::span<float>, std::span<const float>) { return PixelOutcome{0.5f, 1, 2}; };
  NoProgress progress;
  const StackEngineResult r = run_stack_engine(set, setup, progress);
  ck_assert_uint_eq(r.rejected_low, 17 * 11);
  ck_assert_uint_eq(r.rejected_high, 2 * 17 * 11);
  ck_assert_float_eq(r.low_map.at(0, 3, 3), 0.25f);
  ck_assert_float_eq(r.high_map.at(0, 10, 16), 0.5f);
}
END_TEST

START_TEST(frames_of_different_size_are_refused) {
  Image a(4, 4, 1), b(4, 5, 1);
  bool thrown = false;
  try {
    FrameSet::from_images({&a, &b});
  } catch (const Error& e) {
    thrown = e.kind() == ErrorKind::InvalidInput;
  }
  ck_assert(thrown);
}
END_TEST

START_TEST(frames_can_be_corrected_on_read) {
  auto frames = ramp_frames(2, 1);
  auto master = std::make_shared<Image>(17, 11, 1, 0.25f);
  master->at(0, 2, 3) = 0.5f;
  FrameSet set = FrameSet::from_images({&frames[0], &frames[1]});
  set.subtract_on_read(master, 0.125f);
  const Image corrected = set.read_frame(1);
  ck_assert_float_eq_tol(corrected.at(0, 0, 0), frames[1].at(0, 0, 0) - 0.375f, 1e-7f);
  ck_assert_float_eq_tol(corrected.at(0, 2, 3), frames[1].at(0, 2, 3) - 0.625f, 1e-7f);
  auto wrong = std::make_shared<Image>(16, 11, 1);
  bool thrown = false;
  try {
    set.subtract_on_read(wrong, 0.0f, "bias.fit");
  } catch (const Error& e) {
    thrown = e.file() == "bias.fit";
  }
  ck_assert(thrown);
}
END_TEST

int main() {
  Suite* suite = suite_create("stack_engine");
  TCase* tc = tcase_create("core");
  ADD_TEST(tc, bands_cover_every_row_once);
  ADD_TEST(tc, band_height_respects_budget);
  ADD_TEST(tc, memory_sizes_parse);
  ADD_TEST(tc, engine_mean_matches_direct_mean);
  ADD_TEST(tc, engine_applies_scaling_and_weights_but_keeps_zeros);
  ADD_TEST(tc, engine_result_independent_of_threads_and_bands);
  ADD_TEST(tc, engine_counts_rejections_into_maps);
  ADD_TEST(tc, frames_of_different_size_are_refused);
  ADD_TEST(tc, frames_can_be_corrected_on_read);
  suite_add_tcase(suite, tc);
  return astropack::test::run_suite(suite);
}
