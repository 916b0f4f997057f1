// SPDX-License-Identifier: GPL-3.0-or-later
// The streaming core of every integration (masters and light stacks): it
// reads the same row band from all frames, applies each frame's linear
// normalisation, hands every pixel's stack of values to a combiner
// (rejection + combination), and assembles the result and the rejection
// maps. Memory is bounded by the budget, not by the frame count; every pixel
// is independent, so the result is identical for any thread count.
#pragma once

#include <cstdint>
#include <functional>
#include <span>
#include <vector>

#include "astropack/frame_set.hpp"
#include "astropack/image.hpp"
#include "astropack/progress.hpp"

namespace astropack {

// x' = multiplier * x + offset, per frame and channel. Zeros (no data) stay zero.
struct LinearScaling {
  float multiplier = 1.0f;
  float offset = 0.0f;
};

// What a combiner returns for one pixel.
struct PixelOutcome {
  float value = 0.0f;
  std::uint16_t rejected_low = 0;
  std::uint16_t rejected_high = 0;
};

// Combines one pixel's stack. `values` holds one (normalised) value per frame
// and may be reordered or overwritten; `weights` has one weight per frame in
// the same order, or is empty for equal weights. Must be safe to call from
// several threads at once.
using PixelCombiner =
    std::function<PixelOutcome(std::span<float> values, std::span<const float> weights)>;

// Combines one row of one channel at once, for methods that estimate something
// from the whole line first (averaged sigma clipping estimates its noise model
// per line, as IRAF's avsigclip does). `stacks` holds width consecutive pixel
// stacks of `frames` values each; out, low and high have one entry per pixel.
using LineCombiner = std::function<void(std::span<float> stacks, std::size_t frames,
                                        std::span<const float> weights, std::span<float> out,
                                        std::span<std::uint16_t> low,
                                        std::span<std::uint16_t> high)>;

struct StackEngineSetup {
  // [frame][channel]; empty means no normalisation.
  std::vector<std::vector<LinearScaling>> scaling;
  std::vector<float> weights;      // one per frame, or empty
  PixelCombiner combine;            // either this ...
  LineCombiner combine_line;        // ... or this
  std::size_t memory_budget = 0;   // bytes for band buffers; 0 = default_memory_budget()
  bool rejection_maps = false;
  int threads = 0;                 // 0 = all cores
};

struct StackEngineResult {
  Image image;                     // header left empty: the caller describes the stack
  std::uint64_t rejected_low = 0;  // samples rejected, all channels
  std::uint64_t rejected_high = 0;
  Image low_map, high_map;         // fraction of frames rejected per pixel (if asked)
  std::size_t band_count = 0;
};

StackEngineResult run_stack_engine(const FrameSet& frames, const StackEngineSetup& setup,
                                   Progress& progress);

// The threads work runs on when `requested` are asked for (0 = all cores).
int worker_threads(int requested) noexcept;

// The StackEngineSetup::memory_budget (band buffers) that keeps a whole
// integration of `frames`, the result, the maps, the per-thread scratch and
// the rest of the process, within `total` bytes (at least one row per band).
std::size_t band_budget_within(std::size_t total, const FrameSet& frames, bool rejection_maps,
                               int threads);

}  // namespace astropack
